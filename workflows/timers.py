"""Deadlines as Temporal timers: one timer for each deadline's next alarm, kept in step with
the deadlines the state holds, so a continued run sets the same timers again from its state."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import AlarmKind, Deadline


class DeadlineTimers:
    def __init__(
        self, deadlines: Callable[[], Iterable[Deadline]], on_alarm: Callable[[str, AlarmKind], None]
    ) -> None:
        self._deadlines = deadlines
        self._on_alarm = on_alarm  # (deadline key, "warning" or "breach")
        self._running: dict[str, tuple[datetime, asyncio.Task[None]]] = {}

    def sync(self) -> None:
        """Start the timers now wanted; cancel those no longer wanted."""
        wanted = {d.key: alarm for d in self._deadlines() if (alarm := d.next_alarm())}
        for key, (at, task) in list(self._running.items()):
            alarm = wanted.get(key)
            if alarm is None or alarm.at != at:
                task.cancel()
                del self._running[key]
        for key, (at, what) in wanted.items():
            if key not in self._running:
                self._running[key] = (at, asyncio.create_task(self._alarm(key, at, what)))

    async def _alarm(self, key: str, at: datetime, what: AlarmKind) -> None:
        delay = at - workflow.now()
        if delay > timedelta(0):
            await workflow.sleep(delay, summary=f"{key} {what}")
        self._running.pop(key, None)
        self._on_alarm(key, what)
        self.sync()  # a warning is followed by the deadline's own timer
