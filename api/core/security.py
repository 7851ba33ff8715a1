"""Response headers that make the API safe to expose, and logs that keep tokens out."""

import logging
import re
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# The JSON API renders nothing; the pages load their own scripts and styles, none inline; the
# interactive docs load theirs.
STRICT_CSP = b"default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    b"frame-ancestors 'none'"
)
DOCS = ("/docs", "/redoc")
JSON = ("/api/", "/codec/", "/openapi.json")
STATIC = "/static/"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        docs, static = path.startswith(DOCS), path.startswith(STATIC)
        csp = DOCS_CSP if docs else STRICT_CSP if path.startswith(JSON) else PAGE_CSP

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers += API_HEADERS
                headers.append((b"content-security-policy", csp))
                if not docs and not static:  # answers may hold personal data
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts or scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
            await send(message)

        await self.app(scope, receive, sending)


class RedactPathTokens(logging.Filter):
    """Access logs show `/codec/t/…/decode`, never the token in the path."""

    PATTERN = re.compile(r"(/codec/t/)[^/\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.PATTERN.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        record.msg = self.PATTERN.sub(r"\1…", str(record.msg))
        return True


BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    """Refuses a request body over `max_bytes` with a JSON 413, before any of it is read: by its
    Content-Length, or, for a body sent in chunks, by reading at most that much first. A page's
    form with files (multipart, outside the JSON API) may be as large as `upload_bytes`; the
    API's few uploads (multipart to a path of `api_uploads`) as large as their own limit."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_bytes: int = 0,
        api_uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app, self.max_bytes, self.upload_bytes = app, max_bytes, upload_bytes
        self.api_uploads = dict(api_uploads or {})

    def _limit(self, scope: Scope) -> int:
        headers = dict(scope.get("headers", []))
        if not headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
            return self.max_bytes
        if scope["path"].startswith(JSON):
            return max(self.api_uploads.get(scope["path"].rstrip("/"), 0), self.max_bytes)
        return max(self.upload_bytes, self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                await self._refuse(send, limit)
                return
            await self.app(scope, receive, send)
            return
        messages, size = [], 0
        while True:  # chunked: read it all, up to the limit, then hand it on
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(send, limit)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = f'{{"detail":"the body is larger than {limit // 1024} KiB"}}'.encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
