"""The history archive: closed cases' Temporal histories, hash-chained; auditors verify it."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from api.audit import AuditedRead
from api.deps import Principal, SessionDep, require
from api.schemas import LocalTime, Output, Page
from db import archive
from db.models import HistoryArchiveEntry
from domain.enums import Role

router = APIRouter(prefix="/api/archive", tags=["archive"])
READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


class ChainOut(Output):
    entries: int
    intact: bool
    problems: list[str]
    head: str  # the last entry's hash: keep it, and pass it as `head` to a later verification


class EntryOut(Output):
    seq: int
    workflow_id: str
    tracking_no: str
    closed_at: LocalTime
    archived_at: LocalTime
    content_sha256: str
    entry_hash: str


@router.get(
    "/verify", response_model=ChainOut, summary="Check every entry: none edited, reordered or deleted"
)
async def verify(
    session: SessionDep,
    principal: Principal = require(Role.AUDITOR, Role.ADMIN),
    head: Annotated[
        str | None,
        Query(pattern="^[0-9a-f]{64}$", description="a head an earlier verification reported"),
    ] = None,
) -> ChainOut:
    report = await archive.verify(session, head)
    return ChainOut(entries=report.entries, intact=report.intact, problems=report.problems, head=report.head)


@router.get("", response_model=Page[EntryOut], summary="Archived cases, in the chain's order")
async def list_entries(
    session: SessionDep,
    principal: Principal = require(*READERS),
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[EntryOut]:
    total = await session.scalar(select(func.count()).select_from(HistoryArchiveEntry)) or 0
    rows = (
        await session.execute(
            select(HistoryArchiveEntry)
            .order_by(HistoryArchiveEntry.seq)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    return Page[EntryOut](
        items=[EntryOut.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )


@router.get("/{tracking_no}", summary="A case's archived histories (payloads as Temporal holds them)")
async def get_entry(
    tracking_no: str, session: SessionDep, _: AuditedRead, principal: Principal = require(*READERS)
) -> dict[str, Any]:
    row = (
        await session.execute(
            select(HistoryArchiveEntry).where(HistoryArchiveEntry.tracking_no == tracking_no)
        )
    ).scalar_one_or_none()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {tracking_no} is not archived")
    content: dict[str, Any] = json.loads(row.content)
    return {"seq": row.seq, "entry_hash": row.entry_hash, "content_sha256": row.content_sha256, **content}
