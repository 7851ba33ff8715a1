"""The codec server: decodes and encodes Temporal payloads for the Web UI and the CLI, so
supervisors and auditors can read a case's history in clear. Nobody else; every call is
audited.

The CLI sends its credentials as a header:
`--codec-endpoint http://127.0.0.1:8000/codec --codec-auth "Bearer <token>"`. The Web UI calls
`<endpoint>/decode` with no credentials of ours, so its endpoint carries a login's access token
in the path (`/codec/t/<token>`): it expires within 30 minutes, and access logs hide it.
Encoding makes payloads a workflow accepts, so it is for supervisors and admins only.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from google.protobuf.json_format import MessageToDict, ParseDict
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.common.v1 import Payloads

from api.audit import AuditedRead, note
from api.deps import Principal, get_session, optional_account, signed_in
from api.errors import invalid
from db.seed import API_KEY_PREFIX
from domain.enums import Role

router = APIRouter(prefix="/codec", tags=["codec"])
READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
WRITERS = (Role.SUPERVISOR, Role.ADMIN)
PathToken = Annotated[str, Path(min_length=8, max_length=2000)]
Session = Annotated[AsyncSession, Depends(get_session)]


async def _from_path(request: Request, token: PathToken, session: Session) -> Principal:
    if token.startswith(API_KEY_PREFIX):  # a key never expires: it does not belong in a URL
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "put a login's access token in the path, not an API key"
        )
    principal = await optional_account(request, session, authorization=f"Bearer {token}")
    assert principal is not None
    return principal


def _caller(roles: tuple[Role, ...], source: Callable[..., Any]) -> Any:
    """The caller that `source` finds (from the header, or the path's token), if one of `roles`."""

    async def allowed(principal: Annotated[Principal, Depends(source)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this is for: {', '.join(roles)}")
        return principal

    return Depends(allowed)


async def _convert(request: Request, encode: bool) -> dict[str, Any]:
    try:
        payloads = ParseDict(await request.json(), Payloads())
    except Exception as exc:  # not JSON, or not the codec protocol's shape
        raise invalid("payloads", 'expected {"payloads": [{"metadata": {...}, "data": "..."}]}') from exc
    codec = request.app.state.temporal.data_converter.payload_codec
    try:
        done = await (codec.encode if encode else codec.decode)(list(payloads.payloads))
    except ValueError as exc:
        raise invalid("payloads", str(exc)) from exc
    namespace = request.headers.get("x-namespace", "-")[:64]
    note(request, f"{'encoded' if encode else 'decoded'} {len(done)} payloads, namespace {namespace}")
    return MessageToDict(Payloads(payloads=done))


def _endpoint(encode: bool, source: Callable[..., Any]) -> Callable[..., Any]:
    async def endpoint(
        request: Request,
        _: AuditedRead,
        principal: Principal = _caller(WRITERS if encode else READERS, source),
    ) -> dict[str, Any]:
        return await _convert(request, encode=encode)

    endpoint.__name__ = ("encode" if encode else "decode") + (
        "_with_path_token" if source is _from_path else ""
    )
    return endpoint


ROUTES: list[tuple[str, bool, Callable[..., Any], str]] = [
    ("/decode", False, signed_in, "Decode payloads (Authorization header)"),
    ("/encode", True, signed_in, "Encode payloads (Authorization header)"),
    ("/t/{token}/decode", False, _from_path, "Decode payloads (a login's token in the path, for the Web UI)"),
    ("/t/{token}/encode", True, _from_path, "Encode payloads (a login's token in the path, for the Web UI)"),
]
for path, encode, source, summary in ROUTES:
    router.add_api_route(path, _endpoint(encode, source), methods=["POST"], summary=summary)
