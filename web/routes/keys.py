"""API keys on a page: an admin makes one for an account (shown once) and revokes any; everyone
else sees and revokes their own — the same rules as `/api/keys`."""

from dataclasses import replace
from datetime import datetime, time, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import Role
from services import auth
from services.errors import FieldError, Invalid, NotFound
from services.outputs import DISPLAY_TZ
from web.core.forms import day_in, parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _page(
    page: Page,
    *,
    status: int = 200,
    made: auth.NewKey | None = None,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    admin = page.user.role is Role.ADMIN
    return page.render(
        "staff/keys.html",
        status=status,
        keys=await auth.list_keys(page.ctx, principal=page.user),
        holders=await auth.key_holders(page.ctx, principal=page.user) if admin else [],
        admin=admin,
        made=made,
        errors=page.errors(errors or []),
        values=values or FormData(),
        problem=problem,
    )


@router.get("/staff/keys", response_class=HTMLResponse)
async def keys_page(page: StaffPage) -> Response:
    return await _page(page)


@router.post("/staff/keys", response_class=HTMLResponse)
async def make_key(page: StaffPage) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _page(page, status=400, problem=page._(EXPIRED))
    day_errors: list[FieldError] = []
    last_day = day_in(data, "expires_on", day_errors)
    if day_errors:
        return await _page(page, status=422, errors=day_errors, values=data)
    # The key works through the last day named, Beijing time.
    until = datetime.combine(last_day + timedelta(days=1), time(0), DISPLAY_TZ) if last_day else None
    fields = [(k, v) for k, v in data.multi_items() if k != "expires_on"]
    body, errors = parse(
        auth.KeyCreate, FormData(fields + ([("expires_at", until.isoformat())] if until else []))
    )
    if body is None:
        errors = [replace(e, field="expires_on") if e.field == "expires_at" else e for e in errors]
        return await _page(page, status=422, errors=errors, values=data)
    try:
        made = await auth.create_key(page.ctx, principal=page.user, body=body)
    except (Invalid, NotFound) as refused:
        reason = (
            refused.errors if isinstance(refused, Invalid) else [FieldError("account_id", "no such account")]
        )
        return await _page(page, status=422, errors=reason, values=data)
    return await _page(page, status=201, made=made)


@router.post("/staff/keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_key(page: StaffPage, key_id: str) -> Response:
    assert page.user is not None
    if not csrf_ok(page, await form(page.request)):
        return await _page(page, status=400, problem=page._(EXPIRED))
    await auth.revoke_key(page.ctx, principal=page.user, key_id=key_id)
    return page.redirect("/staff/keys")
