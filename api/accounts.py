"""Who am I, and what the system has told me: `GET /api/me`, `GET /api/notifications`."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, or_, select

from api.deps import SessionDep, SignedIn
from api.schemas import LocalTime, Output, Page
from db.models import NotificationRow

router = APIRouter(prefix="/api", tags=["accounts"])


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


@router.get("/me", response_model=Me)
async def me(principal: SignedIn) -> Me:
    return Me.model_validate(principal.account)


@router.get(
    "/notifications",
    response_model=Page[NotificationItem],
    summary="The outbox entries addressed to me, to my role, my enterprise or my agency",
)
async def notifications(
    principal: SignedIn,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[NotificationItem]:
    actor = principal.actor
    mine = [
        and_(NotificationRow.recipient_kind == "account", NotificationRow.recipient_ref == actor.id),
        and_(NotificationRow.recipient_kind == "role", NotificationRow.recipient_ref == actor.role.value),
    ]
    if actor.org and actor.role.value == "enterprise":
        mine.append(
            and_(NotificationRow.recipient_kind == "enterprise", NotificationRow.recipient_ref == actor.org)
        )
    if actor.org and actor.role.value == "evaluator":
        mine.append(
            and_(NotificationRow.recipient_kind == "agency", NotificationRow.recipient_ref == actor.org)
        )
    where = or_(*mine)
    total = await session.scalar(select(func.count()).select_from(NotificationRow).where(where)) or 0
    rows = (
        await session.execute(
            select(NotificationRow)
            .where(where)
            .order_by(NotificationRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    return Page[NotificationItem](
        items=[NotificationItem.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )
