"""A staff member's notifications: what the system told them, newest first, unread marked, each
in the page's words with a link to where it is acted on; and how they are told."""

import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from services import accounts
from services.accounts import PreferencesIn
from services.errors import NotFound
from services.fields import ROW_ID_MAX
from services.outputs import PageRequest
from web.core.forms import parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _list(page: Page, p: int, unread: bool, status: int = 200, problem: str = "") -> Response:
    assert page.user is not None
    listed = await accounts.notifications(
        page.ctx, principal=page.user, paging=PageRequest.within(p, 30), unread=unread
    )
    return page.render(
        "staff/notifications.html", status=status, listed=listed, only_unread=unread, problem=problem
    )


@router.get("/staff/notifications", response_class=HTMLResponse)
async def notifications(page: StaffPage, p: int = 1, unread: bool = False) -> Response:
    return await _list(page, p, unread)


@router.post("/staff/notifications/read", response_class=HTMLResponse)
async def mark_read(page: StaffPage) -> Response:
    """One notification read (its id in the form), or all of them."""
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _list(page, 1, False, status=400, problem=page._(EXPIRED))
    chosen = data.get("id")
    ids = None if chosen is None else [_row_id(str(chosen))]
    await accounts.mark_read(page.ctx, principal=page.user, ids=ids)
    return page.redirect("/staff/notifications")


def _row_id(text: str) -> int:
    """A notification's number as the form sends it; anything else names no notification."""
    if not re.fullmatch("[0-9]{1,19}", text) or not 1 <= int(text) <= ROW_ID_MAX:
        raise NotFound("no such notification")
    return int(text)


def _preferences_page(
    page: Page, values: FormData, errors: dict[str, str], status: int = 200, saved: bool = False
) -> Response:
    return page.render("staff/preferences.html", status=status, values=values, errors=errors, saved=saved)


@router.get("/staff/preferences", response_class=HTMLResponse)
async def preferences_form(page: StaffPage) -> Response:
    assert page.user is not None
    mine = accounts.preferences(page.user)
    fields: list[tuple[str, str | UploadFile]] = [
        ("email", mine.email or ""),
        ("phone", mine.phone or ""),
        ("locale", mine.locale),
    ]
    values = FormData(fields + [("channels", c) for c in mine.channels])
    return _preferences_page(page, values, {})


@router.post("/staff/preferences", response_class=HTMLResponse)
async def set_preferences(page: StaffPage) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return page.render(
            "staff/preferences.html", status=400, values=data, errors={}, saved=False, problem=page._(EXPIRED)
        )
    chosen, errors = parse(PreferencesIn, data, lists=["channels"])
    if chosen is None:
        return _preferences_page(page, data, page.errors(errors), status=422)
    await accounts.set_preferences(page.ctx, principal=page.user, chosen=chosen)
    return _preferences_page(page, data, {}, saved=True)
