"""Shared fixtures: a real database per test (SQLite and PostgreSQL), Temporal servers, and a
worker on the dev server with the demo accounts' API keys."""

import asyncio
import contextlib
import functools
import json
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvloop
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.migrate import upgrade
from db.seed import seed_demo
from db.session import Database
from settings import Settings
from temporal_client import data_converter, register_search_attributes
from tests.support import POSTGRES_ADMIN_URL, TEST_KEYS, TEST_RING, end_left_running, tool
from tests.support.api import Api
from tests.support.smtp import ScriptedSmtp
from worker import build_worker
from workflows import search_attributes as sa


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `sqlite_only` is not run on PostgreSQL; the slow tests first: spread over
    several processes (`-n`), none is left running alone at the end while the others idle."""
    on_postgres = [
        item for item in items if _database(item) == "postgresql" and item.get_closest_marker("sqlite_only")
    ]
    if on_postgres:
        config.hook.pytest_deselected(items=on_postgres)
        left = set(on_postgres)
        items[:] = [item for item in items if item not in left]
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """The tests' event loops are uvloop's, as the API's and the workers' processes run on
    (processes.run_loop): each test's, and each fixture's, synchronous tests' included."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _database(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: its clock and its open workflows are the test's."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=tool("temporal-test-server"), data_converter=data_converter(TEST_RING)
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


async def _seeded(url: str, folder: Path) -> None:
    """Migrate and seed the database at `url`, the demo keys file in `folder`."""
    upgrade(url)
    database = Database(url)
    await seed_demo(database, folder / "tokens.json", passwords=False)
    await database.dispose()


@pytest.fixture(scope="session")
async def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite database, made once a session; each test's own is a copy,
    with the demo keys file beside it."""
    folder = tmp_path_factory.mktemp("seeded")
    await _seeded(f"sqlite:///{folder / 'app.db'}", folder)
    return folder


@pytest.fixture(scope="session")
async def seeded_postgres(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[str, Path] | None]:
    """A migrated and seeded PostgreSQL database, made once a session (a process), and the folder
    of its demo keys file: each test's own database is created from it as a template. None when
    PostgreSQL is not reachable (its tests are skipped)."""
    if postgres_unreachable():
        yield None
        return
    name, folder = f"aftersales_seeded_{uuid.uuid4().hex[:12]}", tmp_path_factory.mktemp("seeded_pg")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await _seeded(_postgres(name), folder)
        yield name, folder
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres(name: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@functools.cache
def postgres_unreachable() -> str | None:
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_postgres: tuple[str, Path] | None
) -> Iterator[str]:
    """Each test that touches the database runs on SQLite and on PostgreSQL, in a database of its
    own: an empty one, or on PostgreSQL for a test that takes `db`, one made from the seeded
    template at once."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    problem = postgres_unreachable()
    if problem:
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({problem}); "
            "set AFTERSALES_TEST_POSTGRES_URL to test on it"
        )
    name = f"aftersales_test_{uuid.uuid4().hex[:12]}"
    seeded = f' TEMPLATE "{seeded_postgres[0]}"' if seeded_postgres and "db" in request.fixturenames else ""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{seeded}')
    yield _postgres(name)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        task_queue=f"test-{uuid.uuid4()}",
        secret_key="test-secret-" + "x" * 32,
        payload_keys=TEST_KEYS,
        workflow_sandbox=True,  # every workflow checked for determinism as it runs
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def db(
    settings: Settings, seeded_sqlite: Path, seeded_postgres: tuple[str, Path] | None
) -> AsyncIterator[Database]:
    """The test's database, migrated and seeded: a copy of the session's seeded one."""
    url = make_url(settings.database)
    if url.get_backend_name() == "sqlite":
        seeded = seeded_sqlite
        with (
            contextlib.closing(sqlite3.connect(seeded / "app.db")) as source,
            contextlib.closing(sqlite3.connect(url.database or "")) as copy,
        ):
            source.backup(copy)
    else:  # made from the template (`database_url`)
        assert seeded_postgres is not None  # else the test was skipped
        seeded = seeded_postgres[1]
    shutil.copy(seeded / "tokens.json", settings.data_dir / "tokens.json")
    database = Database(settings.database)
    yield database
    await database.dispose()


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
    await end_left_running(dev_env.client, settings)


@pytest.fixture
def smtp() -> Iterator[ScriptedSmtp]:
    """A real SMTP server on a free loopback port that answers as a test tells it."""
    server = ScriptedSmtp()
    server.start()
    yield server
    server.stop()


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
