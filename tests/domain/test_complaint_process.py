"""The complaint process as pure rules: every transition, every refusal, request ids applied
once, and the deadlines' consequences, without a Temporal server."""

from datetime import timedelta

import pytest

from domain.complaint.messages import (
    Accept,
    Dispute,
    Escalate,
    Propose,
    RecordSiteVisit,
    Reject,
    RequestEvidence,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    Withdraw,
)
from domain.enums import (
    Action,
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    Measure,
    Offence,
    Outcome,
    RecipientKind,
    RejectionReason,
    Role,
    Severity,
    TaskKind,
    Verdict,
    ViolationKind,
)
from domain.ledger import APPLIED
from domain.messages import Actor
from domain.tasks import EvaluationResult
from tests.support import CONSUMER, ENTERPRISE, OTHER_ENTERPRISE, SUPERVISOR, command
from tests.support.processes import EVALUATOR, INVESTIGATOR, REPORT, CaseBench

OTHER = Actor(id="ent-other", role=Role.ENTERPRISE, org=OTHER_ENTERPRISE)
ANOTHER_INVESTIGATOR = Actor(id="inv-chen", role=Role.INVESTIGATOR, name="陈静")


def test_registration_forwards_the_case_with_its_two_deadlines_and_tells_the_enterprise() -> None:
    bench = CaseBench()
    state = bench.state
    assert state.status is CaseStatus.FORWARDED and state.forwarded_at == bench.now
    assert [d.kind for d in state.deadlines] == [DeadlineKind.RESPONSE, DeadlineKind.RESOLUTION]
    assert bench.deadline(DeadlineKind.RESPONSE).due == bench.now + timedelta(hours=24)
    [told] = bench.process.notifications
    assert (told.topic, told.recipient.kind, told.recipient.ref) == (
        "forwarded",
        RecipientKind.ENTERPRISE,
        state.enterprise_code,
    )
    assert bench.events() == ["received", "triaged", "deadline_set", "deadline_set", "forwarded"]


@pytest.mark.parametrize("severity", [Severity.SERIOUS, Severity.CRITICAL])
def test_a_serious_case_is_investigated_from_intake(severity: Severity) -> None:
    bench = CaseBench(severity)
    assert bench.state.status is CaseStatus.INVESTIGATING and bench.state.escalation_level == 2
    assert bench.deadline(DeadlineKind.RESOLUTION).state is DeadlineState.CLOSED
    assert bench.deadline(DeadlineKind.INVESTIGATION).state is DeadlineState.PENDING
    assert bench.process.needs_investigator


def test_a_response_meets_its_deadline_and_is_given_once() -> None:
    bench = CaseBench()
    assert bench.do(Action.RESPOND, Respond, ENTERPRISE, message="已联系") == APPLIED
    assert bench.state.status is CaseStatus.RESPONDED
    assert bench.deadline(DeadlineKind.RESPONSE).state is DeadlineState.MET
    assert bench.do(Action.RESPOND, Respond, ENTERPRISE, message="再次").startswith(
        "the enterprise already responded at"
    )


def test_a_proposal_is_also_the_response_and_asks_the_consumer() -> None:
    bench = CaseBench()
    bench.proposed()
    state = bench.state
    assert state.status is CaseStatus.PROPOSED and state.responded_at == bench.now
    assert bench.deadline(DeadlineKind.RESPONSE).state is DeadlineState.MET
    assert bench.deadline(DeadlineKind.RESOLUTION).state is DeadlineState.MET
    assert bench.deadline(DeadlineKind.CONSUMER_DECISION).state is DeadlineState.PENDING
    assert [(n.topic, n.recipient.kind) for n in bench.process.notifications][-1] == (
        "proposed",
        RecipientKind.CONSUMER,
    )


