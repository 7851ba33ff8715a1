"""The audit log, for auditors and admins: who did what to which object, and with what
outcome, newest first. Reading it is itself audited."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from db.models import AuditEntry
from domain.enums import Role
from services.context import Audit, Context, Resources
from services.errors import invalid
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal

READERS = frozenset({Role.AUDITOR, Role.ADMIN})
log = logging.getLogger("aftersales.audit")


async def record(
    resources: Resources,
    note: Audit,
    *,
    action: str,
    object_ref: str,
    request_id: str,
    outcome: int,
    client: str,
) -> bool:
    """Write one entry in its own transaction; False (and logged) if it could not be written."""
    actor = note.actor
    entry = AuditEntry(
        actor_id=actor.id if actor else "anonymous",
        actor_role=actor.role.value if actor else "anonymous",
        action=action[:120],
        object_ref=object_ref[:100],
        request_id=request_id,
        outcome=outcome,
        client=client[:64],
        detail=note.detail[:1000],
    )
    try:
        async with resources.db.transaction() as session:
            session.add(entry)
    except Exception:
        log.exception("audit entry not written: %s %s by %s", entry.action, entry.object_ref, entry.actor_id)
        return False
    return True


class AuditEntryOut(Output):
    id: int
    at: LocalTime
    actor_id: str
    actor_role: str
    action: str  # method and route, e.g. POST /api/complaints/{tracking_no}/response
    object_ref: str
    request_id: str
    outcome: int  # the HTTP status answered
    client: str
    detail: str


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # an account id, or consumer
    object_ref: str | None = None  # a tracking no, code or id
    request_id: str | None = None
    since: datetime | None = None  # from this moment on
    until: datetime | None = None  # before this moment
    refused: bool | None = None  # true: only answers of 400 or more

    def where(self) -> list[Any]:
        where: list[Any] = []
        if self.actor is not None:
            where.append(AuditEntry.actor_id == self.actor)
        if self.object_ref is not None:
            where.append(AuditEntry.object_ref == self.object_ref)
        if self.request_id is not None:
            where.append(AuditEntry.request_id == self.request_id)
        if self.since is not None:
            where.append(AuditEntry.at >= self.since)
        if self.until is not None:
            where.append(AuditEntry.at < self.until)
        if self.refused is not None:
            where.append(AuditEntry.outcome >= 400 if self.refused else AuditEntry.outcome < 400)
        return where


async def list_entries(
    ctx: Context, *, principal: Principal, filters: AuditFilters, paging: PageRequest
) -> Page[AuditEntryOut]:
    ctx.audit.personal_data_read()
    principal.require(READERS)
    if filters.since and filters.until and filters.since > filters.until:
        raise invalid("until", "must not be before since", where="query")
    statement = select(AuditEntry).where(*filters.where()).order_by(AuditEntry.id.desc())
    return await paginate(ctx.session, statement, paging, AuditEntryOut.model_validate)
