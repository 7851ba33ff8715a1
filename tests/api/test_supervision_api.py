"""Enterprise supervision through the API: the ladder on the time-skipping server, the penalty
procedure on the wall clock."""

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.testing import WorkflowEnvironment

from settings import Settings
from tests.support import ENTERPRISE_CODE, OTHER_ENTERPRISE, POLICY, eventually
from tests.support.api import Api, file
from tests.support.workflows import report_serious

RECORD = f"/api/enterprises/{ENTERPRISE_CODE}/supervision"


async def warned(api: Api, env: WorkflowEnvironment) -> dict[str, Any]:
    await file(api)  # the enterprise never responds
    await env.sleep(timedelta(hours=24, seconds=5))

    async def probe() -> dict[str, Any] | None:
        got = (await api.get(RECORD, as_="supervisor")).json()
        return got if got["warnings"] else None

    return await eventually(probe, what="the warning")


async def test_the_ladder_through_the_api(ts_api: Api, ts_env: WorkflowEnvironment) -> None:
    api = ts_api
    before = (await api.get(RECORD, as_="supervisor")).json()
    assert (before["under_supervision"], before["level"]) == (False, 0)

    record = await warned(api, ts_env)
    assert record["level"] == 1 and record["warnings"][0]["order_due"]["window"] == "15 working days"
    assert (await api.get(RECORD, as_="minghui")).status_code == 200
    assert (await api.get(RECORD, as_="xunjie")).status_code == 404
    assert (await api.get(RECORD, as_="evaluator1")).status_code == 403
    assert (await api.get(f"/api/enterprises/{OTHER_ENTERPRISE[:-1]}X/supervision", as_="supervisor")).json()[
        "errors"
    ][0]["field"] == "path.code"

    warning = f"/api/enterprises/{ENTERPRISE_CODE}/warnings/W1"
    report = {
        "cause_analysis": "客服排班不足",
        "improvement_measures": "增设夜班",
        "implementation_effect": "按时回应",
    }
    assert (await api.post(f"{warning}/rectification", report, as_="xunjie")).status_code == 404
    assert (await api.post(f"{warning}/rectification", report, as_="minghui")).status_code == 200
    failed = await api.post(
        f"{warning}/verification", {"effective": False, "notes": "夜间仍无人接听"}, as_="supervisor"
    )
    assert failed.status_code == 200, failed.text
    [penalty] = failed.json()["penalties"]
    assert penalty["trigger"].startswith("warning W1: rectification not effective")
    assert (penalty["kind"], penalty["amount"], failed.json()["level"]) == ("fine", "50000", 2)

    decision = f"/api/enterprises/{ENTERPRISE_CODE}/penalties/P1/decision"
    early = await api.post(decision, {"outcome": "confirm", "reason": "事实清楚"}, as_="supervisor")
    assert early.status_code == 409 and early.json()["detail"].startswith("the enterprise may state its case")
    stated = await api.post(
        f"/api/enterprises/{ENTERPRISE_CODE}/penalties/P1/statement",
        {"text": "已增设夜班,请从轻处罚"},
        as_="minghui",
    )
    assert stated.json()["penalties"][0]["status"] == "awaiting_decision"
    assert (await api.post(decision, {"outcome": "confirm", "reason": "x"}, as_="minghui")).status_code == 403
    fine = {"outcome": "amend", "kind": "fine", "amount": "600000", "reason": "加重"}
    too_much = await api.post(decision, fine, as_="supervisor")
    assert too_much.status_code == 422
    assert too_much.json()["errors"] == [{"field": "amount", "reason": "must be from 1 to 500,000 yuan"}]
    # A penalty the record does not hold is refused as such, whatever the decision says.
    elsewhere = await api.post(decision.replace("P1", "P9"), fine | {"amount": "0.94"}, as_="supervisor")
    assert elsewhere.status_code == 409 and elsewhere.json()["detail"] == "there is no penalty P9"
    decided = await api.post(
        decision,
        {"outcome": "amend", "kind": "fine", "amount": "30000", "reason": "已陈述申辩,从轻"},
        as_="supervisor",
    )
    assert decided.status_code == 200 and decided.json()["penalties"][0]["notice_id"] == "N1"

    async def notices() -> list[dict[str, Any]]:
        return (await api.get("/api/public-notices")).json()["items"]

    [notice] = await eventually(notices, what="the public notice")
    assert notice["enterprise_code"] == ENTERPRISE_CODE and "30,000 yuan" in notice["title"]
    assert "张" not in notice["text"] and "138" not in notice["text"]
    listed = (await api.get("/api/enterprises?min_level=2", as_="auditor")).json()
    assert [e["credit_code"] for e in listed["items"]] == [ENTERPRISE_CODE]


