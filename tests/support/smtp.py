"""A real SMTP server for the tests (aiosmtpd on a free loopback port) that answers as told:
refuse the next messages with a code, or take them; every message it took, parsed."""

import asyncio
import threading
from collections import deque
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from bench.system import free_port
from settings import Settings


class ScriptedSmtp:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[EmailMessage] = []
        self.answers: deque[str] = deque()  # the next DATA replies, before "250"
        self.greeted = threading.Event()  # a client said EHLO
        self.sessions = 0  # how many times one did: the sessions opened
        self.released = threading.Event()  # cleared: a greeting waits until it is set again
        self.released.set()
        self.held_after = 0  # the greetings that wait on `released`: those after this many
        self._controller: Controller | None = None

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greeted.set()
        self.sessions += 1
        if self.sessions > self.held_after:
            await asyncio.to_thread(self.released.wait)
        session.host_name = hostname
        return responses

    def answer(self, *replies: str) -> None:
        """Reply to the next messages with these (e.g. "451 busy"), then take them again."""
        self.answers.extend(replies)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.popleft()
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 OK queued as T" + str(len(self.received))

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


def mailing(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    """`settings` sending e-mail to `smtp`, retrying quickly enough to watch."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "public_url": "https://aftersales.example",
            "delivery_first_retry_seconds": 0.2,
            "delivery_max_attempts": 4,
        }
    )
