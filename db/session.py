"""Engines and sessions. One URL names the database; the async driver is chosen from it."""

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# What a database that is down, restarting or busy raises: the request may be tried again.
UNREACHABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, DisconnectionError)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"database URL: {backend} is not supported (SQLite or PostgreSQL)")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


def async_url(url: str) -> str:
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> str:
    return _with_driver(url, _SYNC_DRIVERS)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(async_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


_IN_ONE_MOMENT = "one_moment"


@asynccontextmanager
async def one_moment(session: AsyncSession) -> AsyncIterator[None]:
    """`session` reading the database as it was at one moment, for figures that several
    statements add up: each statement of a read-committed PostgreSQL transaction sees the latest
    commits, and SQLite's driver begins no transaction for reads. The session's transaction, if
    one is open, is committed first (call it with nothing left unwritten), and so is the read one
    after (a session made by `Database.sessions` keeps its objects loaded). The read takes the
    session's connection, never a second from the pool, so requests that each hold one cannot
    wait on each other for more. Inside one already, it is that same moment."""
    if session.info.get(_IN_ONE_MOMENT):
        yield
        return
    if session.in_transaction():
        await session.commit()
    postgresql = session.get_bind().dialect.name == "postgresql"
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True} if postgresql else {}
    connection = await session.connection(execution_options=options)
    if not postgresql:
        await connection.exec_driver_sql("BEGIN")  # a read transaction: WAL's snapshot
    session.info[_IN_ONE_MOMENT] = True
    try:
        yield
    except BaseException:
        await session.rollback()
        raise
    finally:
        del session.info[_IN_ONE_MOMENT]
    await session.commit()  # ends the read, and keeps what the session had loaded


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite writes one transaction at a time: this process's writers queue for their turn
        # in order, one queue per event loop, rather than poll in SQLite's busy handler.
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] | None = (
            weakref.WeakKeyDictionary() if self.engine.dialect.name == "sqlite" else None
        )

    def _turn(self) -> AbstractAsyncContextManager[Any]:
        if self._turns is None:
            return nullcontext()
        return self._turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction, committed at the end of the block. On SQLite it takes the write
        lock at once, where the busy timeout waits for another process's writer, so what it
        reads stays true until it commits."""
        async with self._turn(), self.sessions() as session, session.begin():
            if self._turns is not None:
                await (await session.connection()).exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
