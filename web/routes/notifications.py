"""A staff member's notifications: what the system told them, newest first, unread marked, each
in the page's words with a link to where it is acted on."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services import accounts
from services.outputs import PageRequest
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _list(page: Page, p: int, unread: bool, status: int = 200, problem: str = "") -> Response:
    assert page.user is not None
    listed = await accounts.notifications(
        page.ctx, principal=page.user, paging=PageRequest(page=max(p, 1), page_size=30), unread=unread
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
    chosen = str(data.get("id", ""))
    ids = [int(chosen)] if chosen.isdigit() else None
    await accounts.mark_read(page.ctx, principal=page.user, ids=ids)
    return page.redirect("/staff/notifications")
