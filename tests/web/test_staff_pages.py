"""Staff pages, as a browser without JavaScript uses them: signing in and out, each role's home,
and a case worked through the forms of each party — the enterprise, the consumer, a supervisor,
the investigator, the agency — with the API's refusals shown on the page."""

from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from db.models import Complaint
from db.session import Database
from services.outputs import DISPLAY_TZ
from settings import Settings
from tests.support import ENTERPRISE_CODE, OTHER_ENTERPRISE, POLICY, eventually, rows
from tests.support.api import Api
from tests.support.web import GOOD, Browser, NewBrowser, SignedIn, field_error, filed
from tests.support.workflows import report_serious

pytestmark = pytest.mark.sqlite_only


async def test_a_staff_page_leads_through_sign_in_and_back(
    new_browser: NewBrowser, signed_in: SignedIn
) -> None:
    b = new_browser()
    asked = await b.get("/staff/cases/CP20261201-ABCDEF")
    assert asked.url.path == "/sign-in" and "next=/staff/cases/CP20261201-ABCDEF" in str(asked.url)
    wrong = await b.submit("/sign-in", {"username": "minghui", "password": "not-it", "next": "/staff"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    forged = await b.http.post("/sign-in", data={"username": "minghui", "password": "x", "csrf": "forged"})
    assert forged.status_code == 400

    minghui = await signed_in("minghui")
    home = await minghui.get("/staff")
    assert "我的工作" in home.text and "本企业监管记录" in home.text
    out = await minghui.submit("/sign-out", {}, form_at="/staff")
    assert out.url.path == "/" and (await minghui.get("/staff")).url.path == "/sign-in"


async def test_an_enterprise_answers_its_case_and_never_sees_anothers(
    browser: Browser, signed_in: SignedIn, db: Database
) -> None:
    mine = await filed(browser)
    theirs = await filed(browser, **{"enterprise.credit_code": OTHER_ENTERPRISE})
    minghui = await signed_in("minghui")
    page = f"/staff/cases/{mine['tracking_no']}"

    async def listed() -> bool:
        return mine["tracking_no"] in (await minghui.get("/staff")).text

    await eventually(listed, what="the case in the enterprise's inbox")
    assert theirs["tracking_no"] not in (await minghui.get("/staff")).text
    other = await minghui.get(f"/staff/cases/{theirs['tracking_no']}")
    assert other.status_code == 404 and "未找到" in other.text

    shown = await minghui.get(page)
    assert "张*" in shown.text and "13812341234" not in shown.text  # the consumer, masked
    bad = await minghui.submit(f"{page}/propose", {"propose_detail": ""}, form_at=page)
    assert bad.status_code == 422
    assert field_error(bad.text, "measures") == "必填" and field_error(bad.text, "propose_detail") == "必填"
    responded = await minghui.submit(f"{page}/respond", {"message": "已联系消费者"}, form_at=page)
    assert responded.status_code == 200 and "已联系消费者" in responded.text
    again = await minghui.submit(f"{page}/respond", {"message": "再次"}, form_at=page)
    assert again.status_code == 409 and "当前无法办理" in again.text

    proposed = await minghui.submit(
        f"{page}/propose",
        {"measures": ["replace", "compensation"], "propose_amount": "50", "propose_detail": "免费更换并补偿"},
        form_at=page,
    )
    assert proposed.status_code == 200 and "免费更换并补偿" in proposed.text
    [row] = await rows(db, Complaint, Complaint.tracking_no == mine["tracking_no"])
    assert row.status in ("proposed", "responded")


async def test_a_clerk_records_a_phone_complaint_with_its_time_of_receipt(signed_in: SignedIn) -> None:
    clerk = await signed_in("clerk")
    bad = await clerk.submit(
        "/staff/complaints/new", GOOD | {"channel": "phone", "received_at": "2020-01-01T09:30"}
    )
    assert bad.status_code == 422 and field_error(bad.text, "received_at") == "早于30天前"
    received = datetime.now(UTC).astimezone(POLICY.tz).strftime("%Y-%m-%dT%H:%M")
    recorded = await clerk.submit(
        "/staff/complaints/new", GOOD | {"channel": "phone", "received_at": received}
    )
    assert recorded.status_code == 201 and 'id="tracking-no"' in recorded.text


async def test_a_case_goes_from_dispute_to_findings_through_the_pages(
    browser: Browser, signed_in: SignedIn
) -> None:
    case = await filed(browser)
    no, page = case["tracking_no"], f"/staff/cases/{case['tracking_no']}"
    minghui = await signed_in("minghui")
    await eventually(lambda: minghui.get(page), what="the case")
    await minghui.submit(
        f"{page}/propose", {"measures": ["repair"], "propose_detail": "免费维修"}, form_at=page
    )
    await browser.submit("/track", {"tracking_no": no, "access_code": case["access_code"]})
    disputed = await browser.submit("/track/dispute", {"reason": "已修过两次"}, form_at="/track/case")
    assert disputed.status_code == 200 and "监管部门调查中" in disputed.text

    supervisor = await signed_in("supervisor")

    async def assigned() -> str | None:
        text = (await supervisor.get(page)).text
        for username, name in (("investigator1", "李强"), ("investigator2", "陈")):
            if f"调查员：{name}" in text:
                return username
        return None

    investigator = await signed_in(await eventually(assigned, what="an investigator assigned"))
    assert no in (await investigator.get("/staff")).text
    bad = await investigator.submit(
        f"{page}/submit_findings", {"verdict": "substantiated", "summary": "属实"}, form_at=page
    )
    assert bad.status_code == 422 and "违法行为" in bad.text  # a substantiated verdict names its offence
    done = await investigator.submit(
        f"{page}/submit_findings",
        {
            "verdict": "substantiated",
            "offence": "warranty_refusal",
            "measure": ["replace"],
            "summary": "三包期内应予换货",
        },
        form_at=page,
    )
    assert done.status_code == 200 and "企业正在整改" in done.text


async def test_an_agency_answers_its_survey_on_its_task_page(browser: Browser, signed_in: SignedIn) -> None:
    case = await filed(browser)
    no, page = case["tracking_no"], f"/staff/cases/{case['tracking_no']}"
    minghui = await signed_in("minghui")
    await eventually(lambda: minghui.get(page), what="the case")
    await minghui.submit(
        f"{page}/propose", {"measures": ["refund"], "propose_detail": "全额退款"}, form_at=page
    )
    await browser.submit("/track", {"tracking_no": no, "access_code": case["access_code"]})
    await browser.submit("/track/accept", {}, form_at="/track/case")
    agency = await signed_in("evaluator1")

    async def task_link() -> str | None:
        text = (await agency.get("/staff")).text
        found = [part.split('"')[0] for part in text.split('href="/staff/tasks/')[1:]]
        return next((f"/staff/tasks/{t}" for t in found if no in t), None)

    task = await eventually(task_link, what="the survey in the agency's tasks")
    bad = await agency.submit(task, {"satisfaction": "9", "resolved": "true"})
    assert bad.status_code == 422 and field_error(bad.text, "satisfaction") == "不能大于5"
    done = await agency.submit(task, {"satisfaction": "4", "service_attitude": "5", "resolved": "true"})
    assert done.status_code == 200 and "已答复" in done.text


async def test_an_enterprise_states_its_case_on_its_supervision_page(
    signed_in: SignedIn, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    await report_serious(dev_env, settings, ENTERPRISE_CODE, "CP-WEB-1")
    minghui = await signed_in("minghui")
    record = f"/staff/enterprises/{ENTERPRISE_CODE}/supervision"

    async def proposed() -> Any:
        text = (await minghui.get(record)).text
        return "陈述申辩" in text and "您可以在" in text

    await eventually(proposed, what="the penalty with its statement window")
    blank = await minghui.submit(f"{record}/P1/submit_statement", {"text": " "}, form_at=record)
    assert blank.status_code == 422 and field_error(blank.text, "text") == "必填"
    stated = await minghui.submit(f"{record}/P1/submit_statement", {"text": "已召回问题批次"}, form_at=record)
    assert stated.status_code == 200 and "已召回问题批次" in stated.text and "提交陈述申辩" not in stated.text
    assert (await minghui.get(f"/staff/enterprises/{OTHER_ENTERPRISE}/supervision")).status_code == 404


async def test_a_supervisor_decides_a_penalty_and_records_its_payment_on_the_supervision_page(
    signed_in: SignedIn, api: Api, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    await report_serious(dev_env, settings, ENTERPRISE_CODE, "CP-WEB-2")
    record = f"/staff/enterprises/{ENTERPRISE_CODE}/supervision"
    minghui = await signed_in("minghui")
    await eventually(lambda: _text_has(minghui, record, "提交陈述申辩"), what="the statement window")
    await minghui.submit(f"{record}/P1/submit_statement", {"text": "已召回问题批次"}, form_at=record)
    supervisor = await signed_in("supervisor")
    await eventually(lambda: _text_has(supervisor, record, "作出处罚决定"), what="the decision form")
    assert "提交陈述申辩" not in (await supervisor.get(record)).text  # the enterprise's form is not theirs

    decide = f"{record}/P1/decide_penalty"
    amend = await supervisor.submit(decide, {"outcome": "amend", "reason": "情节较轻"}, form_at=record)
    assert amend.status_code == 422 and field_error(amend.text, "kind")  # amending names the penalty
    unreasoned = await supervisor.submit(decide, {"outcome": "confirm", "reason": ""}, form_at=record)
    assert unreasoned.status_code == 422 and field_error(unreasoned.text, "reason") == "必填"
    decided = await supervisor.submit(
        decide, {"outcome": "confirm", "reason": "事实清楚，证据确凿"}, form_at=record
    )
    assert decided.status_code == 200 and "事实清楚，证据确凿" in decided.text
    assert "作出处罚决定" not in decided.text  # decided once
    refused = await minghui.submit(decide, {"outcome": "drop", "reason": "x"}, form_at=record)
    assert refused.status_code in (403, 404, 409)  # not the enterprise's to decide

    # The fine paid, recorded from the bank's receipt on the same page: a wrong sum is named.
    pay = f"{record}/P1/record_payment"
    assert f'action="{pay}"' in decided.text
    today = str(datetime.now(DISPLAY_TZ).date())
    wrong = await supervisor.submit(
        pay, {"receipt_no": "R-2026-001", "paid_on": today, "amount": "1"}, form_at=record
    )
    assert wrong.status_code == 422 and field_error(wrong.text, "amount")
    seen = (await api.get(f"/api/enterprises/{ENTERPRISE_CODE}/supervision", as_="supervisor")).json()
    [fine] = [p for p in seen["penalties"] if p["id"] == "P1"]
    due = fine["payment"]["amount_due"]
    paid = await supervisor.submit(
        pay, {"receipt_no": "R-2026-001", "paid_on": today, "amount": due}, form_at=record
    )
    assert paid.status_code == 200 and "R-2026-001" in paid.text
    assert f'action="{pay}"' not in paid.text  # paid once


async def _text_has(browser: Browser, path: str, text: str) -> bool:
    return text in (await browser.get(path)).text
