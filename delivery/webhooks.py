"""Webhooks signed as the Standard Webhooks specification has it: each POST carries
`webhook-id` (the same on every retry, for the receiver to drop a second copy),
`webhook-timestamp` (seconds) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
`{id}.{timestamp}.{body}` under the secret (`whsec_` and its base64 bytes); several
signatures, space-separated, while a rotated secret still holds. Outside development only
https is taken, and no address that leads to this host or a private network (SSRF)."""

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from delivery.failures import Permanent
from delivery.http import new_client, post

PREFIX = "whsec_"
SEALED_AS = "webhook secret"  # the purpose a signing secret is sealed under in the database


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def message_id(notification_key: str, endpoint_id: int) -> str:
    """Stable for one notification to one endpoint, whatever the attempt."""
    return "msg_" + hashlib.sha256(f"{notification_key}|{endpoint_id}".encode()).hexdigest()[:32]


def shown(url: str) -> str:
    """An endpoint as lists show it: scheme, host and port, no path or query (they may hold tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def url_problem(url: str, *, development: bool) -> str:
    """Why `url` may not be an endpoint ("" if it may), from its text alone."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an http(s) URL with a host"
    if parts.scheme != "https" and not development:
        return "must use https"
    if parts.username or parts.password:
        return "must not hold a user name or password"
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        return "has a port out of range"
    if not development:
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return "" if parts.hostname != "localhost" else "must not lead to this host"
        if not address.is_global:
            return "must not lead to this host or a private network"
    return ""


async def _resolves_privately(host: str, port: int) -> bool:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return any(not ipaddress.ip_address(info[4][0]).is_global for info in infos)


@dataclass(frozen=True)
class Webhook:
    url: str
    secrets: list[str]  # the current secret first; a rotated one while it still holds
    development: bool = False
    timeout: float = 10.0


async def deliver(hook: Webhook, msg_id: str, body: bytes) -> str:
    """POST `body` signed; the receiver's status as the provider's answer."""
    problem = url_problem(hook.url, development=hook.development)
    if problem:
        raise Permanent(f"the endpoint {problem}")
    parts = urlsplit(hook.url)
    if not hook.development:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            private = await _resolves_privately(parts.hostname or "", port)
        except OSError as error:
            raise Permanent(f"the endpoint's host does not resolve: {error}") from error
        if private:
            raise Permanent("the endpoint resolves to this host or a private network")
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in hook.secrets),
        "user-agent": "aftersales-supervision-webhooks",
    }
    async with new_client(hook.timeout) as client:
        response = await post(client, hook.url, "the endpoint", content=body, headers=headers)
    return f"HTTP {response.status_code}"