def test_an_accepted_proposal_resolves_the_case_and_sends_it_to_evaluation() -> None:
    bench = CaseBench()
    bench.proposed()
    proposed_at = bench.now
    bench.later(hours=5)
    assert bench.do(Action.ACCEPT, Accept, CONSUMER) == APPLIED
    assert bench.state.status is CaseStatus.EVALUATING and bench.state.resolved_at == proposed_at
    assert bench.process.needs_task is TaskKind.EVALUATION
    bench.evaluated(
        EvaluationResult(request_id="e1", actor=EVALUATOR, satisfaction=5, service_attitude=4, resolved=True)
    )
    assert (bench.state.status, bench.state.outcome) == (CaseStatus.CLOSED, Outcome.RESOLVED)


def test_a_disputed_proposal_opens_an_investigation() -> None:
    bench = CaseBench()
    bench.proposed()
    assert bench.do(Action.DISPUTE, Dispute, CONSUMER, reason="不同意") == APPLIED
    state = bench.state
    assert state.status is CaseStatus.INVESTIGATING and state.escalation_level == 2
    assert bench.deadline(DeadlineKind.CONSUMER_DECISION).state is DeadlineState.MET
    assert state.investigation and state.investigation.cause == "disputed by the consumer"


def test_a_silent_consumer_is_deemed_to_accept() -> None:
    bench = CaseBench()
    bench.proposed()
    bench.pass_(DeadlineKind.CONSUMER_DECISION)
    assert bench.state.status is CaseStatus.EVALUATING and bench.state.accepted_at is None
    bench.evaluated(None)
    assert bench.state.outcome is Outcome.RESOLVED_BY_DEFAULT


def test_a_withdrawn_case_closes_its_deadlines_and_refuses_everything_after() -> None:
    bench = CaseBench()
    assert bench.do(Action.WITHDRAW, Withdraw, CONSUMER, reason="已私下解决") == APPLIED
    state = bench.state
    assert (state.status, state.outcome, state.closing_note) == (
        CaseStatus.CLOSED,
        Outcome.WITHDRAWN,
        "已私下解决",
    )
    assert {d.state for d in state.deadlines} == {DeadlineState.CLOSED}
    assert bench.do(Action.RESPOND, Respond, ENTERPRISE, message="晚了") == "the case is closed (withdrawn)"


def test_withdrawal_and_rejection_end_with_the_findings() -> None:
    bench = CaseBench()
    bench.rectifying()
    assert bench.do(Action.WITHDRAW, Withdraw, CONSUMER).startswith(
        "withdraw does not fit a case that is rectifying "
        "(it awaits enterprise: submit the rectification report)"
    )
    assert bench.do(Action.REJECT, Reject, SUPERVISOR, reason=RejectionReason.OUT_OF_SCOPE).startswith(
        "reject does not fit a case that is rectifying"
    )


def test_a_rejection_as_duplicate_names_the_original() -> None:
    bench = CaseBench()
    assert bench.do(Action.REJECT, Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE) == (
        "duplicate_of: a rejection as duplicate names the case it duplicates"
    )
    assert (
        bench.do(Action.REJECT, Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE, duplicate_of="CP-1")
        == APPLIED
    )
    assert (bench.state.outcome, bench.state.closing_note) == (
        Outcome.REJECTED_DUPLICATE,
        "duplicate of CP-1",
    )


@pytest.mark.parametrize(
    ("action", "cls", "actor", "fields", "reason"),
    [
        (
            Action.RESPOND,
            Respond,
            CONSUMER,
            {"message": "x"},
            "respond is for the enterprise, not the consumer",
        ),
        (
            Action.RESPOND,
            Respond,
            OTHER,
            {"message": "x"},
            "this case concerns another enterprise",
        ),
        (Action.ACCEPT, Accept, ENTERPRISE, {}, "accept is for the consumer, not the enterprise"),
        (
            Action.ESCALATE,
            Escalate,
            ENTERPRISE,
            {"reason": "x"},
            "escalate is for the admin or supervisor, not the enterprise",
        ),
        (
            Action.ACCEPT,
            Accept,
            CONSUMER,
            {},
            "accept does not fit a case that is forwarded (it awaits enterprise: respond; "
            "enterprise: propose a resolution)",
        ),
        (
            Action.REQUEST_EVIDENCE,
            RequestEvidence,
            INVESTIGATOR,
            {"items": "发票"},
            "request_evidence does not fit a case that is forwarded (it awaits enterprise: respond; "
            "enterprise: propose a resolution)",
        ),
        (Action.RESPOND, Respond, ENTERPRISE, {"message": "  "}, "message: must not be empty"),
        (
            Action.PROPOSE,
            Propose,
            ENTERPRISE,
            {"measures": [], "detail": "x"},
            "measures: a proposal offers at least one measure",
        ),
    ],
)
def test_an_action_that_does_not_fit_is_refused_with_the_reason(
    action: Action, cls: type, actor: Actor, fields: dict, reason: str
) -> None:
    bench = CaseBench()
    before = bench.state.status
    assert bench.do(action, cls, actor, **fields) == reason
    assert bench.state.status is before
    [refusal] = bench.state.refusals
    assert (refusal.action, refusal.reason, refusal.actor.id) == (action, reason, actor.id)


def test_the_investigation_is_the_assigned_investigators_alone() -> None:
    bench = CaseBench()
    assert bench.do(Action.ESCALATE, Escalate, SUPERVISOR, reason="需调查") == APPLIED
    assert bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, INVESTIGATOR, items="发票") == (
        "no investigator is assigned to this case yet"
    )
    bench.assign()
    assert bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, ANOTHER_INVESTIGATOR, items="发票") == (
        "this case is assigned to another investigator"
    )


def test_evidence_is_asked_one_request_at_a_time_and_given_only_when_asked() -> None:
    bench = CaseBench()
    bench.investigating()
    assert bench.do(Action.SUBMIT_EVIDENCE, SubmitEvidence, ENTERPRISE, description="发票") == (
        "no evidence has been requested"
    )
    assert bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, INVESTIGATOR, items="发票") == APPLIED
    assert bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, INVESTIGATOR, items="合同").startswith(
        "an evidence request is already open since"
    )
    assert bench.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.PENDING
    bench.later(days=1)
    assert bench.do(Action.SUBMIT_EVIDENCE, SubmitEvidence, ENTERPRISE, description="发票一张") == APPLIED
    assert bench.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.MET
    assert bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, INVESTIGATOR, items="合同") == APPLIED
    assert [r.round for r in bench.state.investigation.evidence_requests] == [1, 2]


def test_evidence_not_given_in_time_is_a_violation_and_enforcement() -> None:
    bench = CaseBench()
    bench.investigating()
    bench.do(Action.REQUEST_EVIDENCE, RequestEvidence, INVESTIGATOR, items="发票")
    bench.pass_(DeadlineKind.EVIDENCE)
    assert bench.state.escalation_level == 3
    assert [v.kind for v in bench.state.violations] == [ViolationKind.LATE_EVIDENCE]
    bench.do(Action.SUBMIT_EVIDENCE, SubmitEvidence, ENTERPRISE, description="迟到的发票")
    assert bench.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.MET_LATE


def test_a_site_visit_is_recorded_in_the_investigation() -> None:
    bench = CaseBench()
    bench.investigating()
    visit = {"visited_on": bench.now.date(), "location": "门店", "notes": "库存不足"}
    assert bench.do(Action.RECORD_SITE_VISIT, RecordSiteVisit, INVESTIGATOR, **visit) == APPLIED
    assert bench.state.investigation.site_visits[0].visit.location == "门店"
    assert "site_visit" in bench.events()


def test_unsubstantiated_findings_go_to_evaluation_and_close_as_such() -> None:
    bench = CaseBench()
    bench.investigating()
    findings = {"verdict": Verdict.NOT_SUBSTANTIATED, "summary": "无质量问题"}
    assert bench.do(Action.SUBMIT_FINDINGS, SubmitFindings, INVESTIGATOR, **findings) == APPLIED
    assert bench.state.status is CaseStatus.EVALUATING and not bench.state.violations
    bench.evaluated(None)
    assert bench.state.outcome is Outcome.NOT_SUBSTANTIATED


def test_substantiated_findings_name_the_offence_and_order_rectification() -> None:
    bench = CaseBench()
    bench.investigating()
    assert bench.do(
        Action.SUBMIT_FINDINGS, SubmitFindings, INVESTIGATOR, verdict=Verdict.SUBSTANTIATED, summary="缺陷"
    ) == ("offence: substantiated findings name the offence")
    findings = {"verdict": Verdict.SUBSTANTIATED, "offence": Offence.PRODUCT_QUALITY, "summary": "缺陷"}
    assert bench.do(Action.SUBMIT_FINDINGS, SubmitFindings, INVESTIGATOR, **findings) == APPLIED
    state = bench.state
    assert state.status is CaseStatus.RECTIFYING and state.rectification.round == 1
    assert [v.kind for v in state.violations] == [ViolationKind.SUBSTANTIATED_COMPLAINT]
    assert bench.deadline(DeadlineKind.INVESTIGATION).state is DeadlineState.MET


def test_an_ineffective_rectification_escalates_and_orders_a_new_round() -> None:
    bench = CaseBench()
    bench.verifying()
    assert bench.state.status is CaseStatus.VERIFYING and bench.process.needs_task is TaskKind.VERIFICATION
    bench.verified(effective=False)
    state = bench.state
    assert state.status is CaseStatus.RECTIFYING and state.escalation_level == 3
    assert [r.round for r in state.rectifications] == [1, 2]
    assert state.violations[-1].kind is ViolationKind.INEFFECTIVE_RECTIFICATION
    assert bench.do(Action.SUBMIT_RECTIFICATION, SubmitRectification, ENTERPRISE, **REPORT) == APPLIED
    bench.verified(effective=True)
    assert bench.state.status is CaseStatus.EVALUATING
    bench.evaluated(None)
    assert bench.state.outcome is Outcome.RESOLVED_AFTER_RECTIFICATION


def test_a_rectification_report_not_handed_in_is_a_violation() -> None:
    bench = CaseBench()
    bench.rectifying()
    bench.pass_(DeadlineKind.RECTIFICATION)
    assert bench.state.violations[-1].kind is ViolationKind.LATE_RECTIFICATION
    assert bench.state.escalation_level == 3 and bench.state.overdue


def test_a_repeated_request_id_is_applied_once_and_a_refusal_recorded_once() -> None:
    bench = CaseBench()
    respond = command(Respond, ENTERPRISE, message="已联系")
    assert bench.send(Action.RESPOND, respond) == APPLIED
    bench.events()
    revision = bench.state.revision
    assert bench.process.take(Action.RESPOND, respond, bench.now) is False
    assert bench.state.revision == revision and bench.events() == []

    refused = command(Accept, ENTERPRISE)
    assert bench.send(Action.ACCEPT, refused).startswith("accept is for the consumer")
    assert bench.process.take(Action.ACCEPT, refused, bench.now) is False
    assert len(bench.state.refusals) == 1 and bench.events() == ["refused"]


def test_the_response_deadline_warns_then_escalates_and_counts_against_the_enterprise() -> None:
    bench = CaseBench()
    response = bench.deadline(DeadlineKind.RESPONSE)
    bench.now = response.warn_at
    bench.process.alarm(response.key, "warning", bench.now)
    assert response.warned_at == bench.now and bench.state.escalation_level == 0
    assert bench.process.notifications[-1].topic == "response_warning"
    bench.process.alarm(response.key, "warning", bench.now)  # a stale alarm: nothing more
    assert bench.events().count("deadline_warning") == 1
    bench.now = response.due
    bench.process.alarm(response.key, "breach", bench.now)
    assert response.state is DeadlineState.BREACHED and bench.state.overdue
    assert bench.state.escalation_level == 1
    assert [v.kind for v in bench.state.violations] == [ViolationKind.LATE_RESPONSE]
    assert {n.recipient.kind for n in bench.process.notifications if n.topic == "response_overdue"} == {
        RecipientKind.ROLE,
        RecipientKind.ENTERPRISE,
    }


