"""Tracking numbers and consumers' access codes.

The access code is derived from the tracking number with the server's secret (HMAC-SHA256),
so it is never stored and can be shown again for a repeated intake request.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
TRACKING_PREFIX = "CP"


def new_tracking_no(received_at: datetime, tz: ZoneInfo) -> str:
    day = received_at.astimezone(tz).strftime("%Y%m%d")
    return f"{TRACKING_PREFIX}{day}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def access_code(secret: bytes, tracking_no: str) -> str:
    digest = hmac.new(secret, f"access:{tracking_no}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(10):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def access_code_matches(secret: bytes, tracking_no: str, code: str) -> bool:
    given = code.strip().upper().replace("-", "").replace(" ", "")
    return hmac.compare_digest(access_code(secret, tracking_no), given)
