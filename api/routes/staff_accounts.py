"""The staff's accounts, for the admins: `/api/accounts`."""

from typing import Annotated, get_args

from fastapi import APIRouter, Path, Query, status

from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from services import staff_accounts
from services.staff_accounts import AccountChange, AccountCreate, AccountOut, NewPassword, StaffRole

router = APIRouter(prefix="/api/accounts", tags=["accounts"])
AccountId = Annotated[str, Path(min_length=1, max_length=40)]
ROLES = "^(" + "|".join(get_args(StaffRole)) + ")$"


@router.get("", response_model=list[AccountOut], responses=answers(401, 403), summary="Every account (admin)")
async def list_accounts(
    ctx: ContextDep,
    principal: SignedIn,
    role: Annotated[str | None, Query(pattern=ROLES, description="only this role's")] = None,
) -> list[AccountOut]:
    return await staff_accounts.list_accounts(ctx, principal=principal, role=role)


@router.post(
    "",
    response_model=NewPassword,
    status_code=status.HTTP_201_CREATED,
    responses=answers(401, 403, 409),
    summary="A new account (admin): its password is made for it and shown once",
)
async def create_account(body: AccountCreate, ctx: ContextDep, principal: SignedIn) -> NewPassword:
    return await staff_accounts.create_account(ctx, principal=principal, body=body)


@router.get("/{account_id}", response_model=AccountOut, responses=answers(401, 403, 404))
async def account(account_id: AccountId, ctx: ContextDep, principal: SignedIn) -> AccountOut:
    return await staff_accounts.account(ctx, principal=principal, account_id=account_id)


@router.patch(
    "/{account_id}",
    response_model=AccountOut,
    responses=answers(401, 403, 404, 409),
    summary="Change an account's name, role and organisation, or disable it (admin)",
)
async def change_account(
    account_id: AccountId, body: AccountChange, ctx: ContextDep, principal: SignedIn
) -> AccountOut:
    return await staff_accounts.change_account(ctx, principal=principal, account_id=account_id, body=body)


@router.post(
    "/{account_id}/password",
    response_model=NewPassword,
    responses=answers(401, 403, 404),
    summary="A new password for the account (admin), shown once; its logins end",
)
async def reset_password(account_id: AccountId, ctx: ContextDep, principal: SignedIn) -> NewPassword:
    return await staff_accounts.reset_password(ctx, principal=principal, account_id=account_id)
