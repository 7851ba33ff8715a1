"""The audit log: every API write, every read of personal data and every decoded payload,
with who, role, what, which object, when, the request id and the outcome.

Writes are audited by method; a use case that reads personal data says so on the request's
audit note (`Audit.personal_data_read`). The entry is written after the answer is known, in
its own transaction.
"""

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services import audit_log
from services.context import Audit
from telemetry import REQUEST_ID as CURRENT_REQUEST

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
OBJECT_PARAMS = ("tracking_no", "task_id", "code", "label")


class AuditMiddleware:
    """Writes the entry when the answer starts, before the client sees it: an answer whose entry
    cannot be written becomes a 503, so nothing is done unaudited without the caller knowing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.fullmatch(given) else str(uuid.uuid4())
        CURRENT_REQUEST.set(request_id)  # for the logs and the signals' request ids
        refused = False

        async def sending(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                note: Audit = scope.get("state", {}).get("audit") or Audit()
                if (scope["method"] in WRITES or note.read) and not await self._write(
                    scope, note, request_id, message["status"]
                ):
                    refused = True
                    body = b'{"detail":"the audit log is unavailable; the request may have been applied"}'
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 503,
                            "headers": [
                                (b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"x-request-id", request_id.encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            elif refused:
                return
            await send(message)

        await self.app(scope, receive, sending)

    async def _write(self, scope: Scope, note: Audit, request_id: str, status: int) -> bool:
        route = scope.get("route")
        params = scope.get("path_params", {})
        client = scope.get("client") or ("", 0)
        return await audit_log.record(
            scope["app"].state.resources,
            note,
            action=f"{scope['method']} {getattr(route, 'path', scope['path'])}",
            object_ref=next((str(params[p]) for p in OBJECT_PARAMS if p in params), ""),
            request_id=request_id,
            outcome=status,
            client=str(client[0]),
        )
