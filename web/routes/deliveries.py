"""The admins' view of where the notifications went: deliveries, dead letters and their
redelivery, and in development the mail the local sink received."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from domain.delivery import DeliveryStatus
from services import deliveries
from services.errors import Conflict
from services.fields import ROW_ID_MAX
from services.outputs import PageRequest
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _list(page: Page, p: int, status: str, *, code: int = 200, problem: str = "") -> Response:
    assert page.user is not None
    chosen = DeliveryStatus(status) if status in DeliveryStatus.__members__.values() else None
    listed = await deliveries.list_deliveries(
        page.ctx, principal=page.user, status=chosen, paging=PageRequest.within(p, 50)
    )
    development = page.ctx.settings.environment == "development"
    kept = deliveries.kept_mail(page.ctx, principal=page.user) if development else None
    texts = deliveries.kept_texts(page.ctx, principal=page.user) if development else None
    return page.render(
        "staff/deliveries.html",
        status=code,
        listed=listed,
        chosen=chosen.value if chosen else "",
        kept=kept,
        texts=texts,
        problem=problem,
    )


@router.get("/staff/deliveries", response_class=HTMLResponse)
async def deliveries_page(page: StaffPage, p: int = 1, status: str = "") -> Response:
    return await _list(page, p, status)


@router.post("/staff/deliveries/{delivery_id}/redeliver", response_class=HTMLResponse)
async def redeliver(page: StaffPage, delivery_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)]) -> Response:
    assert page.user is not None
    if not csrf_ok(page, await form(page.request)):
        return await _list(page, 1, "dead", code=400, problem=page._(EXPIRED))
    try:
        await deliveries.redeliver(page.ctx, principal=page.user, delivery_id=delivery_id)
    except Conflict:
        return await _list(page, 1, "", code=409, problem=page._("That delivery is not a dead letter."))
    return page.redirect("/staff/deliveries?status=pending")
