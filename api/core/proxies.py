"""The client's address behind a load balancer: read from `Forwarded` (RFC 7239) or
`X-Forwarded-For`, only when the request comes from a proxy the settings trust.

Each proxy appends the address it received the request from, so the list is read from the
right: trusted proxies are passed over, and the first address that is not one is the client.
Whatever a client writes into the header itself lies to the left of that, and is never read.
A request from an address that is not a trusted proxy keeps its socket's peer.
"""

import ipaddress
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)
PROTO = re.compile(r'(?:^|;)\s*proto\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)


def _address(node: str) -> str:
    """`192.0.2.1:80`, `"[2001:db8::1]:443"`, `2001:db8::1`: the address alone."""
    node = node.strip().strip('"')
    if node.startswith("["):
        return node[1 : node.find("]")] if "]" in node else node
    if node.count(":") == 1:
        return node.split(":")[0]
    return node


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


class ForwardedClient:
    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted: tuple[Network, ...] = tuple(ipaddress.ip_network(t, strict=False) for t in trusted)

    def _trusts(self, address: str) -> bool:
        ip = _parsed(address)
        return ip is not None and any(ip in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted:
            peer = scope.get("client")
            if peer and self._trusts(str(peer[0])):
                scope = self._rewritten(scope)
        await self.app(scope, receive, send)

    def _rewritten(self, scope: Scope) -> Scope:
        headers: dict[bytes, list[str]] = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name.lower(), []).append(value.decode("latin-1"))
        elements = [e for line in headers.get(b"forwarded", []) for e in line.split(",")]
        if elements:
            hops = [_address(m.group(1)) for e in elements if (m := FOR.search(e))]
            protos = [m.group(1).strip('"') for e in elements if (m := PROTO.search(e))]
        else:
            hops = [
                _address(part)
                for line in headers.get(b"x-forwarded-for", [])
                for part in line.split(",")
                if part.strip()
            ]
            protos = [p.strip() for line in headers.get(b"x-forwarded-proto", []) for p in line.split(",")]
        if not hops:
            return scope
        client = hops[0]
        for hop in reversed(hops):
            client = hop
            if not self._trusts(hop):
                break
        changed = dict(scope)
        changed["client"] = (client, 0)
        if protos and protos[-1].lower() in ("http", "https"):
            changed["scheme"] = protos[-1].lower()
        return changed
