"""SMS: content must be a template the carrier approved, so a message is a template code and
its parameters. One interface, two gateways: an HTTP gateway of the shape Chinese providers
use (a signed JSON or form POST), and a file for development."""

import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from delivery.failures import Permanent
from delivery.http import new_client, post
from domain.masking import mask_phone


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    template: str  # the approved template's code
    params: dict[str, str]
    text: str  # what the template says with these parameters, for the development file


class SmsGateway(Protocol):
    async def send(self, message: SmsMessage) -> str:
        """The provider's id for the message; raises Temporary or Permanent."""
        ...


def signature(secret: str, fields: dict[str, str]) -> str:
    """HMAC-SHA256, hex, of the fields sorted by name as key=value joined by &, URL-encoded."""
    canonical = "&".join(f"{k}={urllib.parse.quote(fields[k], safe='')}" for k in sorted(fields))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class HttpSmsGateway:
    """POSTs app_key, phone, sign_name, template_code, template_param (JSON), timestamp and
    nonce, with their signature; expects JSON with `code` == `success_code` and an id."""

    url: str
    app_key: str
    secret: str
    sign_name: str
    form: bool = False
    success_code: str = "OK"
    timeout: float = 10.0

    async def send(self, message: SmsMessage) -> str:
        fields = {
            "app_key": self.app_key,
            "phone": message.phone,
            "sign_name": self.sign_name,
            "template_code": message.template,
            "template_param": json.dumps(message.params, ensure_ascii=False, sort_keys=True),
            "timestamp": str(int(time.time())),
            "nonce": secrets.token_hex(8),
        }
        fields["signature"] = signature(self.secret, fields)
        if self.form:
            content, kind = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        else:
            content, kind = json.dumps(fields, ensure_ascii=False).encode(), "application/json"
        async with new_client(self.timeout) as client:
            response = await post(
                client, self.url, "the SMS gateway", content=content, headers={"content-type": kind}
            )
        try:
            answer = response.json()
        except ValueError as error:
            raise Permanent("the SMS gateway answered with no JSON") from error
        if str(answer.get("code")) != self.success_code:
            raise Permanent(
                f"the SMS gateway refused it: {answer.get('code')} {answer.get('message', '')}".strip()
            )
        return str(answer.get("message_id") or answer.get("biz_id") or answer.get("request_id") or "")


@dataclass(frozen=True)
class FileSmsSink:
    """Development: each message a JSON line in a file, the number masked."""

    path: Path

    async def send(self, message: SmsMessage) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "at": datetime.now(UTC).isoformat(),
            "to": mask_phone(message.phone),
            "template": message.template,
            "params": message.params,
            "text": message.text,
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file-{secrets.token_hex(6)}"


def read_sent(path: Path, limit: int = 50) -> list[dict[str, object]]:
    """The newest messages of the development file, newest first."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