def test_a_case_recorded_after_its_deadline_is_not_held_against_the_enterprise() -> None:
    bench = CaseBench(forwarded_after=timedelta(days=2))
    response = bench.deadline(DeadlineKind.RESPONSE)
    for what in ("warning", "breach"):  # both past: the timers fire at once, the warning told no one
        bench.process.alarm(response.key, what, bench.now)  # type: ignore[arg-type]
    assert bench.state.escalation_level == 1 and bench.state.violations == []
    assert not [n for n in bench.process.notifications if n.topic == "response_warning"]
    assert "not_counted" in bench.events()


def test_an_unresolved_case_is_investigated_at_its_resolution_deadline() -> None:
    bench = CaseBench()
    bench.do(Action.RESPOND, Respond, ENTERPRISE, message="处理中")
    bench.pass_(DeadlineKind.RESOLUTION)
    state = bench.state
    assert state.status is CaseStatus.INVESTIGATING and state.investigation.cause == "resolution overdue"
    assert [v.kind for v in state.violations] == [ViolationKind.LATE_RESOLUTION]


def test_an_investigation_overdue_goes_to_enforcement() -> None:
    bench = CaseBench()
    bench.investigating()
    bench.pass_(DeadlineKind.INVESTIGATION)
    assert bench.state.escalation_level == 3
    assert bench.state.escalations[-1].cause == "investigation overdue"


def test_a_deadline_met_while_it_is_still_being_computed_counts_as_met() -> None:
    bench = CaseBench()
    bench.investigating()
    bench.process.take(
        Action.REQUEST_EVIDENCE, command(RequestEvidence, INVESTIGATOR, items="发票"), bench.now
    )
    bench.process.take(
        Action.SUBMIT_EVIDENCE, command(SubmitEvidence, ENTERPRISE, description="发票"), bench.now
    )
    bench.settle()
    assert bench.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.MET
    assert not bench.state.met_early


def test_a_failed_task_is_on_record_and_started_again_as_the_next_attempt() -> None:
    bench = CaseBench()
    bench.verifying()
    bench.task(TaskKind.VERIFICATION, INVESTIGATOR)
    assert bench.state.task_attempt(TaskKind.VERIFICATION) == 1
    bench.process.task_failed("terminated", bench.now)
    assert bench.state.task is None and bench.state.task_attempt(TaskKind.VERIFICATION) == 2
    assert bench.process.needs_task is TaskKind.VERIFICATION
    assert bench.process.notifications[-1].topic == "task_failed"


def test_what_a_case_awaits_follows_its_state() -> None:
    bench = CaseBench()
    assert [(a.party, a.action) for a in bench.state.awaiting()] == [
        (Role.ENTERPRISE, "respond"),
        (Role.ENTERPRISE, "propose a resolution"),
    ]
    bench.proposed()
    assert [(a.party, a.action) for a in bench.state.awaiting()] == [
        (Role.CONSUMER, "accept or dispute the proposal")
    ]
    bench.do(Action.DISPUTE, Dispute, CONSUMER, reason="不同意")
    assert [a.action for a in bench.state.awaiting()] == ["assign an investigator"]
    bench.assign()
    assert [(a.party, a.who) for a in bench.state.awaiting()] == [(Role.INVESTIGATOR, INVESTIGATOR.id)]


def test_a_proposal_names_at_least_one_measure_of_those_known() -> None:
    bench = CaseBench()
    ok = bench.do(
        Action.PROPOSE, Propose, ENTERPRISE, measures=[Measure.REFUND, Measure.APOLOGY], detail="退款"
    )
    assert ok == APPLIED and bench.state.proposal.measures == [Measure.REFUND, Measure.APOLOGY]


def test_a_cause_at_the_level_already_reached_does_not_escalate_again() -> None:
    bench = CaseBench()
    bench.do(Action.ESCALATE, Escalate, SUPERVISOR, reason="安全隐患")
    bench.pass_(DeadlineKind.RESPONSE)
    assert bench.state.escalation_level == 2
    assert [e.level for e in bench.state.escalations] == [2]  # no "level 2: did not respond" rise
    assert "escalation_cause" in bench.events()
