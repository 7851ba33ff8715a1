"""Intake through the API against bare `start_workflow` calls to the same Temporal server.

`aftersales run` is started as a user starts it (its own processes: the dev server, the cases'
and the deliveries' workers, the API, the mail sink). In turn, for `--rounds` rounds:
- the baseline: `--cases` complaint workflows started straight on the dev server, `--concurrency`
  at a time, by a client in this process, on a task queue no worker polls (what the server alone
  allows);
- the project: as many phone complaints recorded by the intake clerk through `POST
  /api/complaints`, the same number at a time, each answered once its case is registered with
  its deadlines (201).
Reported: each side's rate (the median of the rounds), their ratio, the API's latency, and the
processor time each process spent on the project's intakes, per intake.
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from temporalio.client import Client

from bench.system import System, system
from db.seed import ENTERPRISES
from domain.complaint.io import ComplaintInput
from domain.complaint.messages import ComplaintIntake, ConsumerDetails, EnterpriseRef, ProductDetails
from domain.enums import Category, Channel, DesiredOutcome, Role
from domain.ids import complaint_workflow_id, new_tracking_no
from domain.messages import Actor
from services.outputs import DISPLAY_TZ
from temporal_client import data_converter, key_ring
from workflows import search_attributes as sa
from workflows.complaint import ComplaintWorkflow

CLERK = Actor(id="bench-clerk", role=Role.CLERK)


@dataclass
class Round:
    raw_per_second: float
    api_per_second: float
    latencies: list[float]
    cpu: dict[str, float]  # processor seconds a process spent on this round's intakes


@dataclass
class Result:
    cases: int
    concurrency: int
    rounds: list[Round]

    @property
    def raw(self) -> float:
        return statistics.median(r.raw_per_second for r in self.rounds)

    @property
    def api(self) -> float:
        return statistics.median(r.api_per_second for r in self.rounds)


def body(i: int) -> dict[str, Any]:
    code, _, region = ENTERPRISES[i % len(ENTERPRISES)]
    return {
        "channel": "phone",
        "consumer": {"name": "张三", "phone": f"139{i:08d}"},
        "enterprise": {"credit_code": code},
        "product": {"name": "电热水壶", "amount": "199.00"},
        "region_code": region,
        "category": "product_quality",
        "description": "水壶用了两周底座松动,无法加热。",
        "desired_outcome": "replace",
    }


def intake(i: int) -> ComplaintIntake:
    code, name, region = ENTERPRISES[i % len(ENTERPRISES)]
    now = datetime.now(UTC).replace(microsecond=0)
    return ComplaintIntake(
        tracking_no=new_tracking_no(now, DISPLAY_TZ),
        channel=Channel.PHONE,
        received_at=now,
        recorded_by=CLERK,
        consumer=ConsumerDetails(name="张三", phone=f"139{i:08d}"),
        enterprise=EnterpriseRef(credit_code=code, name=name),
        product=ProductDetails(name="电热水壶", purchase_date=date(2026, 11, 1), amount=Decimal("199.00")),
        region_code=region,
        category=Category.PRODUCT_QUALITY,
        description="水壶用了两周底座松动,无法加热。",
        desired_outcome=DesiredOutcome.REPLACE,
    )


async def in_turn(n: int, concurrency: int, one: Any) -> tuple[float, list[float]]:
    """Run `one(i)` for i < n, `concurrency` at a time: the rate, and each call's seconds."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latencies: list[float] = []

    async def lane() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            began = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return n / (time.perf_counter() - began), latencies


async def measure(running: System, cases: int, concurrency: int, rounds: int) -> Result:
    settings = running.settings()
    client = await Client.connect(
        running.temporal,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(key_ring(settings)),
    )
    unpolled = f"bench-unpolled-{uuid.uuid4()}"

    async def start(i: int) -> None:
        case = intake(i)
        await client.start_workflow(
            ComplaintWorkflow.run,
            ComplaintInput(intake=case),
            id=complaint_workflow_id(case.tracking_no),
            task_queue=unpolled,
            search_attributes=sa.at_intake(case),
        )

    clerk = {"Authorization": f"Bearer {running.key('clerk')}"}
    limits = httpx.Limits(max_connections=concurrency)
    found: list[Round] = []
    async with httpx.AsyncClient(base_url=running.api, headers=clerk, timeout=120, limits=limits) as http:

        async def file(i: int) -> None:
            answer = await http.post("/api/complaints", json=body(i))
            if answer.status_code != 201:
                raise SystemExit(f"intake answered {answer.status_code}: {answer.text}")

        await in_turn(concurrency, concurrency, file)  # warm both sides up
        await in_turn(concurrency, concurrency, start)
        for _ in range(rounds):
            raw, _ = await in_turn(cases, concurrency, start)
            before = running.cpu()
            api, latencies = await in_turn(cases, concurrency, file)
            await asyncio.sleep(1)  # the last intakes' steps after their answer (projection, mail)
            after = running.cpu()
            used = {name: after[name] - before.get(name, 0.0) for name in after}
            found.append(Round(raw, api, latencies, used))
    return Result(cases, concurrency, found)


def report(result: Result) -> str:
    latencies = sorted(x for r in result.rounds for x in r.latencies)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    names = sorted({n for r in result.rounds for n in r.cpu})
    per_intake = {
        n: statistics.median(r.cpu.get(n, 0.0) for r in result.rounds) / result.cases * 1000 for n in names
    }
    lines = [
        f"{result.cases} intakes a round, {result.concurrency} at a time, {len(result.rounds)} rounds "
        "(medians of the rounds):",
        "",
        "| | per second |",
        "|---|---:|",
        f"| bare `start_workflow` on the dev server | {result.raw:.1f} |",
        f"| `POST /api/complaints` answered 201 | {result.api:.1f} |",
        f"| **ratio** | **{result.api / result.raw:.2f}** |",
        "",
        f"API intake latency: p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms.",
        "",
        "Processor time per intake: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in per_intake.items())
        + f"; {sum(per_intake.values()):.1f} ms in all.",
    ]
    return "\n".join(lines)


async def run(cases: int, concurrency: int, rounds: int) -> str:
    with system("intake") as running:
        return report(await measure(running, cases, concurrency, rounds))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.cases, args.concurrency, args.rounds)))


if __name__ == "__main__":
    main(sys.argv[1:])
