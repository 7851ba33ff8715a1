"""The memory each process holds as cases open: `--cases` phone complaints (10,000 by default)
recorded by the intake clerk through the API of `aftersales run`, 16 at a time, none answered,
so that all of them stay open with their deadlines ahead. After a warm-up, and again after each
quarter of the cases, once the read model holds every case filed, each part's resident memory
is read from /proc: the cases' worker, the API, the deliveries' worker, the dev server.

    .venv/bin/python -m bench.memory                          # 10,000 open cases
    .venv/bin/python -m bench.memory --cached-workflows 2000  # the worker keeping fewer in memory
"""

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from functools import partial

import httpx
from sqlalchemy import func, select

from bench.intake import body, in_turn
from bench.system import System, system, until
from db.models import Complaint
from db.session import Database

WARM_UP = 48
CONCURRENCY = 16
PARTS = ("cases' worker", "api", "deliveries' worker", "temporal")


@dataclass(frozen=True)
class Sample:
    open_cases: int
    resident_mb: dict[str, float]  # each part's resident memory


@dataclass(frozen=True)
class Result:
    samples: list[Sample]
    peak_mb: dict[str, float]  # each part's peak resident memory over the run
    cached_workflows: int  # how many cases the worker keeps in memory at most
    filed_per_second: float

    def per_case_kb(self, part: str) -> float:
        """What each case opened after the warm-up added to the part's memory."""
        first, last = self.samples[0], self.samples[-1]
        grown = last.resident_mb[part] - first.resident_mb[part]
        return grown * 1024 / max(1, last.open_cases - first.open_cases)


async def _recorded(db: Database, n: int) -> bool:
    """Whether the read model holds `n` cases: each filed case's first record written."""
    async with db.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Complaint)) or 0) >= n


def _cache(running: System) -> int:
    """How many cases the system's worker keeps in memory at most: its setting, or the default."""
    kept = running.env.get("AFTERSALES_WORKER_CACHED_WORKFLOWS")
    return int(kept) if kept else running.settings().worker_cached_workflows


async def measure(running: System, cases: int) -> Result:
    db = Database(running.settings().database)
    clerk = {"Authorization": f"Bearer {running.key('clerk')}"}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    samples: list[Sample] = []
    filed, seconds = 0, 0.0
    try:
        async with httpx.AsyncClient(base_url=running.api, headers=clerk, timeout=120, limits=limits) as http:

            async def file(i: int) -> None:
                answer = await http.post("/api/complaints", json=body(filed + i))
                if answer.status_code != 201:
                    raise SystemExit(f"intake answered {answer.status_code}: {answer.text}")

            for step in [WARM_UP] + [cases // 4] * 3 + [cases - cases // 4 * 3]:
                began = time.monotonic()
                await in_turn(step, CONCURRENCY, file)
                if samples:  # the warm-up's rate is not the filing's
                    seconds += time.monotonic() - began
                filed += step
                await until(partial(_recorded, db, filed), f"{filed} cases in the read model", 300)
                samples.append(Sample(filed, {part: now for part, (now, _) in running.memory().items()}))
    finally:
        await db.engine.dispose()
    # The kernel's peak (VmHWM) is brought up to date only now and then: a sample may lie above it.
    seen = {part: max(s.resident_mb.get(part, 0.0) for s in samples) for part in PARTS}
    peak = {part: max(top, seen.get(part, 0.0)) for part, (_, top) in running.memory().items()}
    return Result(samples, peak, _cache(running), cases / seconds if seconds else 0.0)


def report(result: Result) -> str:
    parts = [p for p in PARTS if p in result.peak_mb]
    lines = [
        f"Cases filed through the API, {CONCURRENCY} at a time ({result.filed_per_second:.1f} a second), "
        f"none answered; the worker keeps at most {result.cached_workflows:,} cases in memory. "
        "Resident memory, MB, once the read model holds every case filed:",
        "",
        "| open cases | " + " | ".join(parts) + " |",
        "|---:|" + "---:|" * len(parts),
        *(
            f"| {s.open_cases:,} | " + " | ".join(f"{s.resident_mb.get(p, 0):.0f}" for p in parts) + " |"
            for s in result.samples
        ),
        "| peak | " + " | ".join(f"{result.peak_mb[p]:.0f}" for p in parts) + " |",
        "",
        "Each case opened after the warm-up: "
        + ", ".join(f"{p} {result.per_case_kb(p):.1f} KB" for p in parts)
        + ".",
    ]
    return "\n".join(lines)


async def run(cases: int, cached_workflows: int | None = None) -> str:
    settings = {"worker_cached_workflows": str(cached_workflows)} if cached_workflows else {}
    with system("memory", **settings) as running:
        return report(await measure(running, cases))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument(
        "--cached-workflows", type=int, default=None, help="the worker's cache (default: the setting's)"
    )
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.cases, args.cached_workflows)))


if __name__ == "__main__":
    main(sys.argv[1:])
