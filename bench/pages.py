"""How long the pages take with a full read model: 10,000 cases spread over the demo enterprises,
a few of them real (running workflows, for the case pages; one with a history of 500 events and
more, for its record), each page asked for many times in turn over the whole application (in
process, no socket), with its p50, p95 and slowest time.

    .venv/bin/python -m bench.pages                 # SQLite, 10,000 cases, 40 rounds
    .venv/bin/python -m bench.pages --database postgresql+psycopg://127.0.0.1/test --cases 10000

It starts its own Temporal dev server and worker, in a temporary data folder.
"""

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text, update
from temporalio.client import Client

from application import create_app
from bench.system import running, scratch
from db.models import Account, Complaint
from db.seed import ENTERPRISES, hash_password, seed_demo
from db.session import Database
from domain.complaint.messages import Respond
from domain.enums import Role
from domain.ids import complaint_workflow_id
from domain.messages import Actor
from domain.metrics import counted
from processes import run_loop
from services.outputs import DISPLAY_TZ
from settings import Settings
from workflows.complaint import ComplaintWorkflow

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STATUSES = (
    ["forwarded"] * 4 + ["responded", "proposed", "investigating", "rectifying", "verifying"] + ["closed"] * 6
)
REAL_CASES = 5
LONG_HISTORY = 500  # events in the history of the case whose record is read
PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class Figure:
    page: str
    p50_ms: float
    p95_ms: float
    max_ms: float


def _rows(n: int, now: datetime) -> list[dict[str, Any]]:
    """`n` cases of the last year, as the projection writes them."""
    rnd = random.Random(7)
    rows = []
    for i in range(n):
        code, _, region = ENTERPRISES[i % len(ENTERPRISES)]
        received = now - timedelta(minutes=rnd.randrange(365 * 24 * 60))
        status = rnd.choice(STATUSES)
        closed = status == "closed"
        due = None if closed else received + timedelta(days=rnd.randrange(1, 10))
        rows.append(
            {
                "tracking_no": f"CP{received:%Y%m%d}-B{i:05d}",
                "workflow_id": f"complaint-bench-{i}",
                "revision": 5,
                "channel": rnd.choice(["web", "phone", "store", "platform"]),
                "status": status,
                "category": rnd.choice(["product_quality", "repair_service", "return_refund"]),
                "severity": "moderate",
                "priority": rnd.choice(["p1", "p2", "p3", "p4"]),
                "triage_rule": "default",
                "enterprise_code": code,
                "region_code": region,
                "product_name": "电热水壶",
                "consumer_name_masked": "张*",
                "consumer_phone_masked": "138****1234",
                "received_at": received,
                "response_due": received + timedelta(hours=24),
                "resolution_due": received + timedelta(days=5),
                "next_due": due,
                "responded_at": (responded := received + timedelta(hours=rnd.randrange(1, 40))),
                "response_breached": responded > received + timedelta(hours=24),
                "proposed_at": None,
                "closed_at": received + timedelta(days=4) if closed else None,
                "outcome": "resolved" if closed else None,
                "escalation_level": 0,
                "overdue": bool(due and due < now),
                "investigator_id": rnd.choice(["inv-li", "inv-chen"]) if status == "investigating" else None,
                "policy_version": "2026.3",
                "resolved_at": received + timedelta(days=3) if closed else None,
            }
        )
        rows[-1] |= counted(rows[-1])  # as the projection writes a case's row
    return rows


async def fill(db: Database, n: int) -> None:
    """`n` cases written at once; on PostgreSQL, vacuumed and analysed after, as its autovacuum
    would have them by the time a year's cases are in (fresh, its planner knows no count, sorts
    on disk what it would hash, and reads the table for what the index holds)."""
    rows = _rows(n, datetime.now(UTC))
    async with db.transaction() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Complaint), rows[start : start + 1000])
        await session.execute(update(Account).values(password_hash=hash_password(PASSWORD)))
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE complaints"))


async def _written_again(db: Database, since: date) -> None:
    """One case received since `since` written again with a higher revision, as the projection
    writes a case's next step."""
    async with db.transaction() as session:
        no = await session.scalar(
            select(Complaint.tracking_no)
            .where(Complaint.received_at >= datetime.combine(since, dt_time(0), DISPLAY_TZ))
            .limit(1)
        )
        await session.execute(
            update(Complaint).where(Complaint.tracking_no == no).values(revision=Complaint.revision + 1)
        )


