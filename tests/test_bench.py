"""The benchmarks run, small: every page answers with a full read model, every breach is
followed to its e-mail, intakes beside bare starts and whole cases through `aftersales run`
(their figures are for people to read, in BENCHMARKS.md; nothing here is timed)."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bench import imports, intake, lifecycle, memory, notifications
from bench.__main__ import written
from bench.pages import run, table
from bench.system import system
from db.session import Database
from settings import Settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent


async def test_the_page_benchmark_measures_every_page(settings: Settings, db: Database) -> None:
    figures = await run(settings, db, cases=300, rounds=2, long=60)
    assert len(figures) == 18 and all(f.p50_ms > 0 for f in figures)
    assert {"dashboard (the metrics)", "metrics API, last month by enterprise"} <= {f.page for f in figures}
    assert sum("the last 365 days" in f.page for f in figures) == 4  # kept, first, second, a case written
    assert "| case page (enterprise) |" in table(figures, 300, 2, "SQLite")
    [record] = [f for f in figures if f.page.startswith("case record, ")]
    assert int(record.page.split()[2]) >= 60  # its history as long as asked for, or longer


async def test_the_notification_benchmark_follows_each_breach_to_the_mail_sink(
    settings: Settings, db: Database
) -> None:
    """A few deadlines a few seconds apart: each breach's e-mails reach the sink (the supervisor's
    and the enterprise's), and every step is measured from the deadline on."""
    result = await notifications.run(
        settings, db, cases=12, wait=120, spread=timedelta(seconds=6), margin=timedelta(seconds=5)
    )
    assert [s.count for s in result.stages] == [12, 12, 12, 12]
    assert all(0 <= s.p50 <= s.p99 <= s.slowest for s in result.stages)
    written, planned, to_supervisor, _ = result.stages
    assert written.p50 <= planned.p50 <= to_supervisor.p50  # each step after the one before
    assert result.written["response_overdue"] == 24 and "escalated" not in result.written
    report = notifications.table(result, "SQLite")
    assert "| e-mail accepted by the sink (supervisor) | 12 |" in report
    assert "Cycle collections in the process of the API and the cases' worker, over that time" in report
    # each process is found, the deliveries' worker apart as `aftersales run` has it
    assert {"api and workers", "temporal", "worker deliveries", "delivery.sink"} <= set(result.cpu)
    assert result.cpu["api and workers"] > 0 and result.cpu["temporal"] > 0


@pytest.mark.sqlite_only  # how the run ends; the benchmark above runs on both
async def test_with_no_mail_the_benchmark_stops_once_every_breach_is_written(
    settings: Settings, db: Database
) -> None:
    result = await notifications.run(
        settings, db, cases=6, wait=120, spread=timedelta(seconds=3), margin=timedelta(seconds=5), mail=False
    )
    assert [s.count for s in result.stages] == [6, 0, 0, 0]  # written; nothing planned, nothing sent
    assert result.deliveries == 0 and result.cpu["worker deliveries"] < result.cpu["api and workers"]


async def test_the_intake_and_whole_case_benchmarks_run_against_aftersales_run() -> None:
    """Small: a few intakes beside as many bare starts, a few whole cases to closure; the report
    names each side's rate, the ratio and each process's processor time. One system for both
    here (`./scripts/bench` starts one for each)."""
    with system("intake") as running:
        report = intake.report(await intake.measure(running, cases=8, concurrency=4, rounds=1))
        whole = lifecycle.report(await lifecycle.measure(running, cases=4, concurrency=4))
    assert "| bare `start_workflow` on the dev server |" in report and "| **ratio** |" in report
    assert "cases' worker" in report and "temporal" in report
    assert whole.startswith("4 whole cases, 4 at a time:") and "cases a second" in whole
    assert "from its 200 to the case listed as responded" in whole


async def test_the_memory_benchmark_reads_each_part_as_the_open_cases_grow() -> None:
    with system("memory", worker_cached_workflows="40") as running:
        result = await memory.measure(running, cases=18)
    assert [s.open_cases for s in result.samples] == [48, 52, 56, 60, 66]  # the warm-up, each quarter
    for part in memory.PARTS:
        assert all(s.resident_mb[part] > 0 for s in result.samples), part
        assert result.peak_mb[part] >= result.samples[-1].resident_mb[part], part
    report = memory.report(result)
    assert "keeps at most 40 cases in memory" in report and "| 66 |" in report
    assert "Each case opened after the warm-up: cases' worker " in report


def test_the_bench_command_writes_a_scenario_into_its_own_section() -> None:
    section = "<!-- bench:intake -->\nold\n<!-- /bench:intake -->"
    text = f"# Benchmarks\n\nnotes\n\n## intake\n\n{section}\n\nmore notes\n"
    once = written(text, "intake", "new figures", "today")
    assert "old" not in once and "new figures" in once and once.endswith("more notes\n")
    assert written(once, "intake", "newer", "today").count("<!-- bench:intake -->") == 1
    added = written(once, "lifecycle", "cases", "today")
    assert added.index("## lifecycle") > added.index("more notes") and "<!-- /bench:lifecycle -->" in added


async def test_the_import_benchmark_imports_a_file_and_again_creates_nothing() -> None:
    report = await imports.run(rows=30)
    assert "| dry run | 30 |" in report and "30 rows: 30 would be created" in report
    assert "30 rows: 30 created, 0 already imported, 0 refused" in report
    assert "| imported again | 30 |" in report and "30 rows: 0 created, 30 already imported" in report


def test_two_processes_picking_ports_at_once_never_get_the_same_one() -> None:
    """The servers the tests and the benchmarks start bind their ports seconds after picking them;
    a port one process picked is set aside from the others meanwhile (`bench.system.free_port`).
    Picked at random from the range, 300 each would share ~4."""
    pick = "from bench.system import free_port; print(*[free_port() for _ in range(300)])"
    pickers = [
        subprocess.Popen([sys.executable, "-c", pick], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(2)
    ]
    first, second = (set(map(int, p.communicate(timeout=120)[0].split())) for p in pickers)
    assert len(first) == len(second) == 300 and not first & second
