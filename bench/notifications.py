"""How long a breached deadline takes to reach people by e-mail: `--cases` complaints (1,000 by
default) are recorded by the intake clerk through the API, backdated so that all their 24-hour
response deadlines fall in one minute a little ahead; nobody answers them. For each breach the
benchmark reads when its `response_overdue` e-mail to the supervisor and to the enterprise was
accepted by the development mail sink (`python -m delivery.sink`, its own process, the arrival
time in each file's name), and when the notification and its deliveries were written, each
against the deadline itself.

    .venv/bin/python -m bench.notifications                     # SQLite, 1,000 breaches
    .venv/bin/python -m bench.notifications --database postgresql+psycopg://127.0.0.1/bench

It starts its own Temporal dev server, worker and mail sink, in a temporary data folder.
"""

import argparse
import asyncio
import math
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from temporalio.client import Client

from application import create_app
from bench.system import cpu_seconds, free_port, running, scratch
from db.models import Delivery, NotificationRow
from db.seed import ACCOUNTS, ENTERPRISES, seed_demo
from db.session import Database
from domain.enums import Role
from processes import run_loop
from settings import Settings
from telemetry import COLLECTIONS

WINDOW = timedelta(hours=24)  # the policy's response window, in hours: the deadline is exact
TOPIC = "response_overdue"
TOP_SUPERVISOR = frozenset({"supervisor@demo.aftersales.example"})  # every breach reaches the top
ENTERPRISES_MAIL = frozenset(a.email for a in ACCOUNTS if a.role is Role.ENTERPRISE)
WARM_UP = 24  # cases filed first, at today's time, to learn how fast filing goes
CONCURRENCY = 16
TRACKING_NO = re.compile(r"CP\d{8}-[0-9A-Z]{6}")


@dataclass(frozen=True)
class Stage:
    """One step between the deadline and the e-mail, over every breach: seconds after it."""

    name: str
    count: int
    p50: float
    p99: float
    slowest: float


@dataclass(frozen=True)
class Result:
    cases: int
    filed_per_second: float
    first_deadline: datetime
    stages: list[Stage]
    written: dict[str, int]  # notifications written from the deadlines' minute on, by topic
    deliveries: int  # and their deliveries, every channel
    peak_rss_mb: float  # this process's: the API and the cases' worker (and the deliveries')
    # processor seconds from the first deadline to the last e-mail, by process
    cpu: dict[str, float]
    apart: bool  # the deliveries' worker in a process of its own
    open_cases: int = 0  # cases open during the minute, the breaching ones among them
    # this process's cycle collections over the same time: full ones, the seconds of all, and
    # the slowest full one of the whole run
    full_collections: int = 0
    collecting_seconds: float = 0.0
    slowest_full_collection: float = 0.0


def _stage(name: str, lags: list[float]) -> Stage:
    lags = sorted(lags)
    if not lags:
        return Stage(name, 0, math.nan, math.nan, math.nan)
    p99 = lags[min(len(lags) - 1, math.ceil(len(lags) * 0.99) - 1)]
    return Stage(name, len(lags), statistics.median(lags), p99, lags[-1])


def _complaint(i: int, received_at: datetime | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "consumer": {"name": "张三", "phone": f"139{i:08d}"},
        "enterprise": {"credit_code": ENTERPRISES[i % len(ENTERPRISES)][0]},
        "product": {"name": "电热水壶", "amount": "199.00"},
        "region_code": ENTERPRISES[i % len(ENTERPRISES)][2],
        "category": "product_quality",
        "description": "水壶用了两周底座松动,无法加热。",
        "desired_outcome": "replace",
    }
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
    return body


