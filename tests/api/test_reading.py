"""The queue, a case's detail, its history and the notifications, as readers see them."""

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import update
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from application import create_app
from db.models import Complaint
from db.session import Database
from services.context import Context
from services.shown import shown
from settings import Settings
from tests.support import OTHER_ENTERPRISE, end_left_running, eventually
from tests.support.api import USERNAMES, Api, assigned_investigator, file
from tests.support.metrics_data import generate, store
from worker import build_worker


async def test_the_queue_is_ordered_by_priority_then_deadline_and_filters(api: Api) -> None:
    routine = await file(api)
    hazard = await file(api, description="插线板冒烟起火,差点引起火灾")
    attitude = await file(
        api,
        category="service_attitude",
        description="客服态度恶劣,挂断电话两次",
        enterprise={"credit_code": OTHER_ENTERPRISE},
    )
    queue = (await api.get("/api/complaints", as_="supervisor")).json()
    assert [c["tracking_no"] for c in queue["items"]] == [
        hazard["tracking_no"],
        routine["tracking_no"],
        attitude["tracking_no"],
    ]
    assert (
        queue["items"][0]["consumer_name"] == "张*" and queue["items"][0]["consumer_phone"] == "138****1234"
    )

    p1 = (await api.get("/api/complaints?priority=p1", as_="supervisor")).json()
    assert [c["tracking_no"] for c in p1["items"]] == [hazard["tracking_no"]]
    by_enterprise = (await api.get(f"/api/complaints?enterprise={OTHER_ENTERPRISE}", as_="auditor")).json()
    assert [c["tracking_no"] for c in by_enterprise["items"]] == [attitude["tracking_no"]]
    investigating = (await api.get("/api/complaints?status=investigating", as_="supervisor")).json()
    assert [c["tracking_no"] for c in investigating["items"]] == [hazard["tracking_no"]]
    assert (await api.get("/api/complaints?region=440300", as_="supervisor")).json()["total"] == 0
    assert (await api.get("/api/complaints?overdue=true", as_="supervisor")).json()["total"] == 0
    page = (await api.get("/api/complaints?page=2&page_size=2", as_="supervisor")).json()
    assert (page["total"], len(page["items"]), page["items"][0]["tracking_no"]) == (
        3,
        1,
        attitude["tracking_no"],
    )


