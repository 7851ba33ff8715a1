"""Cases: the queue, one case as its reader may see it, its history, and every action on it.
Each checks the role and the object: another party's case is not there."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Select, and_, func, select, true

from db.models import INBOX_ORDER, QUEUE_ORDER, CaseEventRow, Complaint, Enterprise
from domain.bureaus import TOP, Routing, area_prefix
from domain.complaint.io import ActionCheck
from domain.complaint.messages import Transfer
from domain.complaint.rules import roles_for
from domain.complaint.state import CaseState
from domain.enums import Action, CaseStatus, Category, Channel, Priority, Role, Severity
from domain.files import FileRef
from domain.ids import complaint_workflow_id
from services.actions import ACTIONS
from services.case_view import FULL_CONTACT, CaseView, case_view
from services.context import Context, Resources
from services.errors import Conflict, Forbidden, NotFound, Unavailable, invalid
from services.history import CaseHistory, case_history
from services.idempotency import request_id
from services.outputs import ActionAccepted, LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from services.shown import shown
from services.signals import query, send
from workflows.complaint import ComplaintWorkflow

READERS = frozenset(
    {Role.CLERK, Role.ENTERPRISE, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}
)
HISTORY_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
SEE_EVERY_CASE = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


class CaseListItem(Output):
    tracking_no: str
    status: str
    channel: str
    category: str
    severity: str
    priority: str
    enterprise_code: str
    enterprise_name: str
    region_code: str
    bureau_code: str | None = Field(description="the bureau that handles it (its division code)")
    product_name: str
    consumer_name: str
    consumer_phone: str
    received_at: LocalTime
    response_due: LocalTime | None
    resolution_due: LocalTime | None
    next_due: LocalTime | None
    escalation_level: int
    overdue: bool
    investigator_id: str | None
    outcome: str | None
    enterprise_revoked: bool = Field(description="filed against an enterprise whose licence is revoked")


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    enterprise: str | None = None  # credit code
    overdue: bool | None = None
    priority: Priority | None = None
    region: str | None = None  # division code
    bureau: str | None = None  # a bureau's division code: the cases of its area
    category: Category | None = None
    open: bool | None = None  # not closed; or closed
    severity: Severity | None = None
    escalated: int | None = None  # at this escalation level or above
    channel: Channel | None = None
    since: datetime | None = None  # received from this moment on
    until: datetime | None = None  # received before this moment

    def where(self) -> list[Any]:
        where: list[Any] = []
        if self.severity is not None:
            where.append(Complaint.severity == self.severity.value)
        if self.escalated is not None:
            where.append(Complaint.escalation_level >= self.escalated)
        if self.channel is not None:
            where.append(Complaint.channel == self.channel.value)
        if self.since is not None:
            where.append(Complaint.received_at >= self.since)
        if self.until is not None:
            where.append(Complaint.received_at < self.until)
        if self.open is not None:
            closed = Complaint.status == CaseStatus.CLOSED.value
            where.append(~closed if self.open else closed)
        if self.status is not None:
            where.append(Complaint.status == self.status.value)
        if self.enterprise:
            where.append(Complaint.enterprise_code == self.enterprise)
        if self.overdue is not None:
            where.append(Complaint.overdue.is_(self.overdue))
        if self.priority is not None:
            where.append(Complaint.priority == self.priority.value)
        if self.region:
            where.append(Complaint.region_code == self.region)
        if self.bureau:
            where.append(in_area(self.bureau))
        if self.category is not None:
            where.append(Complaint.category == self.category.value)
        return where


def scope(principal: Principal) -> list[Any]:
    """The cases a reader may see at all: staff, those of their bureau's area."""
    where = [in_area(principal.bureau)] if principal.bureau is not None else []
    if principal.role is Role.ENTERPRISE:
        return [Complaint.enterprise_code == principal.org]
    if principal.role is Role.INVESTIGATOR:
        return [*where, Complaint.investigator_id == principal.actor.id]
    return where


def in_area(bureau: str) -> Any:
    """The cases a bureau's area holds."""
    return Complaint.bureau_code.startswith(area_prefix(bureau), autoescape=True)


def enterprise_in_area(bureau: str) -> Any:
    """The enterprises a bureau's area holds: those the registry places in it. The top's holds
    every enterprise."""
    area = area_prefix(bureau)
    if not area:
        return true()
    return and_(Enterprise.registered, Enterprise.region_code.startswith(area, autoescape=True))


def visible(row: Complaint, principal: Principal) -> bool:
    role = principal.role
    return principal.covers(row.bureau_code) and (
        role in SEE_EVERY_CASE
        or (role is Role.CONSUMER and principal.org == row.tracking_no)
        or (role is Role.ENTERPRISE and row.enterprise_code == principal.org)
        or (role is Role.INVESTIGATOR and row.investigator_id == principal.actor.id)
    )


