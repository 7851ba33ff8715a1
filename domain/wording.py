"""What each notification says, by topic, in Chinese and in English: one sentence naming the
case (`{no}`) or the enterprise (`{name}`), for the e-mail and the pages alike. The workflows
record a topic and an English subject; a topic without its sentence here is told by that subject."""

SENTENCES: dict[str, tuple[str, str]] = {
    # a complaint
    "forwarded": (
        "投诉{no}已转交贵企业，请在24小时内响应",
        "Complaint {no} is forwarded to you: respond within 24 hours",
    ),
    "proposed": (
        "投诉{no}：企业提出了解决方案，请答复",
        "Complaint {no}: the enterprise proposes a resolution; please answer",
    ),
    "responded": ("投诉{no}：企业已答复", "Complaint {no}: the enterprise has answered"),
    "investigation_opened": ("投诉{no}：监管部门已介入调查", "Complaint {no}: the regulator investigates it"),
    "substantiated": (
        "投诉{no}：经调查，投诉属实",
        "Complaint {no}: the investigation found it substantiated",
    ),
    "evaluation_request": (
        "投诉{no}：第三方机构将回访您的满意度",
        "Complaint {no}: an independent agency will ask about your satisfaction",
    ),
    "escalated": ("投诉{no}已升级处理", "Complaint {no} is escalated"),
    "assigned": ("投诉{no}已分配给您调查", "Complaint {no} is assigned to you for investigation"),
    "evidence_requested": (
        "投诉{no}：监管部门要求提交证据",
        "Complaint {no}: the regulator asks for evidence",
    ),
    "evidence_submitted": (
        "投诉{no}：企业已提交证据",
        "Complaint {no}: the enterprise has handed in evidence",
    ),
    "findings": ("投诉{no}：调查结论已作出", "Complaint {no}: the investigation's findings are recorded"),
    "rectification_ordered": ("投诉{no}：责令整改", "Complaint {no}: rectification is ordered"),
    "rectification_ineffective": (
        "投诉{no}：整改经核查无效",
        "Complaint {no}: the rectification was not effective",
    ),
    "closed": ("投诉{no}已办结", "Complaint {no} is closed"),
    "response_overdue": (
        "投诉{no}：企业逾期未响应，已升级",
        "Complaint {no}: no response in time; escalated",
    ),
    "resolution_overdue": ("投诉{no}：逾期未解决，已升级", "Complaint {no}: not resolved in time; escalated"),
    "investigation_overdue": ("投诉{no}：调查逾期", "Complaint {no}: the investigation is overdue"),
    "evidence_overdue": ("投诉{no}：企业逾期未提交证据", "Complaint {no}: the evidence is overdue"),
    "rectification_overdue": ("投诉{no}：整改逾期", "Complaint {no}: the rectification is overdue"),
    "task_failed": ("投诉{no}：一项任务未能完成", "Complaint {no}: a task could not be completed"),
    "response_warning": ("投诉{no}：响应时限将至", "Complaint {no}: the response is due soon"),
    "resolution_warning": ("投诉{no}：解决时限将至", "Complaint {no}: the resolution is due soon"),
    "consumer_decision_warning": (
        "投诉{no}：请尽快答复解决方案",
        "Complaint {no}: please answer the proposal soon",
    ),
    "investigation_warning": ("投诉{no}：调查时限将至", "Complaint {no}: the investigation is due soon"),
    "evidence_warning": ("投诉{no}：证据提交时限将至", "Complaint {no}: the evidence is due soon"),
    "rectification_warning": ("投诉{no}：整改时限将至", "Complaint {no}: the rectification is due soon"),
    "admitted": ("投诉{no}：市场监管部门已受理", "Complaint {no} is accepted by the regulator"),
    "acceptance_warning": (
        "投诉{no}：受理决定时限将至",
        "Complaint {no}: the acceptance decision is due soon",
    ),
    "acceptance_overdue": (
        "投诉{no}：未在时限内作出受理决定",
        "Complaint {no}: acceptance not decided in time",
    ),
    "transferred": ("投诉{no}已移送其他承办局", "Complaint {no} is transferred to another bureau"),
    "mediation_warning": ("投诉{no}：调解期限将至", "Complaint {no}: mediation's time is running out"),
    "mediation_ended": (
        "投诉{no}：调解未达成协议，已终止",
        "Complaint {no}: mediation ended without agreement",
    ),
    # its tasks
    "verification_open": ("投诉{no}：请核查整改情况", "Complaint {no}: verify the rectification"),
    "verification_warning": ("投诉{no}：整改核查时限将至", "Complaint {no}: the verification is due soon"),
    "verification_overdue": ("投诉{no}：整改核查逾期", "Complaint {no}: the verification is overdue"),
    "evaluation_open": ("投诉{no}：请开展满意度调查", "Complaint {no}: survey the consumer"),
    "evaluation_warning": ("投诉{no}：满意度调查时限将至", "Complaint {no}: the survey is due soon"),
    # an enterprise's supervision
    "warning": ("{name}：警告并责令整改", "{name}: a warning and a rectification order"),
    "order_warning": ("{name}：整改报告时限将至", "{name}: the rectification report is due soon"),
    "order_report": ("{name}：已提交整改报告", "{name}: the rectification report is handed in"),
    "penalty_proposed": (
        "{name}：拟作出行政处罚，可陈述申辩",
        "{name}: a penalty is proposed; you may state your case",
    ),
    "statement": ("{name}：已提交陈述申辩", "{name}: the statement is handed in"),
    "decision_due": ("{name}：处罚待决定", "{name}: a penalty awaits its decision"),
    "hearing_requested": ("{name}：要求听证", "{name}: a hearing is asked for"),
    "hearing_scheduled": ("{name}：听证已安排", "{name}: the hearing is scheduled"),
    "penalty_decided": ("{name}：行政处罚已决定", "{name}: the penalty is decided"),
    "penalty_confirmed": ("{name}：行政处罚已决定", "{name}: the penalty is decided"),
    "penalty_dropped": ("{name}：拟处罚不予作出", "{name}: the proposed penalty is dropped"),
    "warning_withdrawn": (
        "{name}：警告已撤回（重复投诉）",
        "{name}: a warning is withdrawn (a duplicate complaint)",
    ),
    "penalty_reviewed": (
        "{name}：拟处罚所涉投诉为重复投诉，请复核",
        "{name}: a proposed penalty names a duplicate complaint; review it",
    ),
    "payment_reminder": ("{name}：罚款缴纳期限将至", "{name}: the fine is due soon"),
    "fine_overdue": ("{name}：罚款逾期未缴纳", "{name}: the fine is overdue"),
    "fine_paid": ("{name}：罚款已缴纳", "{name}: the fine is paid"),
    "lifted": ("{name}：处理措施已解除", "{name}: a measure is lifted"),
    # the system
    "undelivered": ("升级通知未能送达", "An escalation could not be delivered"),
}


def sentence_for(topic: str, locale: str, *, recorded: str, tracking_no: str, enterprise: str) -> str:
    """The topic's sentence in `locale` (zh_CN or en); the recorded subject for a topic it lacks."""
    zh, en = SENTENCES.get(topic, ("", ""))
    text = zh if locale == "zh_CN" else en
    return text.format(no=tracking_no, name=enterprise) if text else recorded
