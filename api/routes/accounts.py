"""Who am I, and what the system has told me: `GET /api/me`, `GET /api/notifications`."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.errors import answers
from services import accounts
from services.accounts import Me, NotificationItem, Preferences, PreferencesIn, ReadIn, Unread
from services.outputs import Page

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me", response_model=Me, responses=answers(401))
async def me(principal: SignedIn) -> Me:
    return accounts.me(principal)


@router.get("/me/preferences", response_model=Preferences, responses=answers(401, 403))
async def preferences(principal: SignedIn) -> Preferences:
    return accounts.preferences(principal)


@router.put(
    "/me/preferences",
    response_model=Preferences,
    responses=answers(401, 403),
    summary="How I am told of my notifications: my e-mail, my phone, my language, the channels",
)
async def set_preferences(ctx: ContextDep, principal: SignedIn, body: PreferencesIn) -> Preferences:
    return await accounts.set_preferences(ctx, principal=principal, chosen=body)


@router.get(
    "/notifications",
    response_model=Page[NotificationItem],
    responses=answers(401),
    summary="The outbox entries addressed to me, to my role, my enterprise or my agency",
)
async def notifications(
    ctx: ContextDep,
    principal: SignedIn,
    paging: Paging,
    unread: Annotated[bool, Query(description="only those not read yet")] = False,
) -> Page[NotificationItem]:
    return await accounts.notifications(ctx, principal=principal, paging=paging, unread=unread)


@router.get("/notifications/unread", response_model=Unread, responses=answers(401))
async def unread_count(ctx: ContextDep, principal: SignedIn) -> Unread:
    return await accounts.unread_count(ctx, principal=principal)


@router.post(
    "/notifications/read",
    response_model=Unread,
    responses=answers(401),
    summary="Mark my notifications read (these ids, or all); how many are left unread",
)
async def mark_read(ctx: ContextDep, principal: SignedIn, body: ReadIn) -> Unread:
    return await accounts.mark_read(ctx, principal=principal, ids=body.ids)
