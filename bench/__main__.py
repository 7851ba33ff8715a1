"""`./scripts/bench`: the benchmarks, each with its baseline in the same run, their figures
written into BENCHMARKS.md with the date, the machine and the versions.

    python -m bench [--only intake,lifecycle,pages,notifications,memory,faults,imports] [--quick]

Each scenario's figures replace its own section of BENCHMARKS.md (between its markers); the
sections of scenarios not run, and the notes outside the markers, are kept. `--quick` runs each
small, to see that it works; its figures are not written.
"""

import argparse
import asyncio
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import faults, imports, intake, lifecycle, memory, notifications, pages
from bench.system import TEMPORAL, scratch
from db.seed import seed_demo
from processes import run_loop

FILE = Path(__file__).parent.parent / "BENCHMARKS.md"


async def _intake(quick: bool) -> str:
    return await intake.run(cases=40 if quick else 300, concurrency=16, rounds=1 if quick else 3)


async def _lifecycle(quick: bool) -> str:
    return await lifecycle.run(cases=16 if quick else 200, concurrency=16)


async def _pages(quick: bool) -> str:
    cases, rounds = (300, 5) if quick else (10_000, 40)
    async with scratch("pages", "") as (settings, db):
        await seed_demo(db, settings.data_dir / "tokens.json", passwords=False)
        figures = await pages.run(settings, db, cases=cases, rounds=rounds, long=50 if quick else 500)
    return pages.table(figures, cases, rounds, "SQLite")


async def _notifications(quick: bool) -> str:
    cases = 30 if quick else 1000
    async with scratch("notifications", "") as (settings, db):
        result = await notifications.run(settings, db, cases=cases, wait=300)
    return notifications.table(result, "SQLite")


async def _memory(quick: bool) -> str:
    return await memory.run(cases=200 if quick else 10_000)


async def _faults(quick: bool) -> str:
    cases, kills = (40, 3) if quick else (1000, 10)
    return faults.report(await asyncio.to_thread(faults.run, cases, kills))


async def _imports(quick: bool) -> str:
    return await imports.run(rows=200 if quick else 10_000)


SCENARIOS: dict[str, Callable[[bool], Coroutine[Any, Any, str]]] = {
    "intake": _intake,
    "lifecycle": _lifecycle,
    "pages": _pages,
    "notifications": _notifications,
    "memory": _memory,
    "faults": _faults,
    "imports": _imports,
}


def machine() -> str:
    temporal = subprocess.run([TEMPORAL, "--version"], capture_output=True, text=True).stdout.strip()
    packages = ", ".join(
        f"{p} {version(p)}" for p in ("temporalio", "fastapi", "sqlalchemy", "uvicorn", "uvloop", "httptools")
    )
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}; "
        f"Python {platform.python_version()}, {packages}; {temporal}"
    )


def written(text: str, name: str, figures: str, when: str) -> str:
    """`text` with the scenario's section holding `figures`, added at the end if it had none."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{begin}\n_Measured {when}._\n\n{figures}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: section, text)
    return f"{text.rstrip()}\n\n## {name}\n\n{section}\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help="the scenarios to run, comma-separated")
    parser.add_argument("--quick", action="store_true", help="each scenario small; nothing written")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"no scenario {', '.join(sorted(unknown))}: choose from {', '.join(SCENARIOS)}")
    when = f"{datetime.now(UTC):%Y-%m-%d}, {machine()}"
    for name in names:
        print(f"== {name} ...", flush=True)
        figures = run_loop(SCENARIOS[name](args.quick))  # the loop the system's processes run on
        print(figures, flush=True)
        if not args.quick:
            text = FILE.read_text(encoding="utf-8") if FILE.exists() else "# Benchmarks\n"
            FILE.write_text(written(text, name, figures, when), encoding="utf-8")
            print(f"written into {FILE}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
