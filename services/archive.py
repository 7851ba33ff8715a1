"""The history archive: closed cases' Temporal histories, hash-chained; auditors verify it."""

import json
from typing import Any

from sqlalchemy import select

from db import archive
from db.models import HistoryArchiveEntry
from domain.enums import Role
from services.context import Context
from services.errors import NotFound
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
VERIFIERS = frozenset({Role.AUDITOR, Role.ADMIN})


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


async def verify(ctx: Context, *, principal: Principal, head: str | None) -> ChainOut:
    """Check every entry: none edited, reordered or deleted (nor cut from the end, given a head)."""
    principal.require(VERIFIERS)
    report = await archive.verify(ctx.session, head)
    return ChainOut(entries=report.entries, intact=report.intact, problems=report.problems, head=report.head)


async def list_entries(ctx: Context, *, principal: Principal, paging: PageRequest) -> Page[EntryOut]:
    principal.require(READERS)
    statement = select(HistoryArchiveEntry).order_by(HistoryArchiveEntry.seq)
    return await paginate(ctx.session, statement, paging, EntryOut.model_validate)


async def get_entry(ctx: Context, *, principal: Principal, tracking_no: str) -> dict[str, Any]:
    """A case's archived histories, payloads as Temporal holds them: an audited read."""
    ctx.audit.personal_data_read()
    principal.require(READERS)
    row = (
        await ctx.session.execute(
            select(HistoryArchiveEntry).where(HistoryArchiveEntry.tracking_no == tracking_no)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"case {tracking_no} is not archived")
    content: dict[str, Any] = json.loads(row.content)
    return {"seq": row.seq, "entry_hash": row.entry_hash, "content_sha256": row.content_sha256, **content}
