"""Enterprise supervision through the API, on the time-skipping server."""

from datetime import timedelta
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.support import ENTERPRISE_CODE, OTHER_ENTERPRISE, eventually
from tests.support.api import Api, file

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
    too_much = await api.post(
        decision, {"outcome": "amend", "kind": "fine", "amount": "600000", "reason": "加重"}, as_="supervisor"
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"] == [{"field": "amount", "reason": "must be from 1 to 500,000 yuan"}]
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