async def _submit(http: httpx.AsyncClient, path: str, fields: dict[str, str], form_at: str) -> httpx.Response:
    page = await http.get(form_at)
    return await http.post(path, data={"csrf": CSRF.findall(page.text)[0], **fields})


async def _signed_in(app: Any, username: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", follow_redirects=True
    )
    answer = await _submit(
        http, "/sign-in", {"username": username, "password": PASSWORD, "next": "/staff"}, "/sign-in"
    )
    assert answer.status_code == 200 and answer.url.path == "/staff", answer.status_code
    return http


async def _real_cases(app: Any, db: Database, n: int) -> list[tuple[str, str]]:
    """`n` cases filed through the API, once the projection has them."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        filed = []
        for _ in range(n):
            body = {
                "channel": "web",
                "consumer": {"name": "张三", "phone": "138 1234 1234"},
                "enterprise": {"credit_code": ENTERPRISES[0][0]},
                "product": {"name": "电热水壶", "amount": "199.00"},
                "region_code": "310115",
                "category": "product_quality",
                "description": "水壶用了两周底座松动,无法加热。",
                "desired_outcome": "replace",
            }
            answer = await http.post("/api/complaints", json=body)
            assert answer.status_code == 201, answer.text
            filed.append((answer.json()["tracking_no"], answer.json()["access_code"]))
    numbers = [no for no, _ in filed]
    for _ in range(600):
        async with db.sessions() as session:
            found = await session.scalar(select(func.count()).where(Complaint.tracking_no.in_(numbers)))
        if found == n:
            return filed
        await asyncio.sleep(0.1)
    raise SystemExit("the real cases never reached the read model")


async def _long_history(client: Client, tracking_no: str, events: int) -> int:
    """The case's history grown to `events` events or more: the enterprise's answer sent again
    and again, as a client repeating itself would (each one after the first refused, and the
    refusal recorded). How many events it has once the workflow has taken them all."""
    handle = client.get_workflow_handle(complaint_workflow_id(tracking_no))
    actor = Actor(id="ent-minghui", role=Role.ENTERPRISE, org=ENTERPRISES[0][0], name="明辉电器")

    async def length() -> int:
        return len([e async for e in handle.fetch_history_events()])

    async def idle() -> bool:
        """Nothing in hand: no workflow task and no activity pending (a history's last event
        may be a command's, a marker or a search attribute, after its task's completion)."""
        raw = (await handle.describe()).raw_description
        return not raw.pending_activities and not raw.HasField("pending_workflow_task")

    while await length() < events:
        for _ in range(10):
            answer = Respond(request_id=str(uuid.uuid4()), actor=actor, message="已联系")
            await handle.signal(ComplaintWorkflow.respond, answer)
    for _ in range(600):  # the last signal taken in, its refusal recorded
        if await idle():
            return await length()
        await asyncio.sleep(0.1)
    raise SystemExit("the long case never settled")


async def _time(
    http: httpx.AsyncClient, path: str, rounds: int, before: Callable[[], Awaitable[None]] | None = None
) -> list[float]:
    """`rounds` requests for the page, each after `before` (untimed), after three to warm up:
    templates compiled, caches filled."""
    for _ in range(3):
        await http.get(path)
    times = []
    for _ in range(rounds):
        if before is not None:
            await before()
        start = time.perf_counter()
        answer = await http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return times


async def measure(
    client: Client, settings: Settings, db: Database, *, cases: int, rounds: int, long: int = LONG_HISTORY
) -> list[Figure]:
    """Each page's times with `cases` cases in the read model; a case's record with `long` events
    or more in its history."""
    app = create_app(settings, temporal=client, db=db)
    async with app.router.lifespan_context(app):
        await fill(db, cases)
        real = await _real_cases(app, db, REAL_CASES)
        no, code = real[0]
        long_no = real[1][0]
        events = await _long_history(client, long_no, long)
        code_ent = ENTERPRISES[0][0]
        public = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", follow_redirects=True
        )
        consumer = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", follow_redirects=True
        )
        await _submit(consumer, "/track", {"tracking_no": no, "access_code": code}, "/track")
        staff = {u: await _signed_in(app, u) for u in ("minghui", "supervisor", "investigator1")}
        keys = json.loads((settings.data_dir / "tokens.json").read_text())
        api = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {keys['supervisor']['api_key']}"},
        )
        today = datetime.now(DISPLAY_TZ).date()
        last_month = f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"  # a whole month's cases
        last_year = f"{today - timedelta(days=364)}..{today + timedelta(days=1)}"  # all it made
        year = f"/api/metrics?period={last_year}&group_by=enterprise"
        pages = [
            ("home", public, "/"),
            ("complaint form", public, "/complaints/new"),
            ("public notices", public, "/notices"),
            ("enterprise record (public)", public, f"/enterprises/{code_ent}"),
            ("consumer's case", consumer, "/track/case"),
            ("enterprise inbox", staff["minghui"], "/staff"),
            ("supervisor queue", staff["supervisor"], "/staff"),
            ("dashboard (the metrics)", staff["supervisor"], "/staff/dashboard"),
            (
                "metrics API, last month by enterprise",
                api,
                f"/api/metrics?period={last_month}&group_by=enterprise",
            ),
            (
                "metrics API, the last 365 days by enterprise (asked again: its months kept)",
                api,
                year,
            ),
            ("investigator workbench", staff["investigator1"], "/staff"),
            ("case page (supervisor)", staff["supervisor"], f"/staff/cases/{no}"),
            ("case page (enterprise)", staff["minghui"], f"/staff/cases/{no}"),
            ("supervision record", staff["minghui"], f"/staff/enterprises/{code_ent}/supervision"),
            (
                f"case record, {events} events (supervisor)",
                staff["supervisor"],
                f"/staff/cases/{long_no}/record",
            ),
        ]
        resources = app.state.resources

        async def forgotten() -> None:
            resources.tallies.clear()

        async def asked_once() -> None:
            await forgotten()
            await api.get(year)

        async def a_case_written() -> None:  # one of this month's, as its next step is recorded
            await _written_again(db, today.replace(day=1))

        timed: list[tuple[str, httpx.AsyncClient, str, Callable[[], Awaitable[None]] | None]] = [
            (name, http, path, None) for name, http, path in pages
        ]
        timed += [
            ("metrics API, the last 365 days, asked the first time (one pass)", api, year, forgotten),
            (
                "metrics API, the last 365 days, asked the second time (its months read)",
                api,
                year,
                asked_once,
            ),
            ("metrics API, the last 365 days, a case of this month just written", api, year, a_case_written),
        ]
        figures = []
        for name, http, path, before in timed:
            times = sorted(await _time(http, path, rounds, before))
            figures.append(
                Figure(name, statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], times[-1])
            )
        for http in [public, consumer, api, *staff.values()]:
            await http.aclose()
        return figures


def table(figures: list[Figure], cases: int, rounds: int, database: str) -> str:
    lines = [
        f"Pages with {cases:,} cases in the read model ({database}), {rounds} requests each:",
        "",
        "| page | p50 ms | p95 ms | slowest ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {f.page} | {f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.max_ms:.1f} |" for f in figures]
    return "\n".join(lines)


async def run(
    settings: Settings, db: Database, *, cases: int, rounds: int, long: int = LONG_HISTORY
) -> list[Figure]:
    """`measure` on a Temporal dev server and worker of its own (the cases' workflows and the
    enterprises' supervisions are this run's alone)."""
    async with running(settings, db) as client:
        return await measure(client, settings, db, cases=cases, rounds=rounds, long=long)


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--database", default="", help="a database URL (default: SQLite in a temporary folder)"
    )
    args = parser.parse_args(argv)
    async with scratch("pages", args.database) as (settings, db):
        await seed_demo(db, settings.data_dir / "tokens.json", passwords=False)
        figures = await run(settings, db, cases=args.cases, rounds=args.rounds)
    print(table(figures, args.cases, args.rounds, "PostgreSQL" if "postgres" in args.database else "SQLite"))


if __name__ == "__main__":
    run_loop(main(sys.argv[1:]))  # the application here, on the loop its process runs on
