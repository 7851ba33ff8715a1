"""What every benchmark runs on: a Temporal dev server and the workers of its own, and a
temporary data folder with a migrated database."""

import asyncio
import contextlib
import fcntl  # the benchmarks and the tests run on POSIX (they read /proc too)
import gc
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade
from db.session import Database
from settings import Settings
from telemetry import watch_collector
from temporal_client import data_converter, key_ring, register_search_attributes
from worker import build_worker, settle_collector
from workflows import search_attributes as sa

T = TypeVar("T")


# The `temporal` CLI installed beside this Python (the dev server, and `workflow show`).
TEMPORAL = str(Path(sys.executable).parent / "temporal")


@asynccontextmanager
async def running(settings: Settings, db: Database, *, apart: bool = False) -> AsyncIterator[Client]:
    """A dev server (its workflows this run's alone) with the workers serving it: in this
    process, or (`apart`) the deliveries' in a process of its own, as `aftersales run` has it."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL,
        data_converter=data_converter(key_ring(settings)),
        search_attributes=sa.ALL,
        dev_server_log_level="error",
    )
    try:
        await register_search_attributes(env.client)
        address = env.client.service_client.config.target_host
        with delivery_worker(settings, address) if apart else contextlib.nullcontext():
            async with build_worker(env.client, settings, db, deliveries=not apart):
                with collector_settled():
                    yield env.client
    finally:
        await env.shutdown()


@contextmanager
def collector_settled() -> Iterator[None]:
    """This process's cycle collector as the worker's process has it, its collections timed
    (`telemetry.COLLECTIONS`); unfrozen after."""
    settle_collector()
    watch_collector()
    try:
        yield
    finally:
        gc.unfreeze()


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


class System:
    """`aftersales run` as a user starts it, on free ports and a temporary data folder."""

    def __init__(self, data: Path, **settings: str) -> None:
        self.data = data
        ports = {name: free_port() for name in ("API", "TEMPORAL", "TEMPORAL_UI", "MAIL_SINK")}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
        self.env |= {f"AFTERSALES_{name}_PORT": str(port) for name, port in ports.items()}
        self.env |= {"AFTERSALES_DATA_DIR": str(data)} | {
            f"AFTERSALES_{k.upper()}": v for k, v in settings.items()
        }
        self.api = f"http://127.0.0.1:{ports['API']}"
        self.temporal = f"127.0.0.1:{ports['TEMPORAL']}"
        self.output = ""

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        log = self.data / "run.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "run"], env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while "Press Ctrl-C to stop" not in (text := log.read_text()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"aftersales run did not start:\n{text}")
            time.sleep(0.3)
        self.output = text

    def key(self, username: str) -> str:
        line = next(line for line in self.output.splitlines() if line.strip().startswith(username + " "))
        return line.split()[-1]

    def settings(self) -> Settings:
        return Settings(data_dir=self.data, _env_file=None)  # type: ignore[call-arg]

    def children(self) -> dict[int, str]:
        """The processes `run` started, each with its command line."""
        return children(self.process.pid)

    def processes(self) -> dict[int, str]:
        """The processes `run` started, each by its part's name."""
        return {
            pid: "temporal" if "start-dev" in words
            else "api" if "cli api" in words
            else "cases' worker" if "worker cases" in words
            else "deliveries' worker" if "worker deliveries" in words
            else "mail sink"
            for pid, words in self.children().items()
        }  # fmt: skip

    def cpu(self) -> dict[str, float]:
        """Processor seconds used so far by each process `run` started, by its part's name."""
        used: dict[str, float] = {}
        clock = os.sysconf("SC_CLK_TCK")
        for pid, name in self.processes().items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it exited meanwhile
            used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / clock
        return used

    def memory(self) -> dict[str, tuple[float, float]]:
        """Each part's resident memory now and at its peak, in MB (the processes of a part added)."""
        held: dict[str, tuple[float, float]] = {}
        for pid, name in self.processes().items():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status.splitlines())
                  if k in ("VmRSS", "VmHWM")}  # fmt: skip
            now, peak = held.get(name, (0.0, 0.0))
            held[name] = (now + kb.get("VmRSS", 0) / 1024, peak + kb.get("VmHWM", 0) / 1024)
        return held

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(120)


def children(pid: int) -> dict[int, str]:
    """The processes `pid` started, each with its command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            line = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError, ValueError):
            continue  # it exited while being read
        if parent == pid:
            found[int(stat.parent.name)] = line
    return found


# Where each port free_port hands out is set aside, a file for each, for the processes that pick
# ports this way (the tests' processes and the benchmarks): a port is bound by its server some
# seconds after it is picked, and until then another process could pick it too.
SET_ASIDE = Path(tempfile.gettempdir()) / "aftersales-ports"
SET_ASIDE_FOR = 600.0  # seconds: far longer than any server takes to bind the port it was given


def free_port() -> int:
    """A loopback port nothing listens on, below the range the kernel hands out as the source
    ports of outgoing connections: none made meanwhile (a server starting up connects to its
    own parts) can take it before the server it is meant for binds it. It is set aside for a
    while (SET_ASIDE), so that no process picking ports here hands it out again meanwhile: two
    servers started at once never get the same port."""
    try:
        first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 32768
    SET_ASIDE.mkdir(exist_ok=True)
    with (SET_ASIDE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one picker at a time, across processes
        for _ in range(1000):
            port = random.randrange(10000, max(first_ephemeral, 10001))
            mark = SET_ASIDE / str(port)
            with contextlib.suppress(FileNotFoundError):
                if time.time() - mark.stat().st_mtime < SET_ASIDE_FOR:
                    continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            mark.touch()
            return port
    raise RuntimeError("no free port below the ephemeral range")


@contextmanager
def system(name: str, **settings: str) -> Iterator[System]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        running_system = System(Path(tmp) / "data", **settings)
        running_system.start()
        try:
            yield running_system
        finally:
            running_system.stop()


async def until(probe: Callable[[], Awaitable[T]], what: str, seconds: float = 120) -> T:
    """What `probe` answers once it answers something true; the benchmark stops if it never does."""
    deadline = time.monotonic() + seconds
    while not (found := await probe()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
    return found
