"""Access tokens: JWTs signed with HS256 and nothing else, naming their account and login."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from db.models import Account
from settings import Settings

ALGORITHM = "HS256"


def issue_access(settings: Settings, account: Account, session_id: str) -> tuple[str, int]:
    now = datetime.now(UTC)
    ttl = settings.access_token_minutes * 60
    claims = {
        "sub": account.id,
        "sid": session_id,
        "role": account.role,
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, settings.token_signing_key, algorithm=ALGORITHM), ttl


def read_access(settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a valid access token; raises jwt.InvalidTokenError otherwise (any other
    algorithm, a bad signature, an expired or incomplete token)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        settings.token_signing_key,
        algorithms=[ALGORITHM],
        options={"require": ["exp", "iat", "sub", "sid", "typ"]},
    )
    if claims["typ"] != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims
