"""`aftersales run`: the whole system from one command; Ctrl-C stops it; cases survive a restart."""

import contextlib
import os
import re
import signal
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from delivery.sink import read_kept
from tests.support.api import complaint
from tests.support.running import Running, children, eventually_sync, free_port, token

pytestmark = pytest.mark.slow


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {name: free_port() for name in ("API", "TEMPORAL", "TEMPORAL_UI", "MAIL_SINK")}
    env = {**os.environ, "AFTERSALES_DATA_DIR": str(tmp_path / "data")}
    env.pop("AFTERSALES_TEMPORAL_ADDRESS", None)
    env.pop("AFTERSALES_DATABASE_URL", None)
    env.pop("AFTERSALES_SMTP_HOST", None)
    env.update({f"AFTERSALES_{name}_PORT": str(port) for name, port in ports.items()})
    yield env


def test_run_starts_everything_stops_on_ctrl_c_and_resumes_cases(
    environment: dict[str, str], tmp_path: Path
) -> None:
    api = f"http://127.0.0.1:{environment['AFTERSALES_API_PORT']}"
    ports = [
        int(environment[f"AFTERSALES_{n}_PORT"]) for n in ("API", "TEMPORAL", "TEMPORAL_UI", "MAIL_SINK")
    ]
    first = Running(environment, tmp_path / "first.log")
    try:
        output = first.wait_started()
        assert f"{api}/docs" in output and f"http://127.0.0.1:{ports[2]}" in output
        supervisor, enterprise = token(output, "supervisor"), token(output, "minghui")
        assert httpx.get(f"http://127.0.0.1:{ports[2]}/", timeout=10).status_code == 200  # the Web UI
        receipt = httpx.post(f"{api}/api/complaints", json=complaint(), timeout=30).json()
        no = receipt["tracking_no"]
        assert receipt["status"] == "forwarded"
        # The enterprise is told by e-mail, which the local sink keeps for the admins to see.
        mail = tmp_path / "data" / "mail"
        told = eventually_sync(lambda: [m for m in read_kept(mail) if no in m.subject], 60)
        assert told[0].to == "minghui@demo.aftersales.example" and f"/staff/cases/{no}" in told[0].text
        # sent by the cases' worker that wrote it; the deliveries' worker, in a process of its
        # own, waits for retries
        logs = tmp_path / "data" / "logs"
        assert "worker (deliveries) polling" in (logs / "delivery.log").read_text()
        assert "worker (cases) polling" in (logs / "worker.log").read_text()
        admin = {"Authorization": f"Bearer {token(output, 'admin')}"}

        def recorded() -> bool:
            sent = httpx.get(f"{api}/api/deliveries?status=sent", headers=admin, timeout=30).json()["items"]
            return any(d["tracking_no"] == no and d["topic"] == "forwarded" for d in sent)

        eventually_sync(recorded, 60)  # recorded once the sink has answered
    finally:
        stopped = first.interrupt()
    assert stopped == 0
    assert not any(port_open(p) for p in ports), "a process it started is still listening"
    # The dev server's state is written ahead (see cli.DEV_SERVER_PRAGMAS); the case survives.
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "temporal.db")) as state:
        assert state.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    second = Running(environment, tmp_path / "second.log")
    try:
        output = second.wait_started()
        assert token(output, "supervisor") == supervisor  # the same demo tokens
        auth = {"Authorization": f"Bearer {supervisor}"}
        view = httpx.get(f"{api}/api/complaints/{no}", headers=auth, timeout=30).json()
        assert view["status"] == "forwarded" and view["deadlines"][0]["state"] == "pending"
        answered = httpx.post(
            f"{api}/api/complaints/{no}/response",
            json={"message": "已联系"},
            headers={"Authorization": f"Bearer {enterprise}"},
            timeout=30,
        )
        assert answered.status_code == 200 and answered.json()["status"] == "responded"
    finally:
        assert second.interrupt() == 0


def test_a_crashed_worker_or_api_process_is_restarted_while_the_others_serve_on(
    environment: dict[str, str], tmp_path: Path
) -> None:
    environment |= {"AFTERSALES_WORKERS": "2", "AFTERSALES_API_PROCESSES": "2"}
    api = f"http://127.0.0.1:{environment['AFTERSALES_API_PORT']}"
    log = tmp_path / "run.log"
    running = Running(environment, log)
    try:
        output = running.wait_started()
        clerk = {"Authorization": f"Bearer {token(output, 'clerk')}"}
        logs = tmp_path / "data" / "logs"
        started = children(running.process.pid)
        workers = [pid for pid, line in started.items() if line.endswith("-m worker cases")]
        apis = [pid for pid, line in started.items() if "-m cli api --fd" in line]
        assert len(workers) == 2 and len(apis) == 2
        eventually_sync(lambda: "polling" in (logs / "worker-2.log").read_text(), 60, "the second worker")
        on_uvloop = [logs / f"{name}.log" for name in ("worker", "worker-2", "api", "api-2")]
        eventually_sync(  # each process on uvloop's event loop (processes.run_loop)
            lambda: all("event loop: uvloop" in path.read_text() for path in on_uvloop), 60, "uvloop"
        )

        os.kill(workers[0], signal.SIGKILL)
        os.kill(apis[0], signal.SIGKILL)
        # The other worker and API process serve on meanwhile: a case is filed and forwarded.
        filed = httpx.post(f"{api}/api/complaints", json=complaint(), headers=clerk, timeout=30)
        assert filed.status_code == 201 and filed.json()["status"] == "forwarded"

        def restarted() -> dict[int, str]:
            now = children(running.process.pid)
            return now if len(now) == len(started) and not set(workers[:1] + apis[:1]) & set(now) else {}

        eventually_sync(restarted, 60, "both restarted")
        said = log.read_text()
        for name in ("worker", "api"):
            assert re.search(rf"{name}(-2)? killed by SIGKILL; restarting it in 1 s", said), said
            assert re.search(rf"{name}(-2)? restarted \(restart 1\)", said), said

        def polling() -> int:
            return sum(
                (logs / f).read_text().count("worker (cases) polling") for f in ("worker.log", "worker-2.log")
            )

        eventually_sync(lambda: polling() == 3, 60, "the restarted worker polling")
        eventually_sync(  # every API process answers again, each many times over the shared socket
            lambda: all(httpx.get(f"{api}/api/health", timeout=10).status_code == 200 for _ in range(10)),
            60,
        )
        view = httpx.get(f"{api}/api/complaints/{filed.json()['tracking_no']}", headers=clerk, timeout=30)
        assert view.status_code == 200
    finally:
        assert running.interrupt() == 0
