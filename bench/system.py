"""What every benchmark runs on: a Temporal dev server and the workers of its own, and a
temporary data folder with a migrated database."""

import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade
from db.session import Database
from settings import Settings
from temporal_client import data_converter, key_ring, register_search_attributes
from worker import build_worker
from workflows import search_attributes as sa


@asynccontextmanager
async def running(settings: Settings, db: Database) -> AsyncIterator[Client]:
    """A dev server (its workflows this run's alone) with the workers serving it."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=data_converter(key_ring(settings)),
        search_attributes=sa.ALL,
        dev_server_log_level="error",
    )
    try:
        await register_search_attributes(env.client)
        async with build_worker(env.client, settings, db):
            yield env.client
    finally:
        await env.shutdown()


@asynccontextmanager
async def scratch(name: str, database: str) -> AsyncIterator[tuple[Settings, Database]]:
    """Settings over a temporary data folder and `database` (empty: SQLite in it), migrated."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database, task_queue=f"bench-{uuid.uuid4()}")
        upgrade(settings.database)
        db = Database(settings.database)
        try:
            yield settings, db
        finally:
            await db.dispose()


def cpu_seconds() -> tuple[float, float]:
    """Processor seconds used so far by this process (the API and the workers) and by the
    Temporal dev servers it started (read from /proc; NaN where there is none)."""
    server, clock = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
        except OSError:  # the process ended
            continue
        name, rest = line.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()  # from the state on: ppid is fields[1], utime and stime [11], [12]
        if int(fields[1]) == os.getpid() and name == "temporal":
            server += (int(fields[11]) + int(fields[12])) / clock
    return time.process_time(), server or float("nan")
