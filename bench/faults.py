"""Faults while cases are in flight: `aftersales run` on a PostgreSQL server of its own, cases
filed and answered through the API while the cases' worker is SIGKILLed `--kills` times, the
Temporal dev server is stopped once (and started again by `run`), and PostgreSQL is crashed
(`pg_ctl stop -m immediate`) and started once.

Each request is tried again with its `Idempotency-Key` until the system answers it as done
(a 503 or a cut connection while something is down), as a client should. Afterwards: every case
shows the state its actions call for, none was made twice, the enterprises were told of every
case, and `aftersales check --replay` finds the read model agreeing with every workflow, no
delivery sent twice, and every workflow's history replaying with the code.
`tests/test_faults.py` runs it small.
"""

import argparse
import base64
import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.intake import body
from bench.lifecycle import ENTERPRISE_ACCOUNTS
from bench.postgres import PrivatePostgres, private_postgres
from bench.system import TEMPORAL, System, free_port, system
from delivery.sink import read_kept

ANSWER_SECONDS = 240  # how long a request is tried again while the system recovers
# How long, after the last answer, the cases may take to be shown as their actions left them: a
# case is shown from its workflow, which a cases' worker answers, and the last kill can leave
# the worker stopped for up to 30 s (the pause of a crash loop), its cases then rebuilt from
# their histories by the next one.
CATCH_UP_SECONDS = 240


@dataclass
class Unreplayable:
    """The histories `aftersales check --replay --keep` wrote for not replaying, with the run's
    payload keys: a run's keys are made for it and gone with its folder, and a history is read
    only with them."""

    histories: dict[str, bytes]  # file name → the history's JSON, as Temporal gives it
    payload_keys: str

    def packed(self) -> str:
        """Printable where nothing else survives (a failed test's report in CI): the keys, then
        each history gzipped, in base64, on a line of its own (`unpacked` reads it back)."""
        lines = [f"payload keys: {self.payload_keys}"]
        for name, data in self.histories.items():
            lines.append(f"{name}: {base64.b64encode(gzip.compress(data)).decode()}")
        return "\n".join(lines)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.histories.items():
            (folder / name).write_bytes(data)
        (folder / "payload-keys").write_text(self.payload_keys)


def unpacked(text: str) -> Unreplayable:
    keys, histories = "", {}
    for line in text.splitlines():
        name, _, value = line.strip().partition(": ")
        if name == "payload keys":
            keys = value
        elif name.endswith(".json"):
            histories[name] = gzip.decompress(base64.b64decode(value))
    return Unreplayable(histories, keys)


@dataclass
class Outcome:
    cases: int
    expected: dict[str, str]  # tracking number → the status its actions call for
    shown: dict[str, str]  # tracking number → the status the API shows at the end
    filed: list[str]  # each tracking number as often as intake answered it anew
    retried: int  # requests sent again
    said: str  # what `aftersales run` said (its restarts)
    check: subprocess.CompletedProcess[str]
    untold: list[str] = field(default_factory=list)  # cases no e-mail to the enterprise named
    seconds: float = 0.0
    catching_up: float = 0.0  # from the last answer to every case shown as its actions call for
    unreplayable: Unreplayable | None = None  # what the check kept, if a history did not replay


class Driver:
    """Files each case and answers it as its number says, every request tried again with the
    same Idempotency-Key until it is answered as done."""

    def __init__(self, running: System) -> None:
        self.api = running.api
        self.keys = {n: running.key(n) for n in ("clerk", *ENTERPRISE_ACCOUNTS)}
        self.filed: list[str] = []
        self.expected: dict[str, str] = {}
        self.retried = 0
        self.lock = threading.Lock()

    def _call(self, path: str, body: dict[str, Any], who: str, done: int) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[who]}", "Idempotency-Key": uuid.uuid4().hex}
        deadline = time.monotonic() + ANSWER_SECONDS
        while True:
            try:
                answer = httpx.post(f"{self.api}{path}", json=body, headers=headers, timeout=30)
                if answer.status_code == done:
                    return answer
                if answer.status_code not in (202, 404, 503):  # 404: not yet shown to the enterprise
                    raise AssertionError(f"{path}: {answer.status_code} {answer.text}")
            except httpx.TransportError:
                pass  # a connection cut, or the API restarting
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} was never answered as done")
            with self.lock:
                self.retried += 1
            time.sleep(0.3)

    def case(self, n: int) -> None:
        enterprise = ENTERPRISE_ACCOUNTS[n % len(ENTERPRISE_ACCOUNTS)]
        receipt = self._call("/api/complaints", body(n), "clerk", 201).json()
        no, status = receipt["tracking_no"], "forwarded"
        with self.lock:
            self.filed.append(no)
        if n % 2 == 0:
            self._call(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, enterprise, 200)
            status = "responded"
        if n % 4 == 0:
            proposal = {"measures": ["replace"], "detail": "免费更换新品"}
            self._call(f"/api/complaints/{no}/proposal", proposal, enterprise, 200)
            status = "proposed"
        with self.lock:
            self.expected[no] = status


