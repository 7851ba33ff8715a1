from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from application import create_app
from db.session import Database
from settings import Settings
from tests.support.web import Browser


@pytest.fixture
async def browser(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database
) -> AsyncIterator[Browser]:
    """The whole application over ASGI, as a browser without JavaScript: Chinese, by default."""
    app = create_app(settings, temporal=dev_env.client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://site", follow_redirects=True
        ) as http,
    ):
        yield Browser(http)