def _list_item(row: Any) -> CaseListItem:
    case, name = row
    fields = {
        c.key: getattr(case, c.key) for c in Complaint.__table__.columns if c.key in CaseListItem.model_fields
    }
    return CaseListItem(
        **fields,
        enterprise_name=name,
        consumer_name=case.consumer_name_masked,
        consumer_phone=case.consumer_phone_masked,
    )


async def queue(
    ctx: Context,
    *,
    principal: Principal,
    filters: CaseFilters,
    paging: PageRequest,
    nearest_first: bool = False,
) -> Page[CaseListItem]:
    """The cases the reader may see, in queue order: priority, then the nearest deadline; or,
    for an inbox, the nearest deadline first whatever the priority."""
    principal.require(READERS)
    return await paginate(ctx.session, queue_statement(principal, filters, nearest_first), paging, _list_item)


def queue_statement(
    principal: Principal, filters: CaseFilters, nearest_first: bool
) -> Select[Complaint, str]:
    """The reader's cases with their enterprise's name, in the queue's or an inbox's order."""
    return (
        select(Complaint, Enterprise.name)
        .join(Enterprise, Enterprise.credit_code == Complaint.enterprise_code)
        .where(*scope(principal), *filters.where())
        .order_by(*(INBOX_ORDER if nearest_first else QUEUE_ORDER))
    )


class QueueCounts(Output):
    """How many cases the filters find, and how many of them by status, priority and overdue."""

    total: int
    status: dict[str, int]
    priority: dict[str, int]
    overdue: int


async def queue_counts(ctx: Context, *, principal: Principal, filters: CaseFilters) -> QueueCounts:
    principal.require(READERS)
    where = [*scope(principal), *filters.where()]
    counted: dict[str, dict[str, int]] = {}
    for name, column in (("status", Complaint.status), ("priority", Complaint.priority)):
        found = await ctx.session.execute(select(column, func.count()).where(*where).group_by(column))
        counted[name] = {value: n for value, n in found.all()}
    overdue = await ctx.session.scalar(
        select(func.count()).select_from(Complaint).where(*where, Complaint.overdue.is_(True))
    )
    return QueueCounts(
        total=sum(counted["status"].values()),
        status=counted["status"],
        priority=counted["priority"],
        overdue=overdue or 0,
    )


# What a consumer follows of its case; staff read every event.
CONSUMER_EVENTS = frozenset(
    {
        "received",
        "triaged",
        "forwarded",
        "enterprise_revoked",
        "responded",
        "proposed",
        "accepted",
        "deemed_accepted",
        "disputed",
        "escalated",
        "investigation_opened",
        "findings",
        "rectification_ordered",
        "rectification_submitted",
        "verified",
        "evaluated",
        "closed",
    }
)


class EventOut(Output):
    at: LocalTime
    kind: str
    summary: str


async def timeline(ctx: Context, *, principal: Principal, tracking_no: str) -> list[EventOut]:
    """What happened in the case, oldest first, as the read model recorded it; a consumer sees
    the steps that concern them."""
    await visible_case(ctx, principal, tracking_no)
    statement = (
        select(CaseEventRow)
        .where(CaseEventRow.tracking_no == tracking_no)
        .order_by(CaseEventRow.at, CaseEventRow.id)
    )
    rows = (await ctx.session.execute(statement)).scalars()
    consumer = principal.role is Role.CONSUMER
    return [
        EventOut(at=r.at, kind=r.kind, summary=r.summary)
        for r in rows
        if not consumer or r.kind in CONSUMER_EVENTS
    ]


async def revisions(
    resources: Resources, *, principal: Principal, tracking_no: str, seconds: float, every: float = 2.0
) -> AsyncIterator[int]:
    """The case's revision now, and again each time it changes, for `seconds`: what a page
    watches to show a change without a reload. Each look is its own short read."""
    loop = asyncio.get_running_loop()
    until, last = loop.time() + seconds, None
    while True:
        async with resources.db.sessions() as session:
            row = await visible_case(Context(resources, session), principal, tracking_no)
            revision = row.revision
        if revision != last:
            last = revision
            yield revision
        if loop.time() + every > until:
            return
        await asyncio.sleep(every)


async def queue_revision(ctx: Context, *, principal: Principal) -> int:
    """The number of the reader's cases and the sum of their revisions: it grows with every case
    filed and every step of one."""
    principal.require(READERS)
    return int(await ctx.session.scalar(revision_statement(principal)) or 0)


def revision_statement(principal: Principal) -> Select[int]:
    """The count and the sum of the revisions of the reader's cases, in one value."""
    return select(func.count() + func.coalesce(func.sum(Complaint.revision), 0)).where(*scope(principal))


async def queue_revisions(
    resources: Resources, *, principal: Principal, seconds: float, every: float = 2.0
) -> AsyncIterator[int]:
    """The reader's queue's revision now, and again each time it changes, for `seconds`."""
    loop = asyncio.get_running_loop()
    until, last = loop.time() + seconds, None
    while True:
        async with resources.db.sessions() as session:
            revision = await queue_revision(Context(resources, session), principal=principal)
        if revision != last:
            last = revision
            yield revision
        if loop.time() + every > until:
            return
        await asyncio.sleep(every)


async def still_visible(ctx: Context, principal: Principal, tracking_no: str) -> bool:
    """Whether the reader may still see the case, as its workflow has it now: after a transfer
    the case's bureau is the new one (the read model follows a moment later)."""
    try:
        state = await _state(ctx, complaint_workflow_id(tracking_no))
    except Unavailable:
        return False
    routing = state.routing
    return routing is None or principal.covers(routing.bureau)


async def visible_case(ctx: Context, principal: Principal, tracking_no: str) -> Complaint:
    """The case's row, if this reader may see it; NotFound otherwise, without telling which."""
    row = await ctx.session.get(Complaint, tracking_no)
    if row is None or not visible(row, principal):
        raise NotFound(f"no case {tracking_no}")
    return row


async def _state(ctx: Context, workflow_id: str) -> CaseState:
    handle = ctx.temporal.get_workflow_handle(workflow_id)
    state: CaseState | None = await query(handle, ComplaintWorkflow.state)
    if state is None:
        raise Unavailable("the case is still being registered")
    return state


async def get_case(ctx: Context, *, principal: Principal, tracking_no: str) -> CaseView:
    row = await visible_case(ctx, principal, tracking_no)
    if principal.role in FULL_CONTACT:  # the consumer's details in full: an audited read
        ctx.audit.personal_data_read()
    return case_view(await _state(ctx, row.workflow_id), row.workflow_id, principal.actor)


async def get_history(ctx: Context, *, principal: Principal, tracking_no: str, raw: bool) -> CaseHistory:
    """The case's timeline from its Temporal history, with the raw history: an audited read."""
    row = await visible_case(ctx, principal, tracking_no)
    ctx.audit.personal_data_read()
    if principal.role not in HISTORY_READERS:
        raise Forbidden("case histories are for supervisors, admins and auditors")
    return await case_history(ctx.temporal, row.workflow_id, include_raw=raw)


def _bureaus_named(ctx: Context, row: Complaint, command: Transfer) -> Transfer:
    """A transfer with both bureaus as the bureaus file names them; refused by field if the target
    is no bureau the system serves, and as not fitting the case if it is the one handling it."""
    tree = ctx.settings.bureau_tree()
    target = tree.get(command.to_bureau)
    if target is None:
        raise invalid("to_bureau", "no such bureau in the bureaus the system serves")
    here = tree.competent(row.bureau_code) if row.bureau_code else tree.bureaus[TOP]
    if target.code == here.code:
        raise Conflict(f"bureau {target.code} handles the case now")
    origin = Routing(bureau=here.code, name=here.name, rule="division", reason="", above=here.parent)
    why = f"transferred from bureau {here.code}: {command.reason}"
    moved = Routing(bureau=target.code, name=target.name, rule="transfer", reason=why, above=target.parent)
    return command.model_copy(update={"target": moved, "origin": origin})


async def act(
    ctx: Context,
    *,
    principal: Principal,
    tracking_no: str,
    action: Action,
    body: Any,
    idempotency_key: str | None,
    files: list[FileRef] | None = None,
) -> CaseView | ActionAccepted:
    """Take `action` on the case: the workflow applies it, or refuses it with the reason. The
    files handed in with it (`services.files.receive`) go in its command, and so in the history."""
    row = await visible_case(ctx, principal, tracking_no)
    principal.require(roles_for(action), what=action)
    spec = ACTIONS[action]
    rid, fresh = await request_id(ctx.session, principal, idempotency_key, f"{action}:{tracking_no}", body)
    command = spec.command(body, rid, principal.actor)
    if isinstance(command, Transfer):
        command = _bureaus_named(ctx, row, command)
    if files:
        if "files" not in type(command).model_fields:
            raise invalid("files", f"{action} takes no files")
        command = command.model_copy(update={"files": files})
    handle = ctx.temporal.get_workflow_handle(row.workflow_id)
    await ctx.release()
    sent = await send(
        handle,
        ComplaintWorkflow,
        signal=spec.signal,
        command=command,
        check=ActionCheck(action=action, actor=principal.actor),
        wait_seconds=ctx.settings.action_wait_seconds,
        fresh=fresh,
    )
    if not sent.applied:
        return ActionAccepted(request_id=sent.request_id, detail="sent; the case has not applied it yet")
    await shown(ctx, Complaint, tracking_no, sent.view.revision)
    return case_view(sent.view, row.workflow_id, principal.actor)
