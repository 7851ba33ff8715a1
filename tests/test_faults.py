"""Faults while cases are in flight: `aftersales run` on a PostgreSQL server of the test's own,
the cases' worker killed three times, the Temporal dev server restarted, PostgreSQL crashed and
started again, all while complaints are filed and answered through the API. Every case ends in
the state its actions call for, and `aftersales check` finds the read model agreeing with every
workflow, no delivery sent twice. (`bench/faults.py` is the larger version.)"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from delivery.sink import read_kept
from tests.support.api import complaint
from tests.support.private_postgres import PrivatePostgres, private_postgres
from tests.support.running import Running, children, eventually_sync, free_port, token

CASES = 40
ANSWER_SECONDS = 240  # how long an action is tried again while the system recovers


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres(free_port()) as server:
        yield server


@pytest.fixture
def environment(tmp_path: Path, postgres: PrivatePostgres) -> dict[str, str]:
    ports = {name: free_port() for name in ("API", "TEMPORAL", "TEMPORAL_UI", "MAIL_SINK")}
    env = {
        **os.environ,
        "AFTERSALES_DATA_DIR": str(tmp_path / "data"),
        "AFTERSALES_DATABASE_URL": postgres.url,
    }
    for name in ("TEMPORAL_ADDRESS", "SMTP_HOST", "TASK_QUEUE", "WORKERS", "API_PROCESSES"):
        env.pop(f"AFTERSALES_{name}", None)
    env.update({f"AFTERSALES_{name}_PORT": str(port) for name, port in ports.items()})
    return env


class Driver:
    """Files each case and answers it as its number says, every request tried again with the same
    Idempotency-Key until the system answers it as done."""

    def __init__(self, api: str, clerk: str, enterprise: str) -> None:
        self.api, self.clerk, self.enterprise = api, clerk, enterprise
        self.filed: list[str] = []
        self.expected: dict[str, str] = {}
        self.lock = threading.Lock()

    def _call(self, path: str, body: dict[str, object], bearer: str, done: int) -> httpx.Response:
        headers = {"Authorization": f"Bearer {bearer}", "Idempotency-Key": uuid.uuid4().hex}
        deadline = time.monotonic() + ANSWER_SECONDS
        while True:
            try:
                answer = httpx.post(f"{self.api}{path}", json=body, headers=headers, timeout=30)
                if answer.status_code == done:
                    return answer
                assert answer.status_code in (202, 503), f"{path}: {answer.status_code} {answer.text}"
            except httpx.TransportError:
                pass  # the API process restarting, or a connection cut
            assert time.monotonic() < deadline, f"{path} was never answered as done"
            time.sleep(0.3)

    def case(self, n: int) -> None:
        receipt = self._call("/api/complaints", complaint(channel="phone"), self.clerk, 201).json()
        no, status = receipt["tracking_no"], "forwarded"
        with self.lock:
            self.filed.append(no)
        if n % 2 == 0:
            self._call(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, self.enterprise, 200)
            status = "responded"
        if n % 4 == 0:
            proposal = {"measures": ["replace"], "detail": "免费更换新品"}
            self._call(f"/api/complaints/{no}/proposal", proposal, self.enterprise, 200)
            status = "proposed"
        with self.lock:
            self.expected[no] = status


def test_cases_in_flight_survive_worker_kills_and_temporal_and_postgresql_restarts(
    environment: dict[str, str], tmp_path: Path, postgres: PrivatePostgres
) -> None:
    api = f"http://127.0.0.1:{environment['AFTERSALES_API_PORT']}"
    log = tmp_path / "run.log"
    running = Running(environment, log)
    try:
        output = running.wait_started()
        driver = Driver(api, token(output, "clerk"), token(output, "minghui"))

        def process(marker: str) -> int:
            found = [p for p, line in children(running.process.pid).items() if marker in line]
            return found[0] if len(found) == 1 else 0

        def replaced(marker: str, before: int) -> int:
            """The process's successor, once `run` has started it."""

            def successor() -> int:
                pid = process(marker)
                return pid if pid not in (0, before) else 0

            pid: int = eventually_sync(successor, 60, f"{marker} restarted")
            return pid

        with ThreadPoolExecutor(8) as pool:
            flight = [pool.submit(driver.case, n) for n in range(CASES)]

            def filed(k: int) -> Callable[[], bool]:
                return lambda: len(driver.filed) >= k

            eventually_sync(filed(5), ANSWER_SECONDS, "five cases filed")
            worker = process("-m worker cases")
            os.kill(worker, signal.SIGKILL)
            worker = replaced("-m worker cases", worker)

            eventually_sync(filed(12), ANSWER_SECONDS, "twelve cases filed")
            temporal = process("start-dev")  # stopped as an operator would; started again by `run`
            os.kill(temporal, signal.SIGTERM)
            replaced("start-dev", temporal)
            os.kill(worker, signal.SIGKILL)
            worker = replaced("-m worker cases", worker)

            eventually_sync(filed(20), ANSWER_SECONDS, "twenty cases filed")
            postgres.stop("immediate")  # as a crash would
            postgres.start()

            eventually_sync(filed(28), ANSWER_SECONDS, "twenty-eight cases filed")
            os.kill(worker, signal.SIGKILL)
            replaced("-m worker cases", worker)
            for done in flight:
                done.result(timeout=ANSWER_SECONDS)

        said = log.read_text()
        assert said.count("worker killed by SIGKILL") == 3 and "temporal exited" in said, said
        assert len(driver.expected) == CASES and len(set(driver.filed)) == CASES  # none twice
        supervisor = {"Authorization": f"Bearer {token(output, 'supervisor')}"}

        def shown(no: str) -> str:
            return httpx.get(f"{api}/api/complaints/{no}", headers=supervisor, timeout=30).json()["status"]

        for no, status in driver.expected.items():
            eventually_sync(lambda no=no, status=status: shown(no) == status, 60, f"{no} {status}")
        check = subprocess.run(
            [sys.executable, "-m", "cli", "check", "--settle", "120"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.startswith(f"{CASES} cases and") and "they agree" in check.stdout
        # The enterprise was told of every case, none lost on the way.
        mail = tmp_path / "data" / "mail"

        def told() -> bool:
            subjects = " ".join(m.subject for m in read_kept(mail, limit=100_000))
            return all(no in subjects for no in driver.expected)

        eventually_sync(told, 120, "the enterprise told of every case")
    finally:
        assert running.interrupt() == 0
