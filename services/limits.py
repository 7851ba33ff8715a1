"""Rate limits for the doors anyone can knock on: sign-in and public intake.

A sliding window of the last minute, per key (client address, or username), counted in the
process. With a Redis server (`AFTERSALES_REDIS_URL`) the window is kept there instead, one for
every API process (`services.shared_limits`).
"""

import time
from collections import deque
from math import ceil

from services.errors import RateLimited

WINDOW = 60.0


class RateLimiter:
    """The window kept in the process."""

    def __init__(self, name: str, per_minute: int) -> None:
        self.name, self.per_minute = name, per_minute
        self._hits: dict[str, deque[float]] = {}

    def hit_here(self, key: str, now: float | None = None) -> float | None:
        """Count a request; None if allowed, else the seconds until the next one is."""
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return hits[0] + WINDOW - now
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
            for idle in [k for k, v in self._hits.items() if not v or v[-1] <= now - WINDOW]:
                del self._hits[idle]
        return None

    async def hit(self, key: str) -> float | None:
        return self.hit_here(key)

    async def enforce(self, key: str, what: str) -> None:
        """Count a request, or refuse it: too many `what` in the last minute."""
        wait = await self.hit(key)
        if wait is not None:
            raise RateLimited(f"too many {what}: at most {self.per_minute} a minute", max(ceil(wait), 1))
