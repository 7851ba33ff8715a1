"""The development mail sink: an SMTP server on loopback (aiosmtpd) that keeps every message it
is given as a file, for the admins' page to show. `aftersales run` starts it when no SMTP
server is configured.

    python -m delivery.sink --port 8025 --dir data/mail
"""

import argparse
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class KeepMessages:
    """An aiosmtpd handler: each message written whole to `folder`, named by arrival."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / (name + ".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)  # whole or not at all, for a reader
        return f"250 OK kept as {name}"


@dataclass(frozen=True)
class KeptMessage:
    name: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str


def read_kept(folder: Path, limit: int = 100) -> list[KeptMessage]:
    """The newest messages the sink kept, newest first."""
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        found.append(
            KeptMessage(
                name=path.name,
                received_at=datetime.strptime(path.name.split("-")[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC),
                sender=str(message["From"] or ""),
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                text=body.get_content() if body is not None else "",
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path("data/mail"))
    args = parser.parse_args()
    controller = Controller(KeepMessages(args.dir), hostname=args.host, port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"mail sink on {args.host}:{args.port}, keeping messages in {args.dir}", flush=True)
    while not stop.is_set():
        time.sleep(0.5)
    controller.stop()


if __name__ == "__main__":
    main()