class Chaos:
    """The faults, on the processes `aftersales run` started."""

    def __init__(self, running: System, postgres: PrivatePostgres) -> None:
        self.running, self.postgres = running, postgres

    def _pid(self, marker: str) -> int:
        found = [pid for pid, line in self.running.children().items() if marker in line]
        return found[0] if len(found) == 1 else 0

    def _replaced(self, marker: str, before: int) -> None:
        deadline = time.monotonic() + 60
        while self._pid(marker) in (0, before):
            if time.monotonic() > deadline:
                raise AssertionError(f"{marker} was not started again")
            time.sleep(0.2)

    def kill_worker(self) -> None:
        pid = self._pid("-m worker cases")
        assert pid, "no cases' worker running to kill"
        os.kill(pid, signal.SIGKILL)
        self._replaced("-m worker cases", pid)

    def stop_temporal(self) -> None:
        pid, worker = self._pid("start-dev"), self._pid("-m worker cases")
        assert pid and worker, "no dev server or no cases' worker running"
        os.kill(pid, signal.SIGTERM)
        self._replaced("start-dev", pid)
        self._replaced("-m worker cases", worker)  # stopped with the server, started after it

    def crash_postgres(self) -> None:
        self.postgres.stop("immediate")
        self.postgres.start()


def _until(probe: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _history(running: System, tracking_no: str) -> str:
    """Where a case's workflow stands, for a failure's message: what is pending and its last
    events (their payloads are sealed)."""
    workflow_id = f"complaint-{tracking_no}"
    told = []
    for command in ("describe", "show"):
        done = subprocess.run(
            [TEMPORAL, "workflow", command, "-w", workflow_id, "--address", running.temporal, "-o", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            told.append(f"temporal workflow {command}: {done.stderr.strip()}")
        elif command == "describe":
            described = json.loads(done.stdout)  # what is pending, when anything is
            pending = {k: v for k, v in described.items() if k.startswith("pending")}
            told.append(f"pending: {pending}")
        else:
            events = json.loads(done.stdout)["events"]
            told += [f"{e['eventId']} {e['eventTime']} {e['eventType']}" for e in events[-25:]]
    return "\n".join(told + _logged(running, tracking_no) + _checked(running))


def _checked(running: System) -> list[str]:
    """What `aftersales check --replay` finds: a workflow that fails its query, or a history that
    does not replay with the code, is named there with its reason, and such a history is packed
    after it."""
    try:
        done = _check(running, settle=0, timeout=60)  # within the test's own time limit
    except subprocess.TimeoutExpired:
        return ["--- aftersales check --replay: no answer within 60 s"]
    kept = _kept(running)
    return [
        "--- aftersales check --replay",
        *done.stdout.splitlines()[:40],
        *done.stderr.splitlines()[-40:],
        *([kept.packed()] if kept else []),
    ]


def _kept(running: System) -> Unreplayable | None:
    """The histories the check kept for not replaying, with the keys the run made for itself in
    its folder (its processes are given no others); None if it kept none."""
    kept = sorted(_kept_in(running).glob("*.json"))
    if not kept:
        return None
    keys = (running.data / "payload-keys").read_text().strip()
    return Unreplayable({f.name: f.read_bytes() for f in kept}, keys)


def _kept_in(running: System) -> Path:
    """Where the check writes each history that does not replay."""
    return running.data / "unreplayable"


def _check(running: System, settle: float, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    keep = str(_kept_in(running))
    return subprocess.run(
        [sys.executable, "-m", "cli", "check", "--settle", str(settle), "--replay", "--keep", keep],
        env=running.env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _logged(running: System, tracking_no: str) -> list[str]:
    """What each of the system's processes logged of the case, and the last traceback it logged
    (an answer of 500 says no more)."""
    told = []
    for log in sorted((running.data / "logs").glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        about = [line for line in lines if tracking_no in line][-10:]
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
        last = lines[starts[-1] : starts[-1] + 40] if starts else []
        if about or last:
            told += [f"--- {log.name}", *about, *last]
    return told


def _filed(driver: Driver, n: int) -> Callable[[], bool]:
    return lambda: len(driver.filed) >= n


def _shows(shown: Callable[[str], str], no: str, status: str) -> Callable[[], bool]:
    return lambda: shown(no) == status


def drive(running: System, postgres: PrivatePostgres, cases: int, kills: int) -> Outcome:
    driver, chaos = Driver(running), Chaos(running, postgres)
    # The faults spread over the filing: a kill at each step, Temporal and PostgreSQL between.
    steps: list[Callable[[], None]] = [chaos.kill_worker] * kills
    steps.insert(len(steps) // 3, chaos.stop_temporal)
    steps.insert(2 * len(steps) // 3, chaos.crash_postgres)
    began = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        flight = [pool.submit(driver.case, n) for n in range(cases)]
        for k, fault in enumerate(steps, start=1):
            _until(_filed(driver, cases * k // (len(steps) + 1)), ANSWER_SECONDS, "cases filed")
            fault()
        for done in flight:
            done.result(timeout=ANSWER_SECONDS)
    supervisor = {"Authorization": f"Bearer {running.key('supervisor')}"}

    seen: dict[str, str] = {}

    def shown(no: str) -> str:
        view = httpx.get(f"{running.api}/api/complaints/{no}", headers=supervisor, timeout=30)
        seen[no] = view.text[:300]
        return str(view.json()["status"]) if view.status_code == 200 else ""

    answered = time.monotonic()
    for no, status in driver.expected.items():
        left = answered + CATCH_UP_SECONDS - time.monotonic()
        try:
            _until(_shows(shown, no, status), left, f"{no} {status}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the API shows {seen.get(no)}\n{_history(running, no)}") from None
    catching_up = time.monotonic() - answered
    check = _check(running, settle=120)
    mail = running.data / "mail"

    def untold() -> list[str]:
        subjects = " ".join(m.subject for m in read_kept(mail, limit=1_000_000))
        return [no for no in driver.expected if no not in subjects]

    with contextlib.suppress(AssertionError):  # those still untold are reported
        _until(lambda: not untold(), 120, "the enterprises told of every case")
    return Outcome(
        cases=cases,
        expected=dict(driver.expected),
        shown={no: shown(no) for no in driver.expected},
        filed=list(driver.filed),
        retried=driver.retried,
        said=(running.data / "run.log").read_text(),
        check=check,
        untold=untold(),
        seconds=time.monotonic() - began,
        catching_up=catching_up,
        unreplayable=_kept(running),
    )


def run(cases: int, kills: int) -> Outcome:
    with private_postgres(free_port()) as postgres, system("faults", database_url=postgres.url) as running:
        return drive(running, postgres, cases, kills)


def report(o: Outcome) -> str:
    wrong = [no for no, status in o.expected.items() if o.shown[no] != status]
    checked = "; ".join(o.check.stdout.strip().splitlines()[:2]) if o.check.stdout.strip() else o.check.stderr
    return "\n".join(
        [
            f"{o.cases:,} cases filed and answered through the API in {o.seconds:.0f} s, while the cases' "
            f"worker was killed {o.said.count('worker killed by SIGKILL')} times, the dev server stopped "
            f"{o.said.count('temporal exited')} time and PostgreSQL crashed once; {o.retried:,} requests "
            "sent again with their Idempotency-Key.",
            "",
            f"- cases in the state their actions call for: {o.cases - len(wrong):,} of {o.cases:,}, "
            f"all shown so {o.catching_up:.1f} s after the last answer",
            f"- cases made twice: {len(o.filed) - len(set(o.filed))}",
            f"- cases the enterprise was not told of: {len(o.untold)}",
            f"- `aftersales check --replay`: {checked}",
            *(f"  - {line.strip()}" for line in o.check.stdout.strip().splitlines()[2:22]),
        ]
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--keep",
        type=Path,
        default=Path("data/faults-unreplayable"),
        help="where a history that does not replay is written, with the run's payload keys",
    )
    args = parser.parse_args(argv)
    outcome = run(args.cases, args.kills)
    print(report(outcome))
    if outcome.unreplayable:
        outcome.unreplayable.write(args.keep)
        print(f"\nThe histories that do not replay, with the run's payload keys: {args.keep}/")


if __name__ == "__main__":
    main(sys.argv[1:])
