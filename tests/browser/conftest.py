"""The browser tests: Chromium on the application served on loopback, over the dev server (what
takes minutes) or the time-skipping server (what takes days). Skipped, with the way to install
it, when Chromium is absent."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from application import create_app
from db.models import Account
from db.seed import ACCOUNTS, hash_password
from db.session import Database
from settings import Settings
from tests.support.browser import CHROMIUM, FLAGS, MISSING, Site, chromium_present, serve
from worker import build_worker

HERE = __file__.rsplit("/", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if chromium_present():
        return
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The pages on SQLite: the same service calls run on PostgreSQL in tests/api."""
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def hashed() -> dict[str, tuple[str, str]]:
    """A password for each demo account, hashed once (Argon2 is slow on purpose)."""
    plain = {a.username: f"pw-{a.username}-browser" for a in ACCOUNTS}
    return {username: (secret, hash_password(secret)) for username, secret in plain.items()}


@pytest.fixture
async def passwords(db: Database, hashed: dict[str, tuple[str, str]]) -> dict[str, str]:
    async with db.transaction() as session:
        for username, (_, digest) in hashed.items():
            await session.execute(
                update(Account).where(Account.username == username).values(password_hash=digest)
            )
    return {username: plain for username, (plain, _) in hashed.items()}


@pytest.fixture
async def site(
    chromium: Browser,
    dev_env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    db: Database,
    passwords: dict[str, str],
) -> AsyncIterator[Site]:
    app = create_app(settings, temporal=dev_env.client, db=db)
    async with serve(app) as url:
        opened = Site(chromium, url, passwords)
        yield opened
        await opened.close()


@pytest.fixture
async def ts_site(
    chromium: Browser,
    ts_env: WorkflowEnvironment,
    settings: Settings,
    db: Database,
    passwords: dict[str, str],
) -> AsyncIterator[Site]:
    """The site on the time-skipping server, for a case that runs for weeks."""
    app = create_app(settings, temporal=ts_env.client, db=db)
    async with build_worker(ts_env.client, settings, db), serve(app) as url:
        opened = Site(chromium, url, passwords)
        yield opened
        await opened.close()
