"""E-mail over SMTP (aiosmtplib): TLS from the first byte, STARTTLS, or plain for a development
sink; authentication when a user is set. Each reply code is sorted into temporary or permanent.
The worker sends through a `MailRelay`, which keeps a few sessions open between messages."""

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from typing import Literal

import aiosmtplib

from delivery.failures import Permanent, Temporary


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Literal["plain", "starttls", "tls"] = "plain"
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str = ""  # certificates to trust besides the system's (a private relay's own CA)


async def send_mail(server: SmtpServer, message: Message) -> str:
    """Hand `message` to the server over a session of its own; the server's reply (queue id,
    where the server gives one)."""
    relay = MailRelay(server, sessions=1)
    try:
        return await relay.send(message)
    finally:
        await relay.close()


class MailRelay:
    """The SMTP server, reached over at most `sessions` sessions at once, each kept open for the
    next message (connecting, greeting, TLS and login are most of the cost of one message) and
    closed once idle `idle` seconds or after a failure. A kept session the server has closed
    meanwhile is replaced by a new one, and the message sent over that."""

    def __init__(self, server: SmtpServer, *, sessions: int = 8, idle: float = 30.0) -> None:
        self.server, self.idle = server, idle
        self._slots = asyncio.Semaphore(sessions)
        self._kept: list[tuple[aiosmtplib.SMTP, float]] = []  # open sessions, last used last
        self._hostname = ""  # ours, said in EHLO: looked up once

    async def send(self, message: Message) -> str:
        """Hand `message` to the server; its reply (queue id, where the server gives one)."""
        async with self._slots:
            try:
                kept = self._take()
                if kept is not None:
                    try:
                        return await self._send_over(kept, message)
                    except aiosmtplib.SMTPServerDisconnected:
                        pass  # closed at the server's end while kept
                return await self._send_over(await self._connect(), message)
            except aiosmtplib.SMTPRecipientsRefused as error:
                codes = [r.code for r in error.recipients]
                raise _by_code(
                    min(codes, default=550), "; ".join(str(r) for r in error.recipients)
                ) from error
            except aiosmtplib.SMTPResponseException as error:
                raise _by_code(error.code, error.message) from error
            except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as error:
                raise Temporary(f"the SMTP server could not be reached: {error}") from error

    async def close(self) -> None:
        kept, self._kept = self._kept, []
        for session, _ in kept:
            await _quit(session)

    def _take(self) -> aiosmtplib.SMTP | None:
        now = time.monotonic()
        while self._kept:
            session, since = self._kept.pop()
            if now - since < self.idle and session.is_connected:
                return session
            session.close()
        return None

    async def _connect(self) -> aiosmtplib.SMTP:
        if not self._hostname:
            self._hostname = await asyncio.to_thread(socket.getfqdn)
        server = self.server
        session = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            username=server.username or None,
            password=server.password or None,
            timeout=server.timeout,
            cert_bundle=server.ca_file or None,
            local_hostname=self._hostname,
        )
        await session.connect()
        return session

    async def _send_over(self, session: aiosmtplib.SMTP, message: Message) -> str:
        """Send over `session`; kept for the next message unless something failed."""
        try:
            refused, reply = await session.send_message(message)
        except asyncio.CancelledError:  # out of time: no farewell to a server that did not answer
            session.close()
            raise
        except BaseException:
            await _quit(session)
            raise
        self._kept.append((session, time.monotonic()))
        if refused:
            code = min(r.code for r in refused.values())
            raise _by_code(code, "; ".join(f"{k}: {v.message}" for k, v in refused.items()))
        return reply


async def _quit(session: aiosmtplib.SMTP) -> None:
    if not session.is_connected:
        return
    try:
        await session.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        session.close()


def _by_code(code: int, text: str) -> Temporary | Permanent:
    if 400 <= code < 500:
        return Temporary(f"SMTP {code}: {text}")
    return Permanent(f"SMTP {code}: {text}")
