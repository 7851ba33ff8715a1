"""Each request counted and timed by its route (the route's pattern, never its path, so that
case numbers do not become series), and logged as one structured line with its request id."""

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry import HTTP_REQUESTS, HTTP_SECONDS

log = structlog.get_logger("aftersales.http")
UNROUTED = "unrouted"


class Observed:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - began
            route = getattr(scope.get("route"), "path", UNROUTED)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_SECONDS.labels(method, route).observe(seconds)
            log.info("request", method=method, route=route, status=status, ms=round(seconds * 1000, 1))
