"""The supervisor of `aftersales run`'s processes: a crash restarts the one process, after a
pause that doubles while it keeps crashing and starts over once it has run steadily. The event
loop each process runs on."""

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from processes import (
    FIRST_PAUSE_SECONDS,
    FOLLOW_SECONDS,
    LONGEST_PAUSE_SECONDS,
    STEADY_SECONDS,
    STOP_GRACE_SECONDS,
    Supervisor,
    run_loop,
)
from tests.support.running import eventually_sync


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def test_a_process_runs_on_uvloop_and_on_asyncio_where_uvloop_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "aftersales.processes")
    assert run_loop(loop_module()) == "uvloop"
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows, where it does not install
    tests_policy = asyncio.get_event_loop_policy()  # uvloop's (tests/conftest.py)
    asyncio.set_event_loop_policy(None)  # a process's own, with nothing set
    try:
        assert run_loop(loop_module()) == "asyncio"
    finally:
        asyncio.set_event_loop_policy(tests_policy)
    assert caplog.messages == ["event loop: uvloop", "event loop: asyncio"]


def test_the_api_parses_http_with_httptools() -> None:
    """uvicorn takes httptools when it is installed (`aftersales api` leaves `http` to it)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert AutoHTTPProtocol is HttpToolsProtocol


def test_a_worker_loads_no_spreadsheet_reader_and_no_redis_client_until_it_needs_one() -> None:
    """Each is several megabytes a process: the reader is loaded to read a workbook, and the
    client where a Redis server is configured (the API's shared rate limits)."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, worker; print(sorted({'openpyxl', 'redis'} & set(sys.modules)))"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_a_crashing_child_waits_longer_each_time_and_its_neighbour_is_left_alone(tmp_path: Path) -> None:
    said: list[str] = []
    supervisor = Supervisor(tmp_path, say=said.append)
    crashing = supervisor.start("crash", [sys.executable, "-c", "import sys; print('up'); sys.exit(3)"], {})
    steady = supervisor.start("steady", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    try:
        crashing.wait(30)
        child = supervisor.children[0]
        pauses = []
        now = child.started_at + 1
        for _ in range(7):
            supervisor.watch(now)  # seen down: a pause
            pauses.append(child.pause)
            now = child.restart_at or now
            supervisor.watch(now)  # the pause over: started again, and crashes at once
            assert child.process is not None
            child.process.wait(30)
            now += 1
        assert pauses == [1, 2, 4, 8, 16, 30, 30]
        assert pauses[0] == FIRST_PAUSE_SECONDS and pauses[-1] == LONGEST_PAUSE_SECONDS
        assert child.restarts == 7 and (tmp_path / "crash.log").read_text().count("up") == 8
        assert said[0] == f"crash exited with code 3; restarting it in 1 s (see {tmp_path / 'crash.log'})"
        assert "crash restarted (restart 7)" in said
        # After running steadily, the next crash waits the first pause again.
        supervisor.watch(child.started_at + STEADY_SECONDS + 1)
        assert child.pause == FIRST_PAUSE_SECONDS
        assert steady.poll() is None and supervisor.children[1].restarts == 0
    finally:
        supervisor.stop()
    assert steady.returncode == -15 and said[-2:] == ["  stopped steady", "  stopped crash"]


# a child that runs until it is stopped
ASLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_follower_stops_with_the_one_it_follows_and_starts_again_after_it(tmp_path: Path) -> None:
    """The workers follow the dev server: a worker does not go on with the workflows it holds
    across the server's restart."""
    said: list[str] = []
    supervisor = Supervisor(tmp_path, say=said.append)
    server = supervisor.start("server", ASLEEP, {})
    worker = supervisor.start("worker", ASLEEP, {}, follows="server")
    other = supervisor.start("other", ASLEEP, {})
    try:
        leader, follower = supervisor.children[0], supervisor.children[1]
        server.kill()
        server.wait(30)
        now = leader.started_at + STEADY_SECONDS + 1
        supervisor.watch(now)  # the server seen down: the worker stopped with it
        assert worker.wait(30) == -15 and follower.held and follower.restarts == 0
        assert "worker stopped while server is down; it starts again after it" in said
        supervisor.watch(now + 0.5)  # the server still down: the worker stays down
        assert follower.process is worker and follower.restart_at is None
        supervisor.watch(now + FIRST_PAUSE_SECONDS)  # the server started again
        assert leader.restarts == 1 and follower.process is worker
        supervisor.watch(now + FIRST_PAUSE_SECONDS + FOLLOW_SECONDS / 2)  # not up long enough yet
        assert follower.process is worker
        supervisor.watch(now + FIRST_PAUSE_SECONDS + FOLLOW_SECONDS)
        assert follower.process is not worker and follower.process is not None
        assert follower.process.poll() is None and not follower.held and follower.restarts == 1
        assert "worker restarted after server (restart 1)" in said
        assert other.poll() is None and supervisor.children[2].restarts == 0
        # a follower that crashes alone is restarted as any child is
        follower.process.kill()
        follower.process.wait(30)
        later = now + FIRST_PAUSE_SECONDS + FOLLOW_SECONDS + 1
        supervisor.watch(later)
        assert follower.restart_at == later + FIRST_PAUSE_SECONDS and leader.restarts == 1
    finally:
        supervisor.stop()


def test_a_follower_that_does_not_stop_is_killed_once_its_grace_is_over(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, say=lambda _: None)
    server = supervisor.start("server", ASLEEP, {})
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    worker = supervisor.start("worker", [sys.executable, "-c", stubborn], {}, follows="server")
    try:
        leader, follower = supervisor.children
        eventually_sync(lambda: "up" in (tmp_path / "worker.log").read_text(), 30, "the worker up")
        server.kill()
        server.wait(30)
        now = leader.started_at + 1
        supervisor.watch(now)  # stopped (SIGTERM, ignored)
        supervisor.watch(now + FIRST_PAUSE_SECONDS)  # the server back
        back = leader.started_at
        supervisor.watch(back + FOLLOW_SECONDS)
        assert worker.poll() is None and follower.process is worker  # still in its grace
        supervisor.watch(back + FOLLOW_SECONDS + STOP_GRACE_SECONDS)
        assert worker.returncode == -9 and follower.process is not worker and not follower.held
    finally:
        supervisor.stop()
