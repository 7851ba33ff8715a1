"""A real HTTP receiver on loopback for webhooks and an SMS gateway: it keeps each request it
gets (when, headers, body) and answers as the test told it, then 200."""

import time
from collections import deque
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response


@dataclass
class Received:
    at: float  # monotonic seconds
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    received: list[Received] = field(default_factory=list)
    answers: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    reply: bytes = b'{"ok": true}'

    def answer(self, status: int, times: int = 1, **headers: str) -> None:
        self.answers.extend([(status, {k.replace("_", "-"): v for k, v in headers.items()})] * times)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def take(request: Request) -> Response:
            self.received.append(Received(time.monotonic(), dict(request.headers), await request.body()))
            status, headers = self.answers.popleft() if self.answers else (200, {})
            return Response(self.reply, status_code=status, headers=headers, media_type="application/json")

        return app