class HeldRecords(Interceptor):
    """Holds each record of a case's step for `seconds` before writing it: the lists show each
    step that much later than its workflow takes it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        seconds = self.seconds

        class Held(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                if activity.info().activity_type == "record_case":
                    await asyncio.sleep(seconds)  # a slow write, not a wait of the test's
                return await super().execute_activity(input)

        return Held(next)


async def test_an_action_is_answered_once_the_lists_show_it(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, tokens: dict[str, str]
) -> None:
    patient = settings.model_copy(update={"action_wait_seconds": 60.0})
    app = create_app(patient, temporal=dev_env.client, db=db)
    try:
        async with (
            build_worker(dev_env.client, patient, db, interceptors=[HeldRecords(1.0)]),
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
        ):
            api = Api(http, tokens, app)
            no = (await file(api))["tracking_no"]
            answered = await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
            assert answered.status_code == 200, answered.text
            listed = (await api.get("/api/complaints?status=responded", as_="supervisor")).json()
            assert [c["tracking_no"] for c in listed["items"]] == [no]  # at once: no waiting here
    finally:
        await end_left_running(dev_env.client, patient)


def _waiting(settings: Settings, db: Database, seconds: float) -> Context:
    """What `shown` reads of a request's context: the action's wait and the database."""
    waits = settings.model_copy(update={"action_wait_seconds": seconds})
    return cast(Context, SimpleNamespace(settings=waits, resources=SimpleNamespace(db=db)))


async def test_a_step_whose_row_is_late_is_answered_after_the_wait_all_the_same(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    cases, *_ = generate(n=1)
    await store(db, (Complaint, cases))
    no = cases[0]["tracking_no"]  # at revision 1
    assert await shown(_waiting(settings, db, 0.2), Complaint, no, 1)
    with caplog.at_level(logging.WARNING, logger="aftersales.shown"):
        assert not await shown(_waiting(settings, db, 0.2), Complaint, no, 2)
    assert f"Complaint {no} not written at revision 2 in time" in caplog.text

    waiting = asyncio.create_task(shown(_waiting(settings, db, 60), Complaint, no, 2))
    async with db.transaction() as session:  # the step's record, written while the answer waits
        await session.execute(update(Complaint).where(Complaint.tracking_no == no).values(revision=2))
    assert await waiting


async def test_a_case_tells_what_it_awaits_and_from_whom(api: Api) -> None:
    case = await file(api, description="电饭煲漏电,手被电击")
    investigator = await assigned_investigator(api, case["tracking_no"])
    view = (await api.get(f"/api/complaints/{case['tracking_no']}", as_=USERNAMES[investigator])).json()
    awaiting = {(a["party"], a["who"], a["action"]) for a in view["awaiting"]}
    assert awaiting == {
        ("enterprise", view["enterprise_code"], "respond"),
        ("investigator", investigator, "record findings"),
    }
    kinds = {d["kind"]: d for d in view["deadlines"]}
    assert set(kinds) == {"response", "resolution", "investigation", "acceptance"}
    assert kinds["resolution"]["state"] == "closed" and kinds["investigation"]["state"] == "pending"
    assert view["escalation_level"] == 2 and view["investigation"]["cause"].startswith("severity critical")


async def test_the_history_is_the_audit_trail(api: Api) -> None:
    case = await file(api)
    no = case["tracking_no"]
    await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    history = (await api.get(f"/api/complaints/{no}/history", as_="auditor")).json()
    titles = [e["title"] for e in history["timeline"]]
    assert titles[0] == "ComplaintWorkflow started"
    assert "signal respond" in titles and "the enterprise responded" in titles
    assert any(t.startswith("timer set: response-1 warning") for t in titles)
    [response_due] = [t for t in titles if t.startswith("response due ")]
    assert "+08:00 (24 h)" in response_due
    signal = next(e for e in history["timeline"] if e["title"] == "signal respond")
    assert signal["actor"]["id"] == "ent-minghui" and signal["detail"]["request_id"].startswith(
        "ent-minghui:"
    )
    assert history["raw"][0]["history"]["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert not any(t.startswith("marker") for t in titles)
    assert (await api.get(f"/api/complaints/{no}/history?raw=false", as_="supervisor")).json()["raw"] == []


async def test_the_history_reads_the_work_done_inside_workflow_tasks(api: Api) -> None:
    """The setup and a later step's deadlines, worked out inside the workflow task (local
    activities, recorded as markers), read as the activities they are, with their results; the
    changes of the workflow's code the run asks for as it begins are named in one entry."""
    no = (await file(api))["tracking_no"]
    await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    proposal = {"measures": ["replace"], "detail": "免费更换新品"}
    assert (await api.post(f"/api/complaints/{no}/proposal", proposal, as_="minghui")).status_code == 200
    view = await eventually(lambda: _proposed(api, no), what="the proposal recorded")

    timeline = (await api.get(f"/api/complaints/{no}/history", as_="auditor")).json()["timeline"]
    done = {e["title"]: e for e in timeline if e["source"] == "activity"}
    setup = done["activity prepare_case completed"]
    assert setup["detail"]["local"] and setup["detail"]["result"]["triage"]
    assert done["activity compute_deadlines completed"]["detail"]["local"]
    assert {d["kind"] for d in setup["detail"]["result"]["deadlines"]} >= {"response", "resolution"}
    deadlines = done["activity compute_deadlines completed"]["detail"]["result"]
    decision = next(d for d in view["deadlines"] if d["kind"] == "consumer_decision")
    assert [(d["kind"], d["due"]) for d in deadlines] == [("consumer_decision", decision["due"])]
    [begun, *_] = [e for e in timeline if e["title"].startswith("workflow code: ")]
    assert begun["detail"]["patches"][0] == "reads-in-task" and "steps-in-task" in begun["detail"]["patches"]
    assert begun["title"] == "workflow code: " + ", ".join(begun["detail"]["patches"])


