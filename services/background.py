"""Work the API process runs beside its requests (a what-if's simulations): each job by its id,
the last few kept in memory, all cancelled when the process stops."""

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    def __init__(self, keep: int = 20) -> None:
        self.keep = keep
        self.jobs: dict[str, Any] = {}  # in the order begun
        self._tasks: set[asyncio.Task[None]] = set()

    def begin(self, job_id: str, job: Any, work: Coroutine[Any, Any, None]) -> None:
        while len(self.jobs) >= self.keep:
            del self.jobs[next(iter(self.jobs))]
        self.jobs[job_id] = job
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
