"""The codec server: decodes and encodes Temporal payloads for the Web UI and the CLI, so
supervisors and auditors can read a case's history in clear. Nobody else; every call is
audited.

The Web UI calls `<endpoint>/decode` with no credentials of ours, so the endpoint may carry
the bearer token in its path (`/codec/t/<token>`; use a short-lived login token there). The
CLI sends it as a header: `--codec-endpoint http://127.0.0.1:8000/codec --codec-auth "Bearer …"`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from google.protobuf.json_format import MessageToDict, ParseDict
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.common.v1 import Payloads

from api.audit import AuditedRead, note
from api.deps import Principal, get_session, optional_account, signed_in
from domain.enums import Role

router = APIRouter(prefix="/codec", tags=["codec"])
READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


def _check(principal: Principal) -> Principal:
    if principal.role not in READERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "decoded histories are for supervisors, admins and auditors"
        )
    return principal


async def header_reader(principal: Annotated[Principal, Depends(signed_in)]) -> Principal:
    return _check(principal)


async def path_reader(
    request: Request,
    token: Annotated[str, Path(min_length=8, max_length=2000)],
    session: Annotated[AsyncSession, Depends(get_session)],
) -> Principal:
    principal = await optional_account(request, session, authorization=f"Bearer {token}")
    assert principal is not None
    return _check(principal)


async def _convert(request: Request, encode: bool) -> dict[str, Any]:
    try:
        payloads = ParseDict(await request.json(), Payloads())
    except Exception as exc:  # not JSON, or not the codec protocol's shape
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            'body: expected {"payloads": [{"metadata": {...}, "data": "..."}]}',
        ) from exc
    codec = request.app.state.temporal.data_converter.payload_codec
    try:
        done = await (codec.encode if encode else codec.decode)(list(payloads.payloads))
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"payloads: {exc}") from exc
    note(
        request,
        f"{'encoded' if encode else 'decoded'} {len(done)} payloads, namespace "
        f"{request.headers.get('x-namespace', '-')[:64]}",
    )
    return MessageToDict(Payloads(payloads=done))


@router.post("/decode", summary="Decode payloads (Authorization header)")
async def decode(
    request: Request, _: AuditedRead, principal: Annotated[Principal, Depends(header_reader)]
) -> dict[str, Any]:
    return await _convert(request, encode=False)


@router.post("/encode", summary="Encode payloads (Authorization header)")
async def encode(
    request: Request, _: AuditedRead, principal: Annotated[Principal, Depends(header_reader)]
) -> dict[str, Any]:
    return await _convert(request, encode=True)


@router.post("/t/{token}/decode", summary="Decode payloads (token in the path, for the Web UI)")
async def decode_with_path_token(
    request: Request, _: AuditedRead, principal: Annotated[Principal, Depends(path_reader)]
) -> dict[str, Any]:
    return await _convert(request, encode=False)


@router.post("/t/{token}/encode", summary="Encode payloads (token in the path, for the Web UI)")
async def encode_with_path_token(
    request: Request, _: AuditedRead, principal: Annotated[Principal, Depends(path_reader)]
) -> dict[str, Any]:
    return await _convert(request, encode=True)