async def _proposed(api: Api, no: str) -> dict[str, Any] | None:
    view: dict[str, Any] = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
    return view if view["status"] == "proposed" else None


async def test_notifications_reach_their_recipients(api: Api) -> None:
    case = await file(api)

    async def enterprise_told() -> list:
        items = (await api.get("/api/notifications", as_="minghui")).json()["items"]
        return [n for n in items if n["tracking_no"] == case["tracking_no"]]

    [forwarded] = await eventually(enterprise_told, what="the enterprise's notification")
    assert forwarded["topic"] == "forwarded" and forwarded["recipient_kind"] == "enterprise"
    others = (await api.get("/api/notifications", as_="xunjie")).json()["items"]
    assert all(n["tracking_no"] != case["tracking_no"] for n in others)


async def test_a_reader_marks_notifications_read_and_only_its_own(api: Api) -> None:
    case = await file(api)

    async def unread() -> list:
        items = (await api.get("/api/notifications?unread=true", as_="minghui")).json()["items"]
        return [n for n in items if n["tracking_no"] == case["tracking_no"]]

    [forwarded] = await eventually(unread, what="the enterprise's unread notification")
    assert forwarded["read"] is False and forwarded["enterprise_name"]
    before = (await api.get("/api/notifications/unread", as_="minghui")).json()["unread"]
    assert before >= 1
    # A number no row can have (0, or past 2⁵³−1) is refused, naming it; nothing is read.
    for beyond in (0, 2**53, 2**63, 10**22):
        bad = await api.post("/api/notifications/read", {"ids": [forwarded["id"], beyond]}, as_="minghui")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ids.1", bad.text
    assert await unread() == [forwarded]
    for wrong in (str(forwarded["id"]), True):  # a number, as the schema has it, not its text
        bad = await api.post("/api/notifications/read", {"ids": [wrong]}, as_="minghui")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ids.0", bad.text
    assert await unread() == [forwarded]
    # Another enterprise cannot mark it: the id is not among its notifications.
    theirs = await api.post("/api/notifications/read", {"ids": [forwarded["id"]]}, as_="xunjie")
    assert theirs.status_code == 200 and (await unread()) == [forwarded]
    mine = await api.post("/api/notifications/read", {"ids": [float(forwarded["id"])]}, as_="minghui")
    assert mine.json() == {"unread": before - 1} and await unread() == []
    listed = (await api.get("/api/notifications", as_="minghui")).json()["items"]
    assert next(n for n in listed if n["id"] == forwarded["id"])["read"] is True
    bad = await api.post("/api/notifications/read", {"ids": ["x"]}, as_="minghui")
    assert bad.status_code == 422 and "ids" in bad.text
    everything = await api.post("/api/notifications/read", {}, as_="minghui")
    assert everything.json() == {"unread": 0}


async def test_an_account_chooses_how_it_is_told(api: Api) -> None:
    mine = (await api.get("/api/me/preferences", as_="supervisor")).json()
    assert mine == {
        "email": "supervisor@demo.aftersales.example",
        "phone": None,
        "locale": "zh_CN",
        "channels": ["email"],
    }
    chosen = {
        "email": "zhao.min@scjg.example.cn",
        "phone": "139 0000 1111",
        "locale": "en",
        "channels": ["sms"],
    }
    answer = await api.put("/api/me/preferences", chosen, as_="supervisor")
    assert answer.status_code == 200, answer.text
    assert answer.json() == chosen | {"phone": "13900001111"}
    refused = await api.put("/api/me/preferences", {"channels": ["sms", "email"]}, as_="supervisor")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    bad = await api.put(
        "/api/me/preferences", {"email": "not an address", "channels": ["fax"]}, as_="supervisor"
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "channels.0"}
    assert (await api.get("/api/me/preferences", as_="supervisor")).json()["locale"] == "en"
