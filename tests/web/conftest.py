from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from application import create_app
from db.models import Account
from db.seed import hash_password
from db.session import Database
from settings import Settings
from tests.support.web import Browser, NewBrowser, SignedIn


@pytest.fixture
async def new_browser(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database
) -> AsyncIterator[NewBrowser]:
    """Browsers without JavaScript on the whole application over ASGI, each with its own cookies;
    Chinese unless told otherwise."""
    app = create_app(settings, temporal=dev_env.client, db=db)
    clients: list[httpx.AsyncClient] = []

    def open_one() -> Browser:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://site", follow_redirects=True
        )
        clients.append(http)
        return Browser(http)

    async with app.router.lifespan_context(app):
        yield open_one
        for http in clients:
            await http.aclose()


@pytest.fixture
def browser(new_browser: NewBrowser) -> Browser:
    return new_browser()


def password(username: str) -> str:
    return f"pw-{username}-pages"


@pytest.fixture
def signed_in(new_browser: NewBrowser, db: Database) -> SignedIn:
    """A browser signed in as a demo account through the sign-in page."""

    async def sign_in(username: str) -> Browser:
        async with db.transaction() as session:  # the test seed gives no passwords: Argon2 is slow
            account = (
                await session.execute(select(Account).where(Account.username == username))
            ).scalar_one()
            account.password_hash = hash_password(password(username))
        b = new_browser()
        answer = await b.submit(
            "/sign-in", {"username": username, "password": password(username), "next": "/staff"}
        )
        assert answer.status_code == 200 and str(answer.url).endswith("/staff"), answer.text
        return b

    return sign_in
