"""`aftersales run` as a process the tests start, wait for and stop."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN = [sys.executable, "-m", "cli", "run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
