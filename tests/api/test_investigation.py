"""Investigation and the task endpoints through the API."""

from datetime import datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from tests.support import eventually
from tests.support.api import REPORT, USERNAMES, Api, assigned_investigator, file, task_view


async def test_a_supervisor_escalates_and_the_investigator_works_the_case(api: Api) -> None:
    case = await file(api)
    no = case["tracking_no"]
    escalated = await api.post(
        f"/api/complaints/{no}/escalation", {"reason": "同一批次已有多起投诉"}, as_="supervisor"
    )
    assert escalated.status_code == 200 and escalated.json()["status"] == "investigating"
    investigator = USERNAMES[await assigned_investigator(api, no)]

    asked = await api.post(f"/api/complaints/{no}/evidence-requests", {"items": "维修记录"}, as_=investigator)
    assert asked.status_code == 200, asked.text
    twice = await api.post(f"/api/complaints/{no}/evidence-requests", {"items": "更多"}, as_=investigator)
    assert twice.status_code == 409 and twice.json()["detail"].startswith(
        "an evidence request is already open"
    )
    evidence = await api.post(
        f"/api/complaints/{no}/evidence",
        {"description": "维修单三张", "documents": ["repair.pdf"]},
        as_="minghui",
    )
    assert evidence.status_code == 200
    [request] = evidence.json()["investigation"]["evidence_requests"]
    assert request["content"]["submission"]["documents"] == ["repair.pdf"]
    visit = await api.post(
        f"/api/complaints/{no}/site-visits",
        {"visited_on": "2026-11-30", "location": "浦东门店", "notes": "备件库存为零"},
        as_=investigator,
    )
    assert visit.status_code == 200
    findings = await api.post(
        f"/api/complaints/{no}/findings",
        {
            "verdict": "substantiated",
            "offence": "warranty_refusal",
            "summary": "三包期内拒绝更换",
            "measures": [{"kind": "replace"}, {"kind": "compensation", "amount": "200.00"}],
        },
        as_=investigator,
    )
    assert findings.status_code == 200 and findings.json()["status"] == "rectifying"
    assert [v["kind"] for v in findings.json()["violations"]] == ["substantiated_complaint"]
    report = await api.post(f"/api/complaints/{no}/rectification", REPORT, as_="minghui")
    assert report.status_code == 200 and report.json()["status"] == "verifying"

    view = await eventually(lambda: task_view(api, no), what="the verification task")
    task = view["task"]
    assert task["kind"] == "verification" and task["assignee_id"] in USERNAMES
    early = await api.post(
        f"/api/tasks/{task['task_id']}/verification",
        {"effective": True, "notes": "看过"},
        as_=USERNAMES[task["assignee_id"]],
    )
    assert early.status_code == 409 and early.json()["detail"].startswith("verification opens")
    listed = (await api.get("/api/tasks", as_=USERNAMES[task["assignee_id"]])).json()
    assert [t["task_id"] for t in listed["items"]] == [task["task_id"]]
    assert (await api.get("/api/tasks", as_="evaluator1")).json()["total"] == 0


async def test_the_agency_hands_in_its_survey_and_the_case_closes(api: Api) -> None:
    case = await file(api)
    no, consumer = case["tracking_no"], {"X-Access-Code": case["access_code"]}
    await api.post(
        f"/api/complaints/{no}/proposal",
        {"measures": ["refund"], "amount": "199.00", "detail": "全额退款"},
        as_="minghui",
    )
    await api.post(f"/api/complaints/{no}/acceptance", {"comment": "满意"}, headers=consumer)
    view = await eventually(lambda: task_view(api, no), what="the evaluation task")
    task_id = view["task"]["task_id"]
    assert view["task"]["assignee_id"] == "agency-huaxin"
    assert (await api.get(f"/api/tasks/{task_id}", as_="evaluator2")).status_code == 404
    wrong = await api.post(
        f"/api/tasks/{task_id}/evaluation",
        {"satisfaction": 5, "service_attitude": 5, "resolved": True},
        as_="evaluator2",
    )
    assert wrong.status_code == 404
    bad = await api.post(
        f"/api/tasks/{task_id}/evaluation",
        {"satisfaction": 9, "service_attitude": 5, "resolved": True},
        as_="evaluator1",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "satisfaction"
    done = await api.post(
        f"/api/tasks/{task_id}/evaluation",
        {"satisfaction": 4, "service_attitude": 5, "resolved": True, "comment": "退款及时"},
        as_="evaluator1",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"

    async def closed() -> dict | None:
        v = (await api.get(f"/api/complaints/{no}", headers=consumer)).json()
        return v if v["status"] == "closed" else None

    final = await eventually(closed, what="the case closed")
    assert final["outcome"] == "resolved" and final["evaluation"]["satisfaction"] == 4


async def test_verification_after_its_check_date_through_the_api(
    ts_api: Api, ts_env: WorkflowEnvironment
) -> None:
    """On the time-skipping server, to reach the check date 30 days on."""
    api = ts_api
    case = await file(api, description="电暖器漏电,家人被电击")
    no = case["tracking_no"]
    investigator = USERNAMES[await assigned_investigator(api, no)]
    await api.post(
        f"/api/complaints/{no}/findings",
        {
            "verdict": "substantiated",
            "offence": "product_safety",
            "summary": "接地缺陷",
            "measures": [{"kind": "recall"}],
        },
        as_=investigator,
    )
    await api.post(f"/api/complaints/{no}/rectification", REPORT, as_="minghui")
    view = await eventually(lambda: task_view(api, no), what="the verification task")
    opens = datetime.fromisoformat(view["task"]["opens_at"])
    await ts_env.sleep(opens - await ts_env.get_current_time() + timedelta(minutes=1))
    task_id = view["task"]["task_id"]
    verified = await api.post(
        f"/api/tasks/{task_id}/verification", {"effective": True, "notes": "召回完成"}, as_=investigator
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["result"] == {"effective": True, "notes": "召回完成", "late": False}

    async def evaluating() -> dict | None:
        v = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
        return v if v["status"] == "evaluating" and v["task"] else None

    view = await eventually(evaluating, what="the evaluation")
    assert view["rectifications"][0]["verification"]["content"]["effective"] is True
