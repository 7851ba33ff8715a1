"""Idempotency-Key: the same key with the same request is the same request, applied once; the
same key with anything else conflicts with the request it already stands for (409, naming the
header), as does a key in use by a request still in flight.

An action's key stands for its signal's request id (the workflow applies a request id once);
an intake's key stands for the tracking number it was given."""

import hashlib
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyRecord, IntakeRequest
from domain.enums import Role
from domain.ids import new_tracking_no
from services.errors import Conflict
from services.outputs import DISPLAY_TZ
from services.principal import Principal
from telemetry import REQUEST_ID

HEADER = "Idempotency-Key"


def _reused() -> Conflict:
    return Conflict(f"{HEADER}: was used for another request")


def owner(principal: Principal) -> str:
    """Keys are the caller's own; a consumer's are those of its case."""
    actor = principal.actor
    return f"consumer:{actor.org}" if actor.role is Role.CONSUMER else actor.id


async def request_id(
    session: AsyncSession, principal: Principal, key: str | None, scope: str, body: BaseModel
) -> tuple[str, bool]:
    """The signal's request id for this request: new without a key, the key's own with one; and
    whether it is fresh, made by this request (no workflow can have seen it)."""
    mine = owner(principal)
    if key is None:  # the HTTP request's id in it, to find the signal from the logs and the audit log
        return f"{mine}:{REQUEST_ID.get() or 'request'}:{uuid.uuid4().hex[:12]}", True
    digest = hashlib.sha256(f"{scope}\n{body.model_dump_json()}".encode()).hexdigest()
    for _ in range(2):
        record = await session.get(IdempotencyRecord, (mine, key))
        if record is not None:
            if (record.scope, record.body_digest) != (scope, digest):
                raise _reused()
            return record.request_id, False
        session.add(
            IdempotencyRecord(
                owner=mine, key=key, scope=scope, body_digest=digest, request_id=f"{mine}:{key}"
            )
        )
        try:
            await session.commit()
            return f"{mine}:{key}", True
        except IntegrityError:  # the same key, sent twice at once: read the other one's
            await session.rollback()
    raise Conflict(f"{HEADER}: is being used by another request right now")


async def intake_claim(
    session: AsyncSession, key: str, body: BaseModel, received_at: datetime
) -> tuple[str, datetime]:
    """The tracking number and time of receipt an intake's key stands for: an earlier
    request's, or new ones."""
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    earlier = await session.get(IntakeRequest, key)
    if earlier is None:
        claim = IntakeRequest(
            idempotency_key=key,
            body_digest=digest,
            received_at=received_at,
            tracking_no=new_tracking_no(received_at, DISPLAY_TZ),
        )
        session.add(claim)
        try:
            await session.commit()
            return claim.tracking_no, claim.received_at
        except IntegrityError:  # the same key sent twice at once: the other request won
            await session.rollback()
            earlier = await session.get(IntakeRequest, key)
    if earlier is None or earlier.body_digest != digest:
        raise _reused()
    return earlier.tracking_no, earlier.received_at
