"""Rate limits for the doors anyone can knock on: logins and public intake.

A sliding window of the last minute, per key (client address, or username), kept in the API
process: behind a load balancer each process counts for itself, so the limit a client meets
is the per-process limit times the processes it reaches.
"""

import time
from collections import deque
from math import ceil

from fastapi import HTTPException, Request, status

WINDOW = 60.0


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> float | None:
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


def enforce(limiter: RateLimiter, key: str, what: str) -> None:
    wait = limiter.hit(key)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many {what}: at most {limiter.per_minute} a minute",
            headers={"Retry-After": str(max(ceil(wait), 1))},
        )


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_logins(request: Request) -> None:
    enforce(request.app.state.login_limiter, client(request), "sign-in attempts from this address")


def limit_intake(request: Request) -> None:
    enforce(request.app.state.intake_limiter, client(request), "complaints from this address")
