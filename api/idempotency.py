"""Idempotency-Key on action endpoints: the same key with the same action and body is the
same request (the workflow applies its request id once); with anything else, a 422."""

import hashlib
import uuid

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from api.errors import invalid
from db.models import IdempotencyRecord
from domain.enums import Role


def owner(principal: Principal) -> str:
    """Keys are the caller's own; a consumer's are those of its case."""
    actor = principal.actor
    return f"consumer:{actor.org}" if actor.role is Role.CONSUMER else actor.id


async def request_id(
    session: AsyncSession, principal: Principal, key: str | None, scope: str, body: BaseModel
) -> str:
    """The signal's request id for this request: new without a key, the key's own with one."""
    mine = owner(principal)
    if key is None:
        return f"{mine}:{uuid.uuid4()}"
    digest = hashlib.sha256(f"{scope}\n{body.model_dump_json()}".encode()).hexdigest()
    for _ in range(2):
        record = await session.get(IdempotencyRecord, (mine, key))
        if record is not None:
            if (record.scope, record.body_digest) != (scope, digest):
                raise invalid("Idempotency-Key", "was used for another request", where="header")
            return record.request_id
        session.add(
            IdempotencyRecord(
                owner=mine, key=key, scope=scope, body_digest=digest, request_id=f"{mine}:{key}"
            )
        )
        try:
            await session.commit()
            return f"{mine}:{key}"
        except IntegrityError:  # the same key, sent twice at once: read the other one's
            await session.rollback()
    raise invalid("Idempotency-Key", "is being used by another request right now", where="header")
