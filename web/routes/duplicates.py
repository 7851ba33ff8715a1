"""Possible duplicates on a page, for the supervisors: each case beside the earlier one it may
repeat, and the supervisor's decision: confirm (the case rejected as a duplicate of its
original) or dismiss (the two are different complaints, with why)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from services import duplicates
from services.errors import Conflict, FieldError
from services.fields import Input
from web.core.forms import key_of, new_key, parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Decision = Callable[[Any, str | None], Awaitable[None]]  # (the form's input, its Idempotency-Key)


async def _page(
    page: Page,
    *,
    status: int = 200,
    active: str = "",
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    shown = page.request.query_params.get("status", "open")
    return page.render(
        "staff/duplicates.html",
        status=status,
        pairs=await duplicates.pairs(
            page.ctx, principal=page.user, status=shown if shown in duplicates.STATUSES else "open"
        ),
        shown=shown,
        deciding=page.user.role in duplicates.DECIDERS,
        active=active,
        errors=page.errors(errors or []),
        values=values or page.empty,
        problem=problem,
        key=new_key(),
    )


@router.get("/staff/duplicates", response_class=HTMLResponse)
async def duplicates_page(page: StaffPage) -> Response:
    return await _page(page)


async def _decide(page: Page, tracking_no: str, model: type[Input], decide: Decision) -> Response:
    """The form read and checked, the decision taken; back to the list, or the form with why."""
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _page(page, status=400, problem=page._(EXPIRED))
    body, errors = parse(model, data)
    if body is None:
        return await _page(page, status=422, active=tracking_no, errors=errors, values=data)
    try:
        await decide(body, key_of(data))
    except Conflict as exc:
        return await _page(page, status=409, problem=exc.reason)
    return page.redirect("/staff/duplicates")


@router.post("/staff/duplicates/{tracking_no}/confirmation", response_class=HTMLResponse)
async def confirm(page: StaffPage, tracking_no: str) -> Response:
    assert page.user is not None
    user = page.user

    async def confirmed(body: Any, key: str | None) -> None:
        await duplicates.confirm(
            page.ctx, principal=user, tracking_no=tracking_no, body=body, idempotency_key=key
        )

    return await _decide(page, tracking_no, duplicates.ConfirmIn, confirmed)


@router.post("/staff/duplicates/{tracking_no}/dismissal", response_class=HTMLResponse)
async def dismiss(page: StaffPage, tracking_no: str) -> Response:
    assert page.user is not None
    user = page.user

    async def dismissed(body: Any, _key: str | None) -> None:
        await duplicates.dismiss(page.ctx, principal=user, tracking_no=tracking_no, body=body)

    return await _decide(page, tracking_no, duplicates.DismissIn, dismissed)