async def _file(http: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> dict[str, datetime]:
    """Each body filed, `CONCURRENCY` at a time: tracking number → response deadline."""
    filed: dict[str, datetime] = {}
    pending = iter(bodies)

    async def clerk() -> None:
        for body in pending:
            answer = await http.post("/api/complaints", json=body)
            # 202: recorded, its triage and deadlines still being worked out
            assert answer.status_code in (201, 202), answer.text
            receipt = answer.json()
            due = (receipt.get("deadlines") or {}).get("response_due")
            received = datetime.fromisoformat(body.get("received_at") or datetime.now(UTC).isoformat())
            filed[receipt["tracking_no"]] = datetime.fromisoformat(due) if due else received + WINDOW

    await asyncio.gather(*(clerk() for _ in range(CONCURRENCY)))
    return filed


class Sink:
    """The mail sink's folder, read as it fills: each new message's topic, recipient, case
    and arrival."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()
        self.arrivals: dict[tuple[str, str], datetime] = {}  # (tracking no, address) → arrival
        # The classic parser: the modern one parses every header, and this runs in the process
        # whose processor time is measured, through the minute.
        self._parser = BytesHeaderParser(policy=policy.compat32)

    def read(self, numbers: set[str]) -> None:
        for path in self.folder.glob("*.eml"):
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            with path.open("rb") as f:
                headers = self._parser.parse(f)
            if headers["X-Aftersales-Topic"] != TOPIC:
                continue
            found = TRACKING_NO.search(str(make_header(decode_header(headers["Subject"]))))
            if found and (no := found.group()) in numbers:
                arrived = datetime.strptime(path.name.split("-")[0], "%Y%m%dT%H%M%S%f")
                self.arrivals[(no, parseaddr(str(headers["To"]))[1])] = arrived.replace(tzinfo=UTC)

    def to(self, addresses: frozenset[str]) -> dict[str, datetime]:
        """When each case's e-mail reached one of these addresses. A bureau's supervisors are
        told too: their e-mails are not counted here."""
        return {no: at for (no, to), at in self.arrivals.items() if to in addresses}


async def _tally(db: Database, since: datetime) -> tuple[dict[str, int], int]:
    """What the breaches brought with them: notifications by topic, and deliveries."""
    async with db.sessions() as session:
        topics = await session.execute(
            select(NotificationRow.topic, func.count())
            .where(NotificationRow.created_at >= since)
            .group_by(NotificationRow.topic)
        )
        deliveries = await session.scalar(select(func.count()).where(Delivery.created_at >= since))
    return {topic: n for topic, n in topics.all()}, deliveries or 0


async def _rows(db: Database, numbers: set[str]) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """When each breach's notification to the supervisors was written, and its e-mail planned."""
    async with db.sessions() as session:
        notes = (
            await session.execute(
                select(NotificationRow.key, NotificationRow.tracking_no, NotificationRow.created_at).where(
                    NotificationRow.topic == TOPIC, NotificationRow.recipient_ref == "supervisor"
                )
            )
        ).all()
        keys = {key: no for key, no, _ in notes if no in numbers}
        planned = (
            await session.execute(
                select(Delivery.notification_key, Delivery.created_at).where(
                    Delivery.notification_key.in_(keys), Delivery.channel == "email"
                )
            )
        ).all()
    written = {no: at for _, no, at in notes if no in numbers}
    return written, {keys[key]: at for key, at in planned}


async def measure(
    client: Client,
    settings: Settings,
    db: Database,
    sink: Sink,
    *,
    cases: int,
    wait: float,
    spread: timedelta = timedelta(minutes=1),
    margin: timedelta = timedelta(seconds=30),
    apart: bool = True,
    mail: bool = True,
    open_cases: int = 0,
) -> Result:
    """The deadlines fall over `spread`, from the first whole minute after filing (and `margin`)
    is done; a spread under a minute starts at once after that instead (for a quick check).
    `open_cases` more are filed first, their deadlines a day ahead: open all through the minute."""
    app = create_app(settings, temporal=client, db=db)
    tokens = await seed_demo(db, settings.data_dir / "tokens.json", passwords=False)
    headers = {"Authorization": f"Bearer {tokens['clerk']['api_key']}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers, timeout=60
        ) as http,
    ):
        started = time.monotonic()
        await _file(http, [_complaint(i, None) for i in range(WARM_UP)])
        rate = WARM_UP / (time.monotonic() - started)
        if open_cases:
            print(f"filing {open_cases} cases that stay open ...", file=sys.stderr)
            await _file(http, [_complaint(WARM_UP + i, None) for i in range(open_cases)])
        # The deadlines' minute: after every case is filed, with room to spare, on a whole minute.
        minute = (datetime.now(UTC) + timedelta(seconds=cases / rate * 1.5) + margin).replace(microsecond=0)
        if spread >= timedelta(minutes=1):
            minute = minute.replace(second=0) + timedelta(minutes=1)
        step = spread.total_seconds() / cases
        bodies = [_complaint(i, minute - WINDOW + timedelta(seconds=int(i * step))) for i in range(cases)]
        print(f"filing {cases} cases, their response deadlines from {minute:%H:%M} UTC ...", file=sys.stderr)
        started = time.monotonic()
        filed = await _file(http, bodies)
        filed_rate = cases / (time.monotonic() - started)
        if datetime.now(UTC) >= minute:
            raise SystemExit("filing ran past the deadlines' minute: the figures would mean nothing")
    due = {no: at.astimezone(UTC) for no, at in filed.items()}
    numbers = set(due)
    give_up = minute + spread + timedelta(seconds=wait)
    await asyncio.sleep((minute - datetime.now(UTC)).total_seconds())
    cpu_before = cpu_seconds()
    collections_before = [replace(p) for p in COLLECTIONS.generations]
    while datetime.now(UTC) < give_up:
        await asyncio.sleep(1)
        if not mail:  # nothing is sent: until every breach's notification is written
            if len((await _rows(db, numbers))[0]) == len(numbers):
                break
            continue
        sink.read(numbers)
        if len(sink.to(TOP_SUPERVISOR)) == len(sink.to(ENTERPRISES_MAIL)) == len(numbers):
            break
    cpu_after = cpu_seconds()
    collections = COLLECTIONS.generations
    written, planned = await _rows(db, numbers)
    topics, deliveries = await _tally(db, minute)
    supervisor, enterprise = sink.to(TOP_SUPERVISOR), sink.to(ENTERPRISES_MAIL)

    def lags(times: dict[str, datetime]) -> list[float]:
        return [(at - due[no]).total_seconds() for no, at in times.items()]

    return Result(
        cases=cases,
        filed_per_second=filed_rate,
        first_deadline=minute,
        stages=[
            _stage("notification written (supervisors)", lags(written)),
            _stage("e-mail planned (supervisor)", lags(planned)),
            _stage("e-mail accepted by the sink (supervisor)", lags(supervisor)),
            _stage("e-mail accepted by the sink (enterprise)", lags(enterprise)),
        ],
        written=topics,
        deliveries=deliveries,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        open_cases=WARM_UP + open_cases + cases,
        cpu={name: used - cpu_before.get(name, 0.0) for name, used in cpu_after.items()},
        apart=apart,
        full_collections=collections[2].count - collections_before[2].count,
        collecting_seconds=sum(p.seconds for p in collections) - sum(p.seconds for p in collections_before),
        slowest_full_collection=collections[2].slowest,
    )


