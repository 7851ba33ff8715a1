"""The API end to end: a real Temporal dev server, a worker, the app over ASGI, a real database."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.models import Account
from db.seed import hash_password
from db.session import Database
from settings import Settings
from temporal_client import data_converter
from tests.support import TEST_RING, eventually, tool
from tests.support.api import Api
from worker import build_worker
from workflows import search_attributes as sa


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=tool("temporal"),
        data_converter=data_converter(TEST_RING),
        search_attributes=sa.ALL,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def worker(dev_env: WorkflowEnvironment, settings: Settings, db: Database) -> AsyncIterator[Worker]:
    async with build_worker(dev_env.client, settings, db) as running:
        yield running
    # The dev server outlives the test: workflows left running on this test's queue (an
    # enterprise's supervision, say) would take the next test's signals with no worker to serve them.
    query = f'TaskQueue = "{settings.task_queue}" AND ExecutionStatus = "Running"'
    async for execution in dev_env.client.list_workflows(query):
        handle = dev_env.client.get_workflow_handle(execution.id, run_id=execution.run_id)
        with contextlib.suppress(RPCError):  # it may have closed since it was listed
            await handle.terminate(reason="the test is over")


@pytest.fixture
def tokens(db: Database, settings: Settings) -> dict[str, str]:
    """Each demo account's API key, by username."""
    return {
        name: c["api_key"] for name, c in json.loads((settings.data_dir / "tokens.json").read_text()).items()
    }


@pytest.fixture
async def api(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database, tokens: dict[str, str]
) -> AsyncIterator[Api]:
    app = create_app(settings, temporal=dev_env.client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        yield Api(http, tokens, app)


@pytest.fixture
async def ts_api(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database, tokens: dict[str, str]
) -> AsyncIterator[Api]:
    """The API on the time-skipping server, for what takes days."""
    app = create_app(settings, temporal=ts_env.client, db=db)
    async with (
        build_worker(ts_env.client, settings, db),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        yield Api(http, tokens, app)


@pytest.fixture
async def served(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database
) -> AsyncIterator[str]:
    """The API on a real port, for tools that speak HTTP themselves (the temporal CLI's codec)."""
    app = create_app(settings, temporal=dev_env.client, db=db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, what="the API listening")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def password(db: Database) -> str:
    """The supervisor's password (the test seed gives none: Argon2 is slow on purpose)."""
    secret = "correct horse battery staple"
    async with db.transaction() as session:
        account = (
            await session.execute(select(Account).where(Account.username == "supervisor"))
        ).scalar_one()
        account.password_hash = hash_password(secret)
    return secret
