"""Bulk import: `aftersales import` of a hotline export (GB18030 CSV, the template's headings)
against `aftersales run`, as an operator runs it. For a file of `--rows` rows and one a tenth
its size: a dry run (every row checked), the import (each row's case started and registered),
and the same file imported again (nothing new). Reported: rows a second and the command's peak
memory, which stays flat as the file grows (rows are streamed, never loaded whole).

    .venv/bin/python -m bench.imports --rows 10000
"""

import argparse
import asyncio
import csv
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.system import System, system
from db.seed import ENTERPRISES
from domain.imports import template

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Step:
    what: str
    rows: int
    seconds: float
    peak_mb: float
    summary: str  # the command's last line but one: what it did

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds


def export(path: Path, rows: int, first: int = 0) -> Path:
    """A hotline export of `rows` complaints, each received in the last hours, written as it goes."""
    now = datetime.now(BEIJING)
    headings = list(template().columns.values())
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headings)
        for i in range(first, first + rows):
            code, _, region = ENTERPRISES[i % len(ENTERPRISES)]
            received = now - timedelta(hours=2, seconds=i)
            cells = {
                "工单编号": f"12345-{i:08d}",
                "受理渠道": "12345热线",
                "受理时间": received.strftime("%Y-%m-%d %H:%M:%S"),
                "投诉人": "王小明",
                "联系电话": f"139{i:08d}",
                "统一社会信用代码": code,
                "商品名称": "电热水壶",
                "金额": "199.00",
                "行政区划代码": region,
                "投诉类别": "质量问题",
                "投诉内容": "水壶用了两周底座松动,无法加热。",
                "诉求": "换货",
            }
            writer.writerow([cells.get(h, "") for h in headings])
    return path


def command(running: System, what: str, path: Path, rows: int, *args: str) -> Step:
    """`aftersales import` as a process of its own: its time, and its peak memory (the kernel's
    high-water mark of its resident memory, read as it runs)."""
    output = running.data / "import-output.txt"
    began = time.perf_counter()
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "import", str(path), *args],
            env=running.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, _high_water_kb(process.pid))
            time.sleep(0.1)
    seconds = time.perf_counter() - began
    said = output.read_text()
    if process.returncode not in (0, 1):
        raise SystemExit(f"aftersales import {' '.join(args)} failed:\n{said}")
    summary = next((line for line in said.splitlines() if " rows: " in line), said.strip()[-200:])
    return Step(what, rows, seconds, peak / 1024, summary.strip())


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # it has just exited
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def measure(rows: int) -> list[Step]:
    with system("imports") as running:
        small, large = max(rows // 10, 1), rows
        folder = running.data / "exports"
        folder.mkdir()
        smaller = export(folder / "small.csv", small, first=large)
        larger = export(folder / "large.csv", large)
        return [
            command(running, "dry run", smaller, small, "--dry-run"),
            command(running, "dry run", larger, large, "--dry-run"),
            command(running, "import", smaller, small, "--clerk", "clerk"),
            command(running, "import", larger, large, "--clerk", "clerk"),
            command(running, "imported again", larger, large, "--clerk", "clerk"),
        ]


def table(steps: list[Step]) -> str:
    lines = [
        "`aftersales import` of a GB18030 hotline export, against `aftersales run` (SQLite), "
        "each a process of its own:",
        "",
        "| step | rows | seconds | rows a second | peak memory MB | what it said |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for s in steps:
        rate = f"{s.per_second:.1f}"
        lines.append(f"| {s.what} | {s.rows:,} | {s.seconds:.1f} | {rate} | {s.peak_mb:.0f} | {s.summary} |")
    return "\n".join(lines) + "\n"


async def run(rows: int) -> str:
    return table(await asyncio.to_thread(measure, rows))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(table(measure(args.rows)))


if __name__ == "__main__":
    main(sys.argv[1:])
