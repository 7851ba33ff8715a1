"""The processes `aftersales run` starts, kept running: one that exits is started again after a
pause that doubles with each quick crash, and the others go on serving meanwhile.

A child that stays up for `STEADY_SECONDS` is counted healthy again: its next crash waits the
first pause, not the last. Stopping sends SIGTERM to each in reverse order of starting.

Each of the API's and the workers' processes runs its event loop with `run_loop`.
"""

import asyncio
import logging
import signal
import subprocess
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("aftersales.processes")

STOP_GRACE_SECONDS = 15
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
STEADY_SECONDS = 60.0


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to its end on uvloop's event loop where uvloop is installed (every platform but
    Windows), on asyncio's own otherwise. uvloop's costs less processor time a request and a
    workflow task: the hops from the database's and the SDK's threads above all."""

    async def logged() -> T:
        log.info("event loop: %s", type(asyncio.get_running_loop()).__module__.split(".")[0])
        return await main

    try:
        import uvloop
    except ImportError:
        return asyncio.run(logged())
    return uvloop.run(logged())


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    pause: float = 0.0  # the pause before the next restart, doubled with each quick crash
    restart_at: float | None = None  # set while the child is down and waiting to be restarted


@dataclass
class Supervisor:
    logs: Path
    say: Callable[[str], None] = field(default=lambda line: print(line, flush=True))
    children: list[Child] = field(default_factory=list)

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str], pass_fds: Sequence[int] = ()
    ) -> subprocess.Popen[bytes]:
        child = Child(name, list(argv), env, tuple(pass_fds))
        self.children.append(child)
        return self._spawn(child, time.monotonic())

    def _spawn(self, child: Child, now: float) -> subprocess.Popen[bytes]:
        with (self.logs / f"{child.name}.log").open("ab") as log:
            child.process = subprocess.Popen(
                child.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=child.env,
                pass_fds=child.pass_fds,
                start_new_session=True,  # Ctrl-C reaches `run` alone, which stops them in order
            )
        child.started_at, child.restart_at = now, None
        return child.process

    def watch(self, now: float | None = None) -> None:
        """Restart what has exited, once its pause is over. Called again and again by `run`."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            process = child.process
            assert process is not None
            if child.restart_at is None and process.poll() is not None:
                steady = now - child.started_at >= STEADY_SECONDS
                child.pause = (
                    FIRST_PAUSE_SECONDS
                    if steady or not child.pause
                    else min(child.pause * 2, LONGEST_PAUSE_SECONDS)
                )
                child.restart_at = now + child.pause
                self.say(
                    f"{child.name} {describe_exit(process.returncode)}; restarting it in "
                    f"{child.pause:.0f} s (see {self.logs / (child.name + '.log')})"
                )
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child, now)
                self.say(f"{child.name} restarted (restart {child.restarts})")

    def stop(self) -> None:
        for child in reversed(self.children):
            process = child.process
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    self.say(f"  {child.name} did not stop in {STOP_GRACE_SECONDS} s: killed")
                    process.kill()
                    process.wait()
            self.say(f"  stopped {child.name}")
