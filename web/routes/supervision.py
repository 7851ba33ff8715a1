"""An enterprise's supervision record, as the enterprise reads and answers it: its warnings and
their rectification orders, its penalties with the statement window, the hearing it may ask
for, and what a fine leaves to pay."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import Role, SupervisionAction
from services import supervision
from services.errors import Conflict, FieldError, Invalid, NotFound
from services.fields import CreditCode
from web.core.forms import in_beijing, key_of, new_key, parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[CreditCode, Path()]
Target = Annotated[str, Path(pattern=r"^[WP][0-9]{1,4}$")]
STEPS = "|".join(a.value for a in SupervisionAction)  # whose step each is, the use case checks
BEIJING_TIMES = ("at", "held_at")  # datetime-local fields, read as Beijing time


async def _record_page(
    page: Page,
    code: str,
    *,
    status: int = 200,
    active: str = "",
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    record = await supervision.get_record(page.ctx, principal=page.user, code=code)
    return page.render(
        "staff/supervision.html",
        status=status,
        record=record,
        active=active,
        errors=page.errors(errors or []),
        values=values or FormData(),
        problem=problem,
        key=new_key(),
    )


@router.get("/staff/supervision", response_class=HTMLResponse)
async def own_record(page: StaffPage) -> Response:
    assert page.user is not None
    if page.user.role is not Role.ENTERPRISE or not page.user.org:
        raise NotFound("no supervision record of your own")
    return page.redirect(f"/staff/enterprises/{page.user.org}/supervision")


@router.get("/staff/enterprises/{code}/supervision", response_class=HTMLResponse)
async def record_page(page: StaffPage, code: Code) -> Response:
    return await _record_page(page, code)


@router.post("/staff/enterprises/{code}/supervision/{target}/{step}", response_class=HTMLResponse)
async def take_step(
    page: StaffPage, code: Code, target: Target, step: Annotated[str, Path(pattern=f"^({STEPS})$")]
) -> Response:
    assert page.user is not None
    action = SupervisionAction(step)
    data = await form(page.request)
    active = f"{target}-{step}"
    if not csrf_ok(page, data):
        return await _record_page(page, code, status=400, problem=page._(EXPIRED))
    body, errors = parse(supervision.ACTIONS[action].body, in_beijing(data, BEIJING_TIMES))
    if body is None:
        return await _record_page(page, code, status=422, active=active, errors=errors, values=data)
    try:
        await supervision.act(
            page.ctx,
            principal=page.user,
            code=code,
            action=action,
            target=target,
            body=body,
            idempotency_key=key_of(data),
        )
    except Invalid as refused:
        return await _record_page(page, code, status=422, active=active, errors=refused.errors, values=data)
    except Conflict as refused:
        problem = page._("This cannot be done now: {reason}", reason=refused.reason)
        return await _record_page(page, code, status=409, problem=problem)
    return page.redirect(f"/staff/enterprises/{code}/supervision")
