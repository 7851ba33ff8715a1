"""The codec: decodes and encodes Temporal payloads for the Web UI and the CLI, so that
supervisors and auditors can read a case's history in clear. Nobody else; every call is
audited. Encoding makes payloads a workflow accepts, so it is for supervisors and admins."""

from typing import Any

from google.protobuf.json_format import MessageToDict, ParseDict
from temporalio.api.common.v1 import Payloads

from domain.enums import Role
from services.context import Context
from services.errors import invalid
from services.principal import Principal

DECODERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
ENCODERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
SHAPE = 'expected {"payloads": [{"metadata": {...}, "data": "..."}]}'


async def convert(
    ctx: Context, *, principal: Principal, body: Any, encode: bool, namespace: str = "-"
) -> dict[str, Any]:
    """`body` in the codec protocol's JSON, decoded (or encoded) in the same shape."""
    ctx.audit.personal_data_read()
    principal.require(ENCODERS if encode else DECODERS)
    try:
        payloads = ParseDict(body, Payloads())
    except Exception as exc:  # not the codec protocol's shape
        raise invalid("payloads", SHAPE) from exc
    codec = ctx.temporal.data_converter.payload_codec
    assert codec is not None, "the client is built with the payload codec"
    try:
        done = await (codec.encode if encode else codec.decode)(list(payloads.payloads))
    except ValueError as exc:
        raise invalid("payloads", str(exc)) from exc
    ctx.audit.detail = (
        f"{'encoded' if encode else 'decoded'} {len(done)} payloads, namespace {namespace[:64]}"
    )
    return MessageToDict(Payloads(payloads=done))
