"""A notification as an e-mail: subject and a sentence in the recipient's language, a link to
the page where it is acted on (with no personal data in it), HTML with a plain-text part."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.wording import sentence_for

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=False,  # the templates ship with the code: not looked at on disk for every message
)
FRAME = {
    "zh_CN": {
        "product": "售后服务监管",
        "open": "打开页面办理",
        "recorded": "系统记录",
        "footer": "此邮件由系统自动发送，请勿直接回复。",
    },
    "en": {
        "product": "Aftersales Supervision",
        "open": "Open the page",
        "recorded": "As recorded",
        "footer": "This message was sent automatically; please do not reply to it.",
    },
}


@dataclass(frozen=True)
class Letter:
    """What one recipient is told of one notification."""

    delivery_id: int
    key: str
    topic: str
    recorded: str  # the English subject the workflow wrote
    tracking_no: str
    enterprise_name: str
    locale: str
    link: str
    for_consumer: bool
    at: datetime


def sentence(letter: Letter) -> str:
    return sentence_for(
        letter.topic,
        letter.locale,
        recorded=letter.recorded,
        tracking_no=letter.tracking_no,
        enterprise=letter.enterprise_name,
    )


def compose(letter: Letter, *, sender: str, to: str, reply_to: str = "") -> EmailMessage:
    frame = FRAME.get(letter.locale, FRAME["zh_CN"])
    said = sentence(letter)
    # A consumer is told in plain words only; staff also see the record's own line.
    recorded = "" if letter.for_consumer or said == letter.recorded else letter.recorded
    context = {
        "frame": frame,
        "sentence": said,
        "recorded": recorded,
        "link": letter.link,
        "lang": letter.locale,
    }
    message = EmailMessage()
    message["Subject"] = (
        f"【{frame['product']}】{said}" if letter.locale == "zh_CN" else f"[{frame['product']}] {said}"
    )
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(letter.at)
    # Stable across retries: a receiver that saw this id once may drop a second copy.
    domain = sender.rsplit("@", 1)[-1].rstrip(">") or "aftersales.example"
    digest = hashlib.sha256(letter.key.encode()).hexdigest()[:16]
    message["Message-ID"] = f"<delivery-{letter.delivery_id}.{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Aftersales-Topic"] = letter.topic
    message.set_content(_env.get_template("mail.txt").render(context))
    message.add_alternative(_env.get_template("mail.html").render(context), subtype="html")
    return message
