"""Who am I, and what the system has told me."""

from typing import Any

from pydantic import Field
from sqlalchemy import and_, func, or_, select

from db.models import Enterprise, NotificationRead, NotificationRow, utcnow
from db.writes import insert_missing
from domain.enums import RecipientKind, Role
from services.context import Context
from services.fields import Input
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal


class Me(Output):
    id: str
    username: str
    display_name: str
    role: str
    enterprise_code: str | None
    agency_id: str | None


class NotificationItem(Output):
    id: int
    topic: str
    subject: str  # as the workflow recorded it (English)
    tracking_no: str
    enterprise_code: str | None
    enterprise_name: str | None
    recipient_kind: str
    recipient_ref: str
    created_at: LocalTime
    delivered_at: LocalTime | None  # when the first of its e-mails (or other channels) went out
    read: bool


class Unread(Output):
    unread: int


class ReadIn(Input):
    """Which notifications were read: these, or (none given) every one of the reader's."""

    ids: list[int] | None = Field(default=None, max_length=500)


def me(principal: Principal) -> Me:
    return Me.model_validate(principal.account)


def _addressed_to(principal: Principal) -> Any:
    """The outbox entries for this account, its role, its enterprise or its agency."""
    actor = principal.actor

    def to(kind: RecipientKind, ref: str) -> Any:
        return and_(NotificationRow.recipient_kind == kind.value, NotificationRow.recipient_ref == ref)

    mine = [to(RecipientKind.ACCOUNT, actor.id), to(RecipientKind.ROLE, actor.role.value)]
    if actor.org and actor.role is Role.ENTERPRISE:
        mine.append(to(RecipientKind.ENTERPRISE, actor.org))
    if actor.org and actor.role is Role.EVALUATOR:
        mine.append(to(RecipientKind.AGENCY, actor.org))
    return or_(*mine)


def _item(row: Any) -> NotificationItem:
    n, name, read_at = row
    fields = {c: getattr(n, c) for c in NotificationItem.model_fields if hasattr(n, c)}
    return NotificationItem(**fields, enterprise_name=name, read=read_at is not None)


async def notifications(
    ctx: Context, *, principal: Principal, paging: PageRequest, unread: bool = False
) -> Page[NotificationItem]:
    """The newest first; only those not read yet, if asked."""
    read = and_(
        NotificationRead.notification_id == NotificationRow.id,
        NotificationRead.account_id == principal.actor.id,
    )
    statement = (
        select(NotificationRow, Enterprise.name, NotificationRead.read_at)
        .outerjoin(Enterprise, Enterprise.credit_code == NotificationRow.enterprise_code)
        .outerjoin(NotificationRead, read)
        .where(_addressed_to(principal))
        .order_by(NotificationRow.id.desc())
    )
    if unread:
        statement = statement.where(NotificationRead.read_at.is_(None))
    return await paginate(ctx.session, statement, paging, _item)


async def unread_count(ctx: Context, *, principal: Principal) -> Unread:
    read = and_(
        NotificationRead.notification_id == NotificationRow.id,
        NotificationRead.account_id == principal.actor.id,
    )
    statement = (
        select(func.count())
        .select_from(NotificationRow)
        .outerjoin(NotificationRead, read)
        .where(_addressed_to(principal), NotificationRead.read_at.is_(None))
    )
    return Unread(unread=await ctx.session.scalar(statement) or 0)


async def mark_read(ctx: Context, *, principal: Principal, ids: list[int] | None) -> Unread:
    """Mark these notifications read (all of the reader's, with None); others' are ignored."""
    statement = select(NotificationRow.id).where(_addressed_to(principal))
    if ids is not None:
        statement = statement.where(NotificationRow.id.in_(ids))
    mine = list(await ctx.session.scalars(statement))
    rows = [{"account_id": principal.actor.id, "notification_id": i, "read_at": utcnow()} for i in mine]
    for start in range(0, len(rows), 500):
        await insert_missing(
            ctx.session, NotificationRead, rows[start : start + 500], ["account_id", "notification_id"]
        )
    await ctx.session.commit()
    return await unread_count(ctx, principal=principal)
