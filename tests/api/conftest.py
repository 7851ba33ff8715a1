"""The API end to end: a real Temporal dev server, a worker, the app over ASGI, a real database."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.models import Account
from db.seed import hash_password
from db.session import Database
from settings import Settings
from tests.support import eventually
from tests.support.running import free_port


@pytest.fixture
async def served(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database
) -> AsyncIterator[str]:
    """The API on a real port, for tools that speak HTTP themselves (the temporal CLI's codec)."""
    app = create_app(settings, temporal=dev_env.client, db=db)
    port = free_port()
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
