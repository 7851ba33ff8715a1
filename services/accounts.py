"""Who am I, and what the system has told me."""

from typing import Any

from sqlalchemy import and_, or_, select

from db.models import NotificationRow
from domain.enums import RecipientKind, Role
from services.context import Context
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
    subject: str
    tracking_no: str
    recipient_kind: str
    recipient_ref: str
    created_at: LocalTime
    delivered_at: LocalTime | None


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


async def notifications(ctx: Context, *, principal: Principal, paging: PageRequest) -> Page[NotificationItem]:
    """The newest first."""
    statement = select(NotificationRow).where(_addressed_to(principal)).order_by(NotificationRow.id.desc())
    return await paginate(ctx.session, statement, paging, NotificationItem.model_validate)
