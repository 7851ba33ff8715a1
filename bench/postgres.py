"""A PostgreSQL server of one's own, on a loopback port, to stop and start at will (the
machine's shared server is left alone): for the fault scenario and its test."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL's server programs are missing (apt-get install postgresql)")
    return found[-1].parent


class PrivatePostgres:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = _binaries()
        self.data = Path(tempfile.mkdtemp(prefix="aftersales-pg-", dir="/tmp"))
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *argv: str) -> None:
        # The server refuses to run as root: as root, it runs as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data / "db"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data / "db"), "-o", options,
            "-l", str(self.data / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`immediate`: as a crash would, with no checkpoint; the server recovers from its log."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data / "db"), "-m", mode, "-w", "stop")


@contextmanager
def private_postgres(port: int) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(port)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(server.data, ignore_errors=True)
