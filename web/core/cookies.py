"""What a browser keeps between pages, signed with the server's secret so it cannot be forged.

- `session`: a staff member's sign-in, naming the login (the same logins the API's tokens
  stand for: signing out or an admin's revocation ends it at once);
- `case`: a consumer's tracking number and access code once proved, so the code never
  appears in a URL;
- `visitor`: a random value that public forms' CSRF tokens are bound to.

Every state-changing form carries a CSRF token bound to the session or the visitor; a form
whose token does not match is refused and changes nothing.
"""

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from fastapi import Request, Response

SESSION, CASE, VISITOR = "session", "case", "visitor"
CSRF_FIELD = "csrf"


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def sign(secret: bytes, purpose: str, data: dict[str, Any]) -> str:
    value = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: bytes, purpose: str, token: str | None) -> dict[str, Any] | None:
    """The data a signed cookie holds; None if it is missing or was altered."""
    if not token or "." not in token:
        return None
    value, mac = token.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret, purpose, value)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    """HttpOnly and SameSite=Lax; Secure over HTTPS and outside development."""
    settings = request.app.state.resources.settings
    secure = request.url.scheme == "https" or settings.environment != "development"
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")


def visitor(request: Request) -> str:
    """This browser's visitor value: the one it sent, or a new one the page will set."""
    current = request.cookies.get(VISITOR)
    if current and len(current) == 32:
        return current
    if not hasattr(request.state, "new_visitor"):
        request.state.new_visitor = secrets.token_hex(16)
    new: str = request.state.new_visitor
    return new


def csrf_token(request: Request, binding: str) -> str:
    return _mac(request.app.state.resources.settings.secret, "csrf", binding)


def csrf_holds(request: Request, binding: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), csrf_token(request, binding))
