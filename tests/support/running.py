"""`aftersales run` as a process the tests start, wait for and stop."""

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.system import children as children  # the processes a test started
from bench.system import free_port as free_port  # the ports the tests start servers on

RUN = [sys.executable, "-m", "cli", "run"]


class Running:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(RUN, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def wait_started(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text()
            if "Press Ctrl-C to stop" in text:
                return text
            if self.process.poll() is not None:
                pytest.fail(f"aftersales run exited with {self.process.returncode}:\n{text}")
            time.sleep(0.3)
        pytest.fail(f"aftersales run did not start:\n{self.log.read_text()}")

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(60)


def token(output: str, username: str) -> str:
    """The API key the welcome shows for the username."""
    line = next(line for line in output.splitlines() if line.strip().startswith(username + " "))
    return line.split()[-1]


def eventually_sync(probe: Callable[[], Any], timeout: float, what: str = "condition") -> Any:
    """Call `probe` until it returns something truthy (the system runs in other processes)."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found
