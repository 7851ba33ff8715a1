"""E-mail over SMTP (aiosmtplib): TLS from the first byte, STARTTLS, or plain for a development
sink; authentication when a user is set. Each reply code is sorted into temporary or permanent."""

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
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


async def send_mail(server: SmtpServer, message: EmailMessage) -> str:
    """Hand `message` to the server; its reply (queue id, where the server gives one)."""
    try:
        refused, reply = await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            username=server.username or None,
            password=server.password or None,
            timeout=server.timeout,
            cert_bundle=server.ca_file or None,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [r.code for r in error.recipients]
        raise _by_code(min(codes, default=550), "; ".join(str(r) for r in error.recipients)) from error
    except aiosmtplib.SMTPResponseException as error:
        raise _by_code(error.code, error.message) from error
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as error:
        raise Temporary(f"the SMTP server could not be reached: {error}") from error
    if refused:
        code = min(r.code for r in refused.values())
        raise _by_code(code, "; ".join(f"{k}: {v.message}" for k, v in refused.items()))
    return reply


def _by_code(code: int, text: str) -> Temporary | Permanent:
    if 400 <= code < 500:
        return Temporary(f"SMTP {code}: {text}")
    return Permanent(f"SMTP {code}: {text}")
