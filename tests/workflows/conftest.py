from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.session import Database
from settings import Settings
from worker import build_worker


@pytest.fixture
async def worker(ts_env: WorkflowEnvironment, settings: Settings, db: Database) -> AsyncIterator[Worker]:
    async with build_worker(ts_env.client, settings, db) as running:
        yield running


@pytest.fixture
def client(ts_env: WorkflowEnvironment) -> Client:
    return ts_env.client