def table(result: Result, database: str) -> str:
    workers = "the cases' worker" if result.apart else "both workers"
    lines = [
        f"{result.cases:,} response deadlines in the minute from {result.first_deadline:%H:%M} UTC "
        f"({database}; filed at {result.filed_per_second:.1f} cases/s; {result.open_cases:,} cases open); "
        "seconds after each deadline:",
        "",
        "| step | breaches | p50 s | p99 s | slowest s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s.name} | {s.count:,} | {s.p50:.2f} | {s.p99:.2f} | {s.slowest:.2f} |" for s in result.stages
    ]
    topics = ", ".join(f"{topic} {n:,}" for topic, n in sorted(result.written.items(), key=lambda t: -t[1]))
    lines += [
        "",
        f"Written from the minute on: {sum(result.written.values()):,} notifications ({topics}), "
        f"{result.deliveries:,} deliveries. Peak memory of the API and {workers}: "
        f"{result.peak_rss_mb:,.0f} MB.",
        "",
        "Processor time from the first deadline to the last e-mail (with no mail, the last "
        "notification written), a breach: "
        + ", ".join(
            f"{name} {used / result.cases * 1000:,.0f} ms" for name, used in sorted(result.cpu.items())
        )
        + f" ({sum(result.cpu.values()) / result.cases * 1000:,.0f} ms in all).",
        "",
        f"Cycle collections in the process of the API and {workers}, over that time: "
        f"{result.collecting_seconds:.1f} s, {result.full_collections} of them full; the slowest full "
        f"one of the run {result.slowest_full_collection * 1000:,.0f} ms.",
    ]
    return "\n".join(lines)


@contextmanager
def mail_sink(folder: Path) -> Iterator[int]:
    """The development mail sink in a process of its own; yields its port once it listens."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "delivery.sink", "--port", str(port), "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("the mail sink did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run(
    settings: Settings,
    db: Database,
    *,
    cases: int,
    wait: float = 300,
    apart: bool = True,
    mail: bool = True,
    **options: Any,
) -> Result:
    """`measure` with a dev server, workers and mail sink of its own: the deliveries' worker in
    a process of its own (`apart`, as `aftersales run` has it) or in this one. Without `mail`
    no SMTP server is configured, so nothing is delivered: what the breaches cost without it."""
    folder = settings.data_dir / "mail"
    with mail_sink(folder) as port:
        if mail:
            settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        async with running(settings, db, apart=apart) as client:
            return await measure(
                client, settings, db, Sink(folder), cases=cases, wait=wait, apart=apart, mail=mail, **options
            )


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument(
        "--open", type=int, default=0, help="cases filed first that stay open through the minute"
    )
    parser.add_argument(
        "--wait", type=float, default=300, help="seconds to wait for the last e-mail after the minute"
    )
    parser.add_argument(
        "--database", default="", help="a database URL (default: SQLite in a temporary folder)"
    )
    parser.add_argument(
        "--one-process", action="store_true", help="the deliveries' worker in this process, not apart"
    )
    parser.add_argument(
        "--no-mail", action="store_true", help="no SMTP server: what the breaches cost with nothing delivered"
    )
    args = parser.parse_args(argv)
    async with scratch("notifications", args.database) as (settings, db):
        result = await run(
            settings,
            db,
            cases=args.cases,
            wait=args.wait,
            apart=not args.one_process,
            mail=not args.no_mail,
            open_cases=args.open,
        )
    print(table(result, "PostgreSQL" if "postgres" in args.database else "SQLite"))


if __name__ == "__main__":
    run_loop(main(sys.argv[1:]))  # the API and the worker here, on the loop their processes run on
