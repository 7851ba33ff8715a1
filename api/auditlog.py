"""The audit log, for auditors and admins: who did what to which object, and with what
outcome, newest first. Reading it is itself audited."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from sqlalchemy import func, select

from api.audit import AuditedRead
from api.deps import Principal, SessionDep, require
from api.errors import invalid
from api.schemas import LocalTime, Output, Page
from db.models import AuditEntry
from domain.enums import Role

router = APIRouter(prefix="/api/audit-log", tags=["audit"])


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


@router.get("", response_model=Page[AuditEntryOut], summary="The audit log, newest first, with filters")
async def list_entries(
    session: SessionDep,
    _: AuditedRead,
    principal: Principal = require(Role.AUDITOR, Role.ADMIN),
    actor: Annotated[str | None, Query(max_length=40, description="an account id, or consumer")] = None,
    object_ref: Annotated[str | None, Query(max_length=100, description="a tracking no, code or id")] = None,
    request_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[AwareDatetime | None, Query(description="from this moment on")] = None,
    until: Annotated[AwareDatetime | None, Query(description="before this moment")] = None,
    refused: Annotated[bool | None, Query(description="true: only answers of 400 or more")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[AuditEntryOut]:
    if since and until and since >= until:
        raise invalid("until", "must be after since", where="query")
    where = []
    if actor is not None:
        where.append(AuditEntry.actor_id == actor)
    if object_ref is not None:
        where.append(AuditEntry.object_ref == object_ref)
    if request_id is not None:
        where.append(AuditEntry.request_id == request_id)
    if since is not None:
        where.append(AuditEntry.at >= since)
    if until is not None:
        where.append(AuditEntry.at < until)
    if refused is not None:
        where.append(AuditEntry.outcome >= 400 if refused else AuditEntry.outcome < 400)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = (
        await session.execute(
            select(AuditEntry)
            .where(*where)
            .order_by(AuditEntry.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )
