"""The staff's accounts on a page, for the admins: the list by role, a new account with its
password shown once, and each account's role, organisation, state and password — the same rules
as `/api/accounts`."""

from typing import get_args

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from services import staff_accounts
from services.errors import Conflict, FieldError, Invalid
from services.staff_accounts import AccountChange, AccountCreate, NewPassword, StaffRole
from web.core.forms import parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ROLES = get_args(StaffRole)


async def _list(
    page: Page,
    role: str = "",
    *,
    status: int = 200,
    made: NewPassword | None = None,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    chosen = role if role in ROLES else ""
    return page.render(
        "staff/accounts.html",
        status=status,
        accounts=await staff_accounts.list_accounts(page.ctx, principal=page.user, role=chosen or None),
        organisations=await staff_accounts.organisations(page.ctx, principal=page.user),
        roles=ROLES,
        chosen=chosen,
        made=made,
        errors=page.errors(errors or []),
        values=values or FormData(),
        problem=problem,
    )


async def _one(
    page: Page,
    account_id: str,
    *,
    status: int = 200,
    password: NewPassword | None = None,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    account = await staff_accounts.account(page.ctx, principal=page.user, account_id=account_id)
    shown = values or FormData(
        [
            (k, v)
            for k, v in account.model_dump().items()
            if k in ("display_name", "role", "enterprise_code", "agency_id", "bureau_code") and v
        ]
    )
    return page.render(
        "staff/account.html",
        status=status,
        account=account,
        organisations=await staff_accounts.organisations(page.ctx, principal=page.user),
        roles=ROLES,
        own=account.id == page.user.actor.id,
        password=password,
        errors=page.errors(errors or []),
        values=shown,
        problem=problem,
    )


@router.get("/staff/accounts", response_class=HTMLResponse)
async def accounts_page(page: StaffPage, role: str = "") -> Response:
    return await _list(page, role)


@router.post("/staff/accounts", response_class=HTMLResponse)
async def make_account(page: StaffPage) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _list(page, status=400, problem=page._(EXPIRED))
    body, errors = parse(AccountCreate, data)
    if body is None:
        return await _list(page, status=422, errors=errors, values=data)
    try:
        made = await staff_accounts.create_account(page.ctx, principal=page.user, body=body)
    except Invalid as refused:
        return await _list(page, status=422, errors=refused.errors, values=data)
    except Conflict:
        taken = [FieldError("username", "is taken")]
        return await _list(page, status=409, errors=taken, values=data)
    return await _list(page, status=201, made=made)


@router.get("/staff/accounts/{account_id}", response_class=HTMLResponse)
async def account_page(page: StaffPage, account_id: str) -> Response:
    return await _one(page, account_id)


@router.post("/staff/accounts/{account_id}", response_class=HTMLResponse)
async def change_account(page: StaffPage, account_id: str) -> Response:
    """The name, the role and its organisation, as the form gives them."""
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _one(page, account_id, status=400, problem=page._(EXPIRED))
    body, errors = parse(AccountChange, data)
    if body is None:
        return await _one(page, account_id, status=422, errors=errors, values=data)
    return await _changed(page, account_id, body, data)


@router.post("/staff/accounts/{account_id}/state", response_class=HTMLResponse)
async def set_state(page: StaffPage, account_id: str) -> Response:
    """Disabled or enabled again."""
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _one(page, account_id, status=400, problem=page._(EXPIRED))
    return await _changed(page, account_id, AccountChange(active=data.get("active") == "true"), None)


async def _changed(page: Page, account_id: str, body: AccountChange, data: FormData | None) -> Response:
    assert page.user is not None
    try:
        await staff_accounts.change_account(page.ctx, principal=page.user, account_id=account_id, body=body)
    except Invalid as refused:
        return await _one(page, account_id, status=422, errors=refused.errors, values=data)
    except Conflict:
        own = page._("You may not disable your own account or give up your own role.")
        return await _one(page, account_id, status=409, problem=own)
    return page.redirect(f"/staff/accounts/{account_id}")


@router.post("/staff/accounts/{account_id}/password", response_class=HTMLResponse)
async def reset_password(page: StaffPage, account_id: str) -> Response:
    assert page.user is not None
    if not csrf_ok(page, await form(page.request)):
        return await _one(page, account_id, status=400, problem=page._(EXPIRED))
    made = await staff_accounts.reset_password(page.ctx, principal=page.user, account_id=account_id)
    return await _one(page, account_id, password=made)
