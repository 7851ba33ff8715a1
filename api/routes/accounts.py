"""Who am I, and what the system has told me: `GET /api/me`, `GET /api/notifications`."""

from fastapi import APIRouter

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.errors import answers
from services import accounts
from services.accounts import Me, NotificationItem
from services.outputs import Page

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me", response_model=Me, responses=answers(401))
async def me(principal: SignedIn) -> Me:
    return accounts.me(principal)


@router.get(
    "/notifications",
    response_model=Page[NotificationItem],
    responses=answers(401),
    summary="The outbox entries addressed to me, to my role, my enterprise or my agency",
)
async def notifications(ctx: ContextDep, principal: SignedIn, paging: Paging) -> Page[NotificationItem]:
    return await accounts.notifications(ctx, principal=principal, paging=paging)
