"""The history archive: closed cases' Temporal histories, hash-chained; auditors verify it."""

import json
from typing import Any

from sqlalchemy import select
from temporalio.client import ScheduleActionExecutionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode

from db import archive
from db.models import Complaint, HistoryArchiveEntry
from domain.enums import Role
from domain.ids import HISTORY_ARCHIVE
from services import cases
from services.context import Context
from services.errors import NotFound, Unavailable
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


class ArchiveRun(Output):
    started_at: LocalTime
    workflow_id: str
    run_id: str


class ArchiveSchedule(Output):
    """The hourly archiving: its last runs, newest first, and when it runs next."""

    recent: list[ArchiveRun]
    next_runs: list[LocalTime]
    paused: bool


async def schedule(ctx: Context, *, principal: Principal) -> ArchiveSchedule | None:
    """The archive Schedule as Temporal describes it; None where it has not been created (the
    worker creates it when it starts)."""
    principal.require(READERS)
    try:
        described = await ctx.temporal.get_schedule_handle(HISTORY_ARCHIVE).describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return None
        raise Unavailable(f"the archive schedule cannot be read: {exc.message}") from exc
    recent = [
        ArchiveRun(
            started_at=a.started_at, workflow_id=a.action.workflow_id, run_id=a.action.first_execution_run_id
        )
        for a in reversed(described.info.recent_actions)
        if isinstance(a.action, ScheduleActionExecutionStartWorkflow)
    ]
    return ArchiveSchedule(
        recent=recent,
        next_runs=list(described.info.next_action_times[:3]),
        paused=described.schedule.state.paused,
    )


async def verify(ctx: Context, *, principal: Principal, head: str | None) -> ChainOut:
    """Check every entry: none edited, reordered or deleted (nor cut from the end, given a head)."""
    principal.require(VERIFIERS)
    report = await archive.verify(ctx.session, head)
    return ChainOut(entries=report.entries, intact=report.intact, problems=report.problems, head=report.head)


async def chain_head(ctx: Context, *, principal: Principal) -> str:
    """The last entry's hash, as the chain stands now ("" while it is empty)."""
    principal.require(READERS)
    last = await ctx.session.scalar(
        select(HistoryArchiveEntry.entry_hash).order_by(HistoryArchiveEntry.seq.desc()).limit(1)
    )
    return last or ""


async def list_entries(ctx: Context, *, principal: Principal, paging: PageRequest) -> Page[EntryOut]:
    principal.require(READERS)
    statement = select(HistoryArchiveEntry).order_by(HistoryArchiveEntry.seq)
    if principal.bureau is not None:  # its area's cases
        area = select(Complaint.tracking_no).where(cases.in_area(principal.bureau))
        statement = statement.where(HistoryArchiveEntry.tracking_no.in_(area))
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
    case = await ctx.session.get(Complaint, tracking_no)
    if row is None or (
        principal.bureau is not None and (case is None or not principal.covers(case.bureau_code))
    ):
        raise NotFound(f"case {tracking_no} is not archived")
    content: dict[str, Any] = json.loads(row.content)
    return {"seq": row.seq, "entry_hash": row.entry_hash, "content_sha256": row.content_sha256, **content}
