"""What every benchmark runs on: a Temporal dev server and the workers of its own, and a
temporary data folder with a migrated database."""

import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
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
async def running(settings: Settings, db: Database, *, apart: bool = False) -> AsyncIterator[Client]:
    """A dev server (its workflows this run's alone) with the workers serving it: in this
    process, or (`apart`) the deliveries' in a process of its own, as `aftersales run` has it."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=data_converter(key_ring(settings)),
        search_attributes=sa.ALL,
        dev_server_log_level="error",
    )
    try:
        await register_search_attributes(env.client)
        address = env.client.service_client.config.target_host
        with delivery_worker(settings, address) if apart else contextlib.nullcontext():
            async with build_worker(env.client, settings, db, deliveries=not apart):
                yield env.client
    finally:
        await env.shutdown()


@contextmanager
def delivery_worker(settings: Settings, temporal: str) -> Iterator[None]:
    """`aftersales worker deliveries` in a process of its own, once it polls."""
    log = settings.data_dir / "delivery-worker.log"
    env = os.environ | settings.variables() | {"AFTERSALES_TEMPORAL_ADDRESS": temporal}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "worker", "deliveries"], env=env, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while b"polling" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the delivery worker did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


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


def cpu_seconds() -> dict[str, float]:
    """Processor seconds used so far by this process ("api and workers") and by each process it
    started, by name: "temporal" (the dev server), or the Python module it runs ("worker
    deliveries", "delivery.sink"). Read from /proc."""
    used, clock = {"api and workers": time.process_time()}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
            argv = (stat.parent / "cmdline").read_bytes().decode().split("\0")
        except OSError:  # the process ended
            continue
        name, rest = line.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()  # from the state on: ppid is fields[1], utime and stime [11], [12]
        if int(fields[1]) != os.getpid():
            continue
        if "-m" in argv:  # the module and the words after it, up to the first option
            words = argv[argv.index("-m") + 1 :]
            name = " ".join(itertools.takewhile(lambda a: a and not a.startswith("-"), words))
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / clock
    return used
