"""An e-mail reads the same to its receiver however it was built: with the classic MIME classes
(every address ASCII, the usual case) or with `EmailMessage` (an address that is not)."""

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

import pytest
from aiosmtplib.email import flatten_message

from delivery.compose import Letter, classic, compose, modern

SENDER = "售后服务监管 <noreply@aftersales.example>"
HEADERS = ("Subject", "From", "To", "Reply-To", "Date", "Message-ID", "Auto-Submitted", "X-Aftersales-Topic")


def letter(locale: str, *, for_consumer: bool = False, name: str = "深圳市迅捷电器有限公司") -> Letter:
    return Letter(
        delivery_id=4021,
        key="CP-20261207-000123:response_overdue:1",
        topic="response_overdue",
        recorded="Case CP-20261207-000123: response_overdue",
        tracking_no="CP-20261207-000123",
        enterprise_name=name,
        locale=locale,
        link="https://aftersales.example/staff/cases/CP-20261207-000123",
        for_consumer=for_consumer,
        at=datetime(2026, 12, 7, 4, 44, 0, 120000, tzinfo=UTC),
    )


def received(message: Message) -> EmailMessage:
    """The message as a receiver reads it off the wire (where every line ends in CRLF)."""
    wire = flatten_message(message).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    parsed = BytesParser(policy=policy.default).parsebytes(wire)
    assert isinstance(parsed, EmailMessage)
    return parsed


def read(message: EmailMessage) -> dict[str, object]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return {
        **{name: str(message[name] or "").replace("\n", "").replace("\r", "") for name in HEADERS},
        "addresses": [
            a.addr_spec
            for name in ("From", "To", "Reply-To")
            if message[name]
            for a in message[name].addresses
        ],
        "text": text.get_content().replace("\r\n", "\n"),
        "html": html.get_content().replace("\r\n", "\n"),
    }


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("for_consumer", [False, True])
@pytest.mark.parametrize("reply_to", ["", "投诉处理 <desk@aftersales.example>"])
def test_the_classic_and_the_modern_build_read_the_same(
    locale: str, for_consumer: bool, reply_to: str
) -> None:
    # A long enterprise name makes a subject that must be folded.
    long_name = "深圳市迅捷电器有限公司" * 4 if locale == "zh_CN" else "Shenzhen Xunjie Appliances " * 4
    built = compose(
        letter(locale, for_consumer=for_consumer, name=long_name),
        sender=SENDER,
        to="wang.wu@example.com",
        reply_to=reply_to,
    )
    assert not isinstance(built, EmailMessage)  # every address ASCII: the classic build
    headers = {name: built[name] for name in HEADERS if built[name]}
    text, html = built.get_payload()  # type: ignore[misc]
    again = modern(
        {**headers, "From": SENDER, "Reply-To": reply_to},
        text.get_payload(decode=True).decode(),
        html.get_payload(decode=True).decode(),
    )
    ours, theirs = read(received(built)), read(received(again))
    assert ours == theirs
    assert ours["addresses"][:2] == ["noreply@aftersales.example", "wang.wu@example.com"]
    message_id = str(ours["Message-ID"])
    assert ours["From"] == SENDER and message_id.startswith("<delivery-4021.")
    assert message_id.endswith("@aftersales.example>")
    assert ("系统记录" in ours["text"] or "As recorded" in ours["text"]) is not for_consumer  # type: ignore[operator]


def test_an_address_that_is_not_ascii_is_written_as_utf8() -> None:
    built = compose(letter("zh_CN"), sender=SENDER, to="王五@例子.中国")
    assert isinstance(built, EmailMessage)
    assert "To: 王五@例子.中国\r\n".encode() in flatten_message(built, utf8=True)
    message = received(built)
    usual = compose(letter("zh_CN"), sender=SENDER, to="wang.wu@example.com")
    assert {k: v for k, v in read(message).items() if k not in ("To", "addresses")} == {
        k: v for k, v in read(received(usual)).items() if k not in ("To", "addresses")
    }


def test_a_classic_header_is_left_out_when_empty() -> None:
    built = classic({"Subject": "x", "From": SENDER, "To": "a@example.com", "Reply-To": ""}, "t", "<p>h</p>")
    assert built["Reply-To"] is None and read(received(built))["addresses"] == [
        "noreply@aftersales.example",
        "a@example.com",
    ]
