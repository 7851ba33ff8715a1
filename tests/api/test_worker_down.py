"""A complaint filed while no worker runs is kept, and registered when a worker comes back (one
Temporal did not start is refused); a case no worker can rebuild is answered as unavailable,
with why; an activity asking a workflow as its worker stops gives way."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from temporalio.client import Client, Interceptor, OutboundInterceptor, StartWorkflowUpdateWithStartInput
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.sending import consumer_of
from activities.supervision import SupervisionActivities
from api.app import create_app
from db.policies import PolicyStore
from db.session import Database
from domain.ids import complaint_workflow_id, enterprise_workflow_id
from services.consistency import check
from settings import Settings
from tests.support import eventually
from tests.support.altered import ReorderedComplaint
from tests.support.api import Api, complaint
from worker import build_worker


async def test_intake_without_a_worker_answers_202_and_the_case_registers_later(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, tokens: dict[str, str]
) -> None:
    impatient = settings.model_copy(update={"intake_wait_seconds": 1.0})
    app = create_app(impatient, temporal=dev_env.client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        api = Api(http, tokens)
        response = await api.post("/api/complaints", complaint())
        assert response.status_code == 202, response.text
        receipt = response.json()
        assert receipt["status"] == "received" and receipt["deadlines"] is None
        assert receipt["access_code"]

        async with build_worker(dev_env.client, settings, db):

            async def registered() -> dict | None:
                view = await api.get(
                    f"/api/complaints/{receipt['tracking_no']}",
                    headers={"X-Access-Code": receipt["access_code"]},
                )
                return view.json() if view.status_code == 200 else None

            view = await eventually(registered, what="the case registered")
            assert view["status"] == "forwarded"


class Unanswered(Interceptor):
    """A Temporal whose answer to an intake's start never comes back: the start is sent first
    (`sent`) or not at all."""

    def __init__(self, sent: bool) -> None:
        self.sent = sent

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Unanswered(next, self.sent)


class _Unanswered(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, sent: bool) -> None:
        super().__init__(next)
        self.sent = sent

    async def start_update_with_start_workflow(self, input: StartWorkflowUpdateWithStartInput) -> Any:
        if self.sent:
            await super().start_update_with_start_workflow(input)
        await asyncio.Event().wait()  # the answer is lost: the caller's wait runs out


@pytest.mark.parametrize("sent", [True, False], ids=["started", "not-started"])
async def test_an_intake_whose_start_goes_unanswered_asks_temporal_whether_the_case_began(
    dev_env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    db: Database,
    tokens: dict[str, str],
    sent: bool,
) -> None:
    client = Client(
        dev_env.client.service_client,
        namespace=dev_env.client.namespace,
        data_converter=dev_env.client.data_converter,
        interceptors=[Unanswered(sent)],
    )
    # Time enough for the dev server to take a start that was sent, however busy the machine.
    impatient = settings.model_copy(update={"intake_wait_seconds": 5.0 if sent else 1.0})
    app = create_app(impatient, temporal=client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        response = await Api(http, tokens).post("/api/complaints", complaint())
    if sent:  # started: the receipt, its registration to follow
        assert response.status_code == 202, response.text
        no = response.json()["tracking_no"]
        await dev_env.client.get_workflow_handle(complaint_workflow_id(no)).describe()
    else:  # never started: refused, to be sent again
        assert response.status_code == 503, response.text
        assert response.json()["detail"] == "Temporal did not start the case in time; nothing was recorded"


async def test_a_database_that_does_not_answer_is_a_503_to_try_again_on_the_api_and_the_pages(
    dev_env: WorkflowEnvironment, settings: Settings, tokens: dict[str, str]
) -> None:
    from application import create_app as create_application
    from tests.support.running import free_port

    down = settings.model_copy(
        update={"database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"}
    )
    app = create_application(down, temporal=dev_env.client)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        listed = await Api(http, tokens).get("/api/complaints", as_="supervisor")
        assert listed.status_code == 503 and listed.headers["retry-after"] == "2"
        assert listed.json()["detail"] == "the database did not answer; nothing was done, try again shortly"
        page = await http.get("/notices", headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert page.headers["retry-after"] == "2" and "服务繁忙" in page.text


async def test_a_case_its_worker_cannot_rebuild_answers_503_with_why_and_is_logged(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    db: Database,
    tokens: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(settings, temporal=dev_env.client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        api = Api(http, tokens)
        async with build_worker(dev_env.client, settings, db):
            filed = await api.post("/api/complaints", complaint(), as_="clerk")
            assert filed.status_code == 201, filed.text
            case = f"/api/complaints/{filed.json()['tracking_no']}"
            assert (await api.get(case, as_="supervisor")).status_code == 200

        # The code deployed next changed the workflow unguarded: rebuilding the case fails.
        altered = [ReorderedComplaint]
        async with Worker(
            dev_env.client,
            task_queue=settings.task_queue,
            workflows=altered,
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):

            async def refused() -> httpx.Response | None:
                view = await api.get(case, as_="supervisor")
                return view if "failed to answer" in view.text else None

            view = await eventually(refused, what="the query failed by the worker")
            report = await check(db, dev_env.client, settings.task_queue)
    assert view.status_code == 503
    assert view.json()["detail"].startswith("the workflow failed to answer (")
    failed = [r for r in caplog.records if r.name == "aftersales.signals" and r.levelno == logging.ERROR]
    assert failed and "complaint-" in failed[-1].getMessage()
    [named] = [d for d in report.differences if d.subject == f"case {case.rsplit('/', 1)[1]}"]
    assert named.detail.startswith("the workflow did not answer: the workflow failed to answer (")


async def unanswered(
    env: WorkflowEnvironment, workflow: str, workflow_id: str, ask: Callable[..., Awaitable[Any]], *args: Any
) -> None:
    """`ask(*args)` (an activity's query of the workflow) run as its worker begins to stop, with the
    workflow on a queue no worker polls: it fails at once rather than when the query times out."""
    handle = await env.client.start_workflow(workflow, id=workflow_id, task_queue=f"no-worker-{uuid.uuid4()}")
    try:
        activity = ActivityEnvironment()
        asking = asyncio.ensure_future(activity.run(ask, *args))
        activity.worker_shutdown()
        with pytest.raises(ApplicationError, match="did not answer: this worker is stopping"):
            await asyncio.wait_for(asking, 60)  # the query itself fails only at its timeout
    finally:
        await handle.terminate(reason="the test is over")


async def test_a_stopping_worker_does_not_wait_for_a_case_or_a_supervision_to_answer(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    """A consumer's address and an enterprise's level are asked of their workflows, which only a
    running worker answers: asked as the activity's worker begins to stop, each fails at once
    (the activity is tried again once a worker runs) and the stop is not held up."""
    no, code = f"CP20261206-{uuid.uuid4().hex[:6].upper()}", f"9144{uuid.uuid4().hex[:14].upper()}"
    await unanswered(dev_env, "ComplaintWorkflow", complaint_workflow_id(no), consumer_of, dev_env.client, no)
    supervision = SupervisionActivities(
        db, dev_env.client, settings.task_queue, PolicyStore(settings.policy_file, db)
    )
    await unanswered(
        dev_env,
        "EnterpriseWorkflow",
        enterprise_workflow_id(code),
        supervision.supervision_level,
        code,
    )
