"""The processes `aftersales run` starts, kept running: one that exits is started again after a
pause that doubles with each quick crash, and the others go on serving meanwhile.

A child that stays up for `STEADY_SECONDS` is counted healthy again: its next crash waits the
first pause, not the last. Stopping sends SIGTERM to each in reverse order of starting.

A child may follow another (the workers follow the Temporal dev server): when the one it follows
exits, it is stopped too, and started again once that one is back. A worker holds workflows in
memory between their tasks, and is not left to go on with them across a restart of the server
(BENCHMARKS.md, *faults*): started again, it rebuilds each from its history.

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
FOLLOW_SECONDS = 3.0  # how long the one followed runs before its followers start again


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
    follows: str = ""  # the child whose restart this one waits for, stopped while it is down
    held: bool = False  # stopped because the one it follows is down


@dataclass
class Supervisor:
    logs: Path
    say: Callable[[str], None] = field(default=lambda line: print(line, flush=True))
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        pass_fds: Sequence[int] = (),
        follows: str = "",
    ) -> subprocess.Popen[bytes]:
        child = Child(name, list(argv), env, tuple(pass_fds), follows=follows)
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
            if child.held:
                if process.poll() is None and self._running(child.follows, now - STOP_GRACE_SECONDS):
                    process.kill()  # it did not stop in its grace: the one it follows is long back
                    process.wait()
                if process.poll() is not None and self._running(child.follows, now):
                    child.held = False
                    child.restarts += 1
                    self._spawn(child, now)
                    self.say(f"{child.name} restarted after {child.follows} (restart {child.restarts})")
            elif child.restart_at is None and process.poll() is not None:
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
                self._hold_followers(child)
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child, now)
                self.say(f"{child.name} restarted (restart {child.restarts})")

    def _running(self, name: str, now: float) -> bool:
        """Whether the child `name` is up, and has been for `FOLLOW_SECONDS`."""
        return any(
            c.name == name and c.restart_at is None and now - c.started_at >= FOLLOW_SECONDS
            for c in self.children
        )

    def _hold_followers(self, leader: Child) -> None:
        """Stop (SIGTERM) each child that follows `leader`, to start again once it is back."""
        for child in self.children:
            if child.follows == leader.name and not child.held:
                child.held, child.restart_at = True, None
                if child.process is not None and child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
                self.say(f"{child.name} stopped while {leader.name} is down; it starts again after it")

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
