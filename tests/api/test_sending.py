"""What an action through the API asks of Temporal: a new request is checked, signalled and
answered with the case after it; a repeated one is answered from what became of it, and not
sent again."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.session import Database
from settings import Settings
from tests.support.api import Api, file


class Calls(Interceptor):
    """Each query and signal the client sends, by name, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Recording(next, self.names)


class _Recording(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, names: list[str]) -> None:
        super().__init__(next)
        self.names = names

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        self.names.append(input.query)
        return await super().query_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        self.names.append(f"signal {input.signal}")
        await super().signal_workflow(input)


@pytest.fixture
async def recorded(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database, tokens: dict[str, str]
) -> AsyncIterator[tuple[Api, Calls]]:
    calls = Calls()
    client = Client(
        dev_env.client.service_client,
        namespace=dev_env.client.namespace,
        data_converter=dev_env.client.data_converter,
        interceptors=[calls],
    )
    app = create_app(settings, temporal=client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        yield Api(http, tokens, app), calls


async def test_an_action_is_checked_sent_and_answered_with_the_case_after_it(
    recorded: tuple[Api, Calls],
) -> None:
    api, calls = recorded
    no = (await file(api))["tracking_no"]
    key = {"Idempotency-Key": "respond-0002"}

    calls.names.clear()
    first = await api.post(
        f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui", headers=key
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "responded"
    assert first.json()["response"]["content"] == {"message": "已联系"}
    # A key not seen before: nothing to ask about it before it is sent, and its answer brings the
    # case (a query sees every signal sent before it, so the first answer has it).
    assert calls.names[:3] == ["check", "signal respond", "answer"], calls.names
    assert set(calls.names[3:]) <= {"answer"}, calls.names
    assert "state" not in calls.names

    calls.names.clear()
    again = await api.post(
        f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui", headers=key
    )
    assert again.status_code == 200, again.text
    assert again.json()["response"] == first.json()["response"]
    assert calls.names == ["answer"]  # applied the first time: answered, not checked or sent again


async def test_an_action_that_does_not_fit_is_refused_by_the_check_and_not_sent(
    recorded: tuple[Api, Calls],
) -> None:
    api, calls = recorded
    no = (await file(api))["tracking_no"]
    await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    calls.names.clear()
    again = await api.post(f"/api/complaints/{no}/response", {"message": "再联系"}, as_="minghui")
    assert again.status_code == 409 and again.json()["detail"].startswith("the enterprise already responded")
    assert calls.names == ["check"]