async def proposed(api: Api, code: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        got = (await api.get(f"/api/enterprises/{code}/supervision", as_="supervisor")).json()
        return got if got["penalties"] and got["penalties"][0]["statement_due"] else None

    record: dict[str, Any] = await eventually(probe, what="P1 proposed")
    return record


async def test_a_hearing_asked_for_through_the_api(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    """Each step of the hearing as its parties take it through the API, on the wall clock, up to
    the day it is held."""
    now = datetime.now(UTC)
    await report_serious(dev_env, settings, ENTERPRISE_CODE, "CP-API-1")
    record = await proposed(api, ENTERPRISE_CODE)
    assert record["penalties"][0]["hearing"] is None  # a fine of 50,000 yuan gives none
    penalty = f"/api/enterprises/{ENTERPRISE_CODE}/penalties/P1"
    statement = {"text": "已召回问题批次"}
    assert (await api.post(f"{penalty}/statement", statement, as_="minghui")).status_code == 200

    # Amended to a heavier fine: notified anew, with the right to a hearing.
    heavier = {"outcome": "amend", "kind": "fine", "amount": "150000", "reason": "涉及批次较大"}
    got = await api.post(f"{penalty}/decision", heavier, as_="supervisor")
    assert got.status_code == 200, got.text
    [p1] = got.json()["penalties"]
    assert (p1["status"], p1["amount"], p1["notified_before"], p1["statement"]) == (
        "proposed",
        "150000",
        ["fine of 50,000 yuan"],
        None,
    )
    assert p1["hearing"]["offered_at"]
    assert (await api.post(f"{penalty}/statement", statement, as_="minghui")).status_code == 200
    assert (await api.post(f"{penalty}/hearing-request", {}, as_="xunjie")).status_code == 404
    asked = await api.post(f"{penalty}/hearing-request", {"note": "请求听证"}, as_="minghui")
    assert asked.json()["penalties"][0]["status"] == "hearing"

    def schedule(at: datetime, officer: str = "admin") -> dict[str, Any]:
        return {"at": at.isoformat(), "place": "市场监管局听证室", "presiding_officer": officer}

    wrong = await api.post(
        f"{penalty}/hearing", schedule(now + timedelta(days=30), "minghui"), as_="supervisor"
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "presiding_officer", "reason": "must be the username of an active supervisor or admin"}
    ]
    early = await api.post(f"{penalty}/hearing", schedule(now + timedelta(days=1)), as_="supervisor")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "at"
    assert early.json()["errors"][0]["reason"].startswith("the hearing is notified 7 working days ahead: ")
    at = now + timedelta(days=20)
    scheduled = await api.post(f"{penalty}/hearing", schedule(at), as_="supervisor")
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["penalties"][0]["hearing"]["presiding_officer"] == "系统管理员"
    confirm = {"outcome": "confirm", "reason": "事实清楚"}
    not_yet = await api.post(f"{penalty}/decision", confirm, as_="supervisor")
    assert not_yet.status_code == 409
    assert not_yet.json()["detail"].startswith("the hearing the enterprise asked for has not been held")

    held = {"attended": True, "record": "企业到场陈述", "opinion": "建议维持"}
    before = await api.post(
        f"{penalty}/hearing-record", held | {"held_at": now.isoformat()}, as_="supervisor"
    )
    day = at.astimezone(POLICY.tz).date()
    assert before.json()["errors"] == [
        {
            "field": "held_at",
            "reason": f"the hearing is scheduled for {day}; one held earlier is scheduled anew first",
        }
    ]
    future = await api.post(f"{penalty}/hearing-record", held | {"held_at": at.isoformat()}, as_="supervisor")
    assert future.json()["errors"] == [{"field": "held_at", "reason": "must not be in the future"}]


async def test_a_fine_paid_through_the_api(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    await report_serious(dev_env, settings, OTHER_ENTERPRISE, "CP-API-2")
    await proposed(api, OTHER_ENTERPRISE)
    penalty = f"/api/enterprises/{OTHER_ENTERPRISE}/penalties/P1"
    assert (await api.post(f"{penalty}/statement", {"text": "认"}, as_="xunjie")).status_code == 200
    decided = await api.post(
        f"{penalty}/decision", {"outcome": "confirm", "reason": "事实清楚"}, as_="supervisor"
    )
    assert decided.json()["penalties"][0]["status"] == "payment_due"

    async def payment_due() -> dict[str, Any] | None:
        got = (await api.get(f"/api/enterprises/{OTHER_ENTERPRISE}/supervision", as_="xunjie")).json()
        payment = got["penalties"][0]["payment"]
        return payment if payment and payment["due"] else None

    payment = await eventually(payment_due, what="the payment's due date")
    assert (payment["amount_due"], payment["surcharge"], payment["due"]["window"]) == (
        "50000.00",
        "0.00",
        "15 days, extended past rest days",
    )
    today = datetime.now(POLICY.tz).date()
    paid = {"receipt_no": "NS-20261204-0007", "paid_on": today.isoformat(), "amount": "5000"}
    short = await api.post(f"{penalty}/payment", paid, as_="supervisor")
    assert short.json()["errors"] == [{"field": "amount", "reason": f"50,000.00 yuan were due on {today}"}]
    tomorrow = paid | {"paid_on": (today + timedelta(days=1)).isoformat(), "amount": "50000"}
    assert (await api.post(f"{penalty}/payment", tomorrow, as_="supervisor")).json()["errors"] == [
        {"field": "paid_on", "reason": "must not be in the future"}
    ]
    assert (await api.post(f"{penalty}/payment", paid | {"amount": "50000"}, as_="xunjie")).status_code == 403
    done = await api.post(f"{penalty}/payment", paid | {"amount": "50000"}, as_="supervisor")
    fine = done.json()["penalties"][0]
    assert (fine["status"], fine["payment"]["receipt_no"], fine["payment"]["amount_paid"]) == (
        "paid",
        "NS-20261204-0007",
        "50000",
    )
    again = await api.post(f"{penalty}/payment", paid | {"amount": "50000"}, as_="supervisor")
    assert again.status_code == 409 and again.json()["detail"] == "penalty P1 is paid"
