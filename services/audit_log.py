"""The audit log, for auditors and admins: who did what to which object, and with what
outcome, newest first. Reading it is itself audited."""

import csv
import io
import logging
from collections.abc import AsyncIterator
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
    role: str | None = None  # the actor's role
    action: str | None = None  # found in the method and route, e.g. "findings" or "GET"
    reads: bool | None = None  # true: only reads of personal data; false: only writes

    def where(self) -> list[Any]:
        where: list[Any] = []
        if self.actor is not None:
            where.append(AuditEntry.actor_id == self.actor)
        if self.role is not None:
            where.append(AuditEntry.actor_role == self.role)
        if self.action is not None:
            where.append(AuditEntry.action.contains(self.action, autoescape=True))
        if self.reads is not None:  # a read is audited only when it reads personal data
            is_read = AuditEntry.action.startswith("GET ")
            where.append(is_read if self.reads else ~is_read)
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


def _checked(ctx: Context, principal: Principal, filters: AuditFilters) -> None:
    ctx.audit.personal_data_read()
    principal.require(READERS)
    if filters.since and filters.until and filters.since > filters.until:
        raise invalid("until", "must not be before since", where="query")


async def list_entries(
    ctx: Context, *, principal: Principal, filters: AuditFilters, paging: PageRequest
) -> Page[AuditEntryOut]:
    _checked(ctx, principal, filters)
    statement = select(AuditEntry).where(*filters.where()).order_by(AuditEntry.id.desc())
    return await paginate(ctx.session, statement, paging, AuditEntryOut.model_validate)


EXPORT_LIMIT = 100_000  # entries in one CSV: narrow the filters for more


def entries_csv(ctx: Context, *, principal: Principal, filters: AuditFilters) -> AsyncIterator[str]:
    """The entries the filters find, newest first, as CSV lines (the times in Beijing time):
    checked at once, then read in batches as they are written out, in a session of their own
    (the response outlives the request's)."""
    _checked(ctx, principal, filters)
    statement = select(AuditEntry).where(*filters.where()).order_by(AuditEntry.id.desc()).limit(EXPORT_LIMIT)

    async def lines() -> AsyncIterator[str]:
        yield _line(CSV_COLUMNS)
        async with ctx.resources.db.sessions() as session:
            result = await session.stream_scalars(statement.execution_options(yield_per=1000))
            async for entry in result:
                out = AuditEntryOut.model_validate(entry).model_dump(mode="json")
                yield _line([out[c] for c in CSV_COLUMNS])

    return lines()


CSV_COLUMNS = [
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "object_ref",
    "request_id",
    "outcome",
    "client",
    "detail",
]


def _line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()
