"""A whole case in the browser, from the consumer's form to closure, every party on its own
pages, with files uploaded on the way: on the time-skipping server, whose clock reaches the
verification's date 30 days on. At the end the case's history names each file by its hash."""

import hashlib
from datetime import timedelta

from playwright.async_api import expect
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from db.models import Task
from db.session import Database
from services.history import case_history
from tests.browser.pages import (
    EVALUATORS,
    INVESTIGATORS,
    PDF,
    PNG,
    expect_text,
    file_complaint,
    fill,
    follow,
    refused,
    shown,
    stayed,
    staying,
    submit,
    upload,
)
from tests.support import eventually
from tests.support.browser import Site, accessible, shot
from workflows.complaint import ComplaintWorkflow


async def _task(db: Database, tracking_no: str, kind: str) -> Task | None:
    async with db.sessions() as session:
        return await session.scalar(select(Task).where(Task.tracking_no == tracking_no, Task.kind == kind))


async def test_a_case_from_the_consumers_form_to_closure_with_files(
    ts_site: Site, ts_env: WorkflowEnvironment, db: Database
) -> None:
    site = ts_site
    consumer = await site.person(phone=True)
    no, code = await file_complaint(consumer)
    await accessible(consumer)
    await shot(consumer, "receipt")
    case = f"/staff/cases/{no}"

    # The enterprise finds it in its inbox, answers and proposes a resolution.
    enterprise = await site.staff("minghui")
    await shown(enterprise, "/staff", enterprise.locator(f'a[href="{case}"]'))
    await accessible(enterprise)
    await shot(enterprise, "enterprise-inbox")
    await enterprise.goto(case)
    await refused(enterprise, "发送响应", "message", "必填")
    await fill(enterprise, {"#message": "已收到，客服今日联系您。"})
    await submit(enterprise, "发送响应")
    await fill(enterprise, {"#propose_amount": "很多", "#propose_detail": "全额退款。"})
    await refused(enterprise, "提交解决方案", "propose_amount", "须为以元为单位的金额")
    await enterprise.locator("#measures-refund").check()
    await fill(enterprise, {"#propose_amount": "199.00"})
    await submit(enterprise, "提交解决方案")

    # The consumer follows it with the receipt's number and code, and disputes the proposal.
    await follow(consumer, no, code)
    assert code not in consumer.url
    await expect_text(consumer, "全额退款。")
    await accessible(consumer)
    await shot(consumer, "follow")
    await staying(enterprise)  # the enterprise's page is open while the consumer answers
    await refused(consumer, "不接受解决方案", "reason", "必填")
    await fill(consumer, {"#reason": "只要换货，不要退款。"})
    await submit(consumer, "不接受解决方案")
    await expect_text(consumer, "监管部门调查中")
    await expect_text(enterprise, "监管部门调查中")  # the open case page shows it by itself
    assert await stayed(enterprise), "the case page was reloaded rather than updated in place"

    # The investigator assigned asks for evidence; the enterprise hands it in with a file.
    handle = ts_env.client.get_workflow_handle(f"complaint-{no}")

    async def assigned() -> str | None:
        state = await handle.query(ComplaintWorkflow.state)
        return (
            state.investigation and state.investigation.investigator and state.investigation.investigator.id
        )

    investigator = await site.staff(INVESTIGATORS[await eventually(assigned, what="an investigator")])
    await shown(investigator, "/staff", investigator.locator(f'a[href="{case}"]'))
    await investigator.goto(case)
    await refused(investigator, "发出证据要求", "items", "必填")
    await fill(investigator, {"#items": "维修记录及购买凭证"})
    await submit(investigator, "发出证据要求")
    await shown(enterprise, case, enterprise.locator("#files-submit_evidence"))
    await fill(enterprise, {"#description": "维修单一张"})
    await enterprise.locator("#files-submit_evidence").set_input_files(
        [upload("维修单.pdf", b"not a pdf at all", "application/pdf")]
    )
    await refused(enterprise, "提交证据", "files-submit_evidence", "维修单.pdf：不是PDF、JPEG、PNG或办公文档")
    await enterprise.locator("#files-submit_evidence").set_input_files(
        [upload("维修单.pdf", PDF, "application/pdf")]
    )
    await submit(enterprise, "提交证据")
    await expect(enterprise.get_by_role("link", name="维修单.pdf")).to_be_visible()

    # A site visit with a photo, then findings.
    await investigator.goto(case)
    await refused(investigator, "保存现场检查记录", "visited_on", "必填")
    await fill(investigator, {"#visited_on": "2026-12-01", "#location": "浦东门店", "#notes": "底座松动属实"})
    await investigator.locator("#files-record_site_visit").set_input_files(
        [upload("现场.png", PNG, "image/png")]
    )
    await submit(investigator, "保存现场检查记录")
    await expect(investigator.get_by_role("link", name="现场.png")).to_be_visible()
    await refused(investigator, "提交调查结论", "verdict", "必填")
    await fill(investigator, {"#summary": "三包期内拒绝更换"}, {"#verdict": "substantiated"})
    await investigator.locator("#offence").select_option("warranty_refusal")
    await investigator.locator("#measure-replace").check()
    await accessible(investigator)
    await shot(investigator, "investigator-case")
    await submit(investigator, "提交调查结论")

    # The enterprise reports its rectification, with the new supplier's contract.
    await enterprise.goto(case)
    await refused(enterprise, "提交整改报告", "cause_analysis", "必填")
    await fill(
        enterprise,
        {
            "#cause_analysis": "底座卡扣批次缺陷",
            "#improvement_measures": "更换供应商，全检入库",
            "#implementation_effect": "本月返修为零",
        },
    )
    await enterprise.locator("#files-submit_rectification").set_input_files(
        [upload("整改报告.pdf", PDF + b"\n% report", "application/pdf")]
    )
    await submit(enterprise, "提交整改报告")
    await expect_text(enterprise, "正在核查整改情况")
    await shot(enterprise, "enterprise-case")

    # 30 days on, the investigator verifies it on the task page.
    verification = await eventually(lambda: _task(db, no, "verification"), what="the verification task")
    await ts_env.sleep(verification.opens_at - await ts_env.get_current_time() + timedelta(minutes=1))
    task_page = f"/staff/tasks/{verification.task_id}"
    await shown(investigator, task_page, investigator.locator("#effective-yes"))
    await refused(investigator, "提交答复", "effective", "必填", aria=False)
    await investigator.locator("#effective-yes").check()
    await fill(investigator, {"#notes": "门店已全部换新底座"})
    await accessible(investigator)
    await submit(investigator, "提交答复")

    # The agency surveys the consumer; the case closes.
    survey = await eventually(lambda: _task(db, no, "evaluation"), what="the survey task")
    agency = await site.staff(EVALUATORS[survey.assignee_id])
    await shown(agency, f"/staff/tasks/{survey.task_id}", agency.locator("#satisfaction-4"))
    await accessible(agency)
    await shot(agency, "survey")
    await refused(agency, "提交答复", "satisfaction", "必填", aria=False)
    for choice in ("#satisfaction-4", "#service_attitude-5", "#resolved-yes"):
        await agency.locator(choice).check()
    await submit(agency, "提交答复")
    await shown(consumer, "/track/case", consumer.get_by_text("已办结", exact=True))

    # The history proves which files were handed in.
    history = await case_history(ts_env.client, f"complaint-{no}", include_raw=False)
    named = {
        f["sha256"]
        for entry in history.timeline
        if entry.source == "signal"
        for f in (entry.detail.get("content") or {}).get("files", [])
    }
    assert named == {hashlib.sha256(c).hexdigest() for c in (PDF, PNG, PDF + b"\n% report")}
