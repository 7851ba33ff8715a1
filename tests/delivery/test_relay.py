"""The worker's SMTP sessions: kept open for the next message, never more at once than allowed,
replaced when the server has closed them, and closed when idle."""

import asyncio
from email.message import EmailMessage

import pytest

from delivery.failures import Permanent, Temporary
from delivery.mail import MailRelay, SmtpServer
from tests.support.smtp import ScriptedSmtp


def letter(n: int) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = f"【测试】第{n}封", "a@x.example", "b@x.example"
    message.set_content(f"正文 {n}")
    return message


async def test_messages_share_the_sessions_and_no_more_are_opened_than_allowed(smtp: ScriptedSmtp) -> None:
    relay = MailRelay(SmtpServer("127.0.0.1", smtp.port), sessions=2)
    try:
        replies = await asyncio.gather(*(relay.send(letter(n)) for n in range(12)))
        assert all("queued as" in r for r in replies)
        assert sorted(m["Subject"] for m in smtp.received) == sorted(f"【测试】第{n}封" for n in range(12))
        assert smtp.sessions == 2
        await relay.send(letter(12))
        assert smtp.sessions == 2
    finally:
        await relay.close()


async def test_a_session_the_server_closed_is_replaced_and_the_message_goes(smtp: ScriptedSmtp) -> None:
    relay = MailRelay(SmtpServer("127.0.0.1", smtp.port))
    try:
        await relay.send(letter(1))
        smtp.stop()  # the kept session goes with the server
        with pytest.raises(Temporary, match="could not be reached"):
            await relay.send(letter(2))
        smtp.start()
        await relay.send(letter(3))
        assert [m["Subject"] for m in smtp.received] == ["【测试】第1封", "【测试】第3封"]
        assert smtp.sessions == 2
    finally:
        await relay.close()


async def test_an_idle_session_is_not_reused_and_a_failed_one_is_closed(smtp: ScriptedSmtp) -> None:
    idle = MailRelay(SmtpServer("127.0.0.1", smtp.port), idle=0)
    try:
        await idle.send(letter(1))
        await idle.send(letter(2))
        assert smtp.sessions == 2
    finally:
        await idle.close()
    relay = MailRelay(SmtpServer("127.0.0.1", smtp.port))
    try:
        smtp.answer("554 no thanks")
        with pytest.raises(Permanent, match="SMTP 554"):
            await relay.send(letter(3))
        await relay.send(letter(4))
        assert smtp.sessions == 4  # the refusal's session closed; a new one for the next
    finally:
        await relay.close()
