"""Several API processes behind a load balancer: the limits counted once in Redis, the client's
address read from the proxy's header only when a trusted proxy sends it."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.models import AuditEntry
from db.session import Database
from services.limits import RateLimiter
from services.shared_limits import SharedRateLimiter
from settings import Settings
from tests.support.api import complaint

REDIS = "redis://127.0.0.1:6379/0"
BAD_LOGIN = {"username": "nobody", "password": "wrong"}


def address() -> str:
    """An address no other test or run has counted against (documentation range, RFC 3849)."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@pytest.fixture
async def replicas(
    dev_env: WorkflowEnvironment, worker: Worker, settings: Settings, db: Database
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two instances of the API on one Redis, each as its own process would have it, behind a
    proxy at 127.0.0.1 (the address the ASGI transport gives every request)."""
    shared = settings.model_copy(update={"redis_url": REDIS, "trusted_proxies": ["127.0.0.1"]})
    async with AsyncExitStack() as stack:
        clients = []
        for n in range(2):
            app: FastAPI = create_app(shared, temporal=dev_env.client, db=db)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url=f"http://api{n}")
                )
            )
        yield clients


async def test_a_limit_is_counted_once_across_the_api_processes(
    replicas: list[httpx.AsyncClient], settings: Settings
) -> None:
    client = {"X-Forwarded-For": address()}
    answers = [
        await replicas[n % 2].post(
            "/api/auth/login", json=BAD_LOGIN | {"username": uuid.uuid4().hex}, headers=client
        )
        for n in range(settings.login_rate_per_minute)
    ]
    assert [a.status_code for a in answers] == [401] * settings.login_rate_per_minute
    for replica in replicas:  # the next, on either process, is over the limit
        refused = await replica.post("/api/auth/login", json=BAD_LOGIN, headers=client)
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    # another client behind the same proxy is counted for itself
    other = await replicas[0].post("/api/auth/login", json=BAD_LOGIN, headers={"X-Forwarded-For": address()})
    assert other.status_code == 401


async def test_the_client_is_the_first_address_the_trusted_proxies_did_not_add(
    replicas: list[httpx.AsyncClient], db: Database
) -> None:
    client = address()
    # The client claims an address of its own; the proxy appends the one it saw.
    forged = {"X-Forwarded-For": f"198.51.100.7, {client}"}
    filed = await replicas[0].post("/api/complaints", json=complaint(), headers=forged)
    assert filed.status_code == 201
    by_rfc = {"Forwarded": f'for=198.51.100.8;proto=https, for="[{client}]:4711";proto=https'}
    assert (await replicas[1].get("/api/health", headers=by_rfc)).headers["strict-transport-security"]
    async with db.sessions() as session:
        entry = (
            await session.execute(
                select(AuditEntry).where(AuditEntry.request_id == filed.headers["x-request-id"])
            )
        ).scalar_one()
    assert entry.client == client


async def test_an_untrusted_peer_is_its_own_client_whatever_it_claims(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    app = create_app(settings, temporal=dev_env.client, db=db)  # no proxy trusted
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        for _ in range(settings.login_rate_per_minute):
            sent = await http.post("/api/auth/login", json=BAD_LOGIN, headers={"X-Forwarded-For": address()})
            assert sent.status_code == 401
        claimed = await http.post("/api/auth/login", json=BAD_LOGIN, headers={"X-Forwarded-For": address()})
        assert claimed.status_code == 429  # every attempt was counted against the socket's peer


async def test_a_limit_counts_in_the_process_while_redis_does_not_answer() -> None:
    from redis.asyncio import Redis

    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    limiter = SharedRateLimiter("login", 2, unreachable)
    try:
        assert [await limiter.hit("a"), await limiter.hit("a")] == [None, None]
        assert (await limiter.hit("a") or 0) > 0
    finally:
        await unreachable.aclose()


async def test_two_shared_limiters_on_one_redis_agree_and_keep_no_key_in_clear() -> None:
    from redis.asyncio import Redis

    first, second = Redis.from_url(REDIS), Redis.from_url(REDIS)
    name, key = f"test-{uuid.uuid4().hex[:8]}", "user:张三"
    try:
        limiters: list[RateLimiter] = [SharedRateLimiter(name, 3, first), SharedRateLimiter(name, 3, second)]
        waits = [await limiters[n % 2].hit(key) for n in range(4)]
        assert waits[:3] == [None, None, None] and 59 <= (waits[3] or 0) <= 60
        stored = [k.decode() async for k in first.scan_iter(f"aftersales:limit:{name}:*")]
        assert len(stored) == 1 and "张三" not in stored[0] and "user" not in stored[0]
        assert 0 < await first.pttl(stored[0]) <= 60_000
    finally:
        await first.aclose()
        await second.aclose()
