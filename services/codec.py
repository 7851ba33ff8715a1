"""The codec: decodes and encodes Temporal payloads for the Web UI and the CLI, so that
supervisors and auditors can read a case's history in clear. Nobody else; every call is
audited. Encoding makes payloads a workflow accepts, so it is for supervisors and admins."""

from typing import Annotated, Any

from google.protobuf.json_format import MessageToDict, ParseDict
from pydantic import BaseModel, Field, StringConstraints
from temporalio.api.common.v1 import Payloads as Protocol

from domain.enums import Role
from services.context import Context
from services.errors import invalid
from services.principal import Principal

DECODERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
ENCODERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

Base64 = Annotated[
    str,
    StringConstraints(pattern=r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"),
    Field(json_schema_extra={"format": "byte"}),
]


class PayloadIn(BaseModel):
    metadata: dict[str, Base64] = Field(default_factory=dict)
    data: Base64 = ""


class Payloads(BaseModel):
    """The codec protocol's body, in and out: `{"payloads": [{"metadata": {...}, "data": "..."}]}`."""

    payloads: list[PayloadIn] = Field(default_factory=list, max_length=1000)  # protobuf JSON omits none


async def convert(
    ctx: Context, *, principal: Principal, body: Payloads, encode: bool, namespace: str = "-"
) -> Payloads:
    """The payloads decoded (or encoded), in the same shape."""
    ctx.audit.personal_data_read()
    principal.require(ENCODERS if encode else DECODERS)
    payloads = ParseDict(body.model_dump(), Protocol())
    codec = ctx.temporal.data_converter.payload_codec
    assert codec is not None, "the client is built with the payload codec"
    try:
        done = await (codec.encode if encode else codec.decode)(list(payloads.payloads))
    except ValueError as exc:
        raise invalid("payloads", str(exc)) from exc
    ctx.audit.detail = (
        f"{'encoded' if encode else 'decoded'} {len(done)} payloads, namespace {namespace[:64]}"
    )
    answer: dict[str, Any] = MessageToDict(Protocol(payloads=done))
    return Payloads.model_validate(answer or {"payloads": []})
