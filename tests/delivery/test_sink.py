"""The development mail sink keeps each message whole, and reads them back newest first."""

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from delivery.mail import SmtpServer, send_mail
from delivery.sink import KeepMessages, read_kept
from tests.support.smtp import free_port


async def test_the_sink_keeps_what_it_is_given(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(KeepMessages(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for n in (1, 2):
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = (
                f"【测试】第{n}封",
                "a@x.example",
                "b@x.example",
            )
            message.set_content(f"正文 {n}")
            reply = await send_mail(SmtpServer("127.0.0.1", port), message)
            assert "kept as" in reply
    finally:
        controller.stop()
    kept = read_kept(tmp_path / "mail")
    assert [k.subject for k in kept] == ["【测试】第2封", "【测试】第1封"]
    assert kept[0].text.strip() == "正文 2" and kept[0].to == "b@x.example"
    assert abs((datetime.now(UTC) - kept[0].received_at).total_seconds()) < 60
    assert not list((tmp_path / "mail").glob("*.part"))
    assert read_kept(tmp_path / "nothing") == []
