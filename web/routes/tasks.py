"""A verification or a survey, as the investigator or the agency it is assigned to answers it."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import TaskKind
from services import tasks
from services.errors import Conflict, FieldError, Invalid
from web.core.forms import key_of, new_key, parse
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TaskId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{4,100}$")]


async def _task_page(
    page: Page,
    task_id: str,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    task = await tasks.get_task(page.ctx, principal=page.user, task_id=task_id)
    return page.render(
        "staff/task.html",
        status=status,
        task=task,
        errors=page.errors(errors or []),
        values=values or FormData(),
        problem=problem,
        key=new_key(),
        answerable=task.status == "open"
        and not task.result
        and page.user.role is tasks.RESULTS[TaskKind(task.kind)].role,
    )


@router.get("/staff/tasks/{task_id}", response_class=HTMLResponse)
async def task_page(page: StaffPage, task_id: TaskId) -> Response:
    return await _task_page(page, task_id)


@router.post("/staff/tasks/{task_id}", response_class=HTMLResponse)
async def answer(page: StaffPage, task_id: TaskId) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _task_page(page, task_id, status=400, problem=page._(EXPIRED))
    task = await tasks.get_task(page.ctx, principal=page.user, task_id=task_id)
    kind = TaskKind(task.kind)
    body, errors = parse(tasks.RESULTS[kind].body, data)
    if body is None:
        return await _task_page(page, task_id, status=422, errors=errors, values=data)
    try:
        await tasks.submit_result(
            page.ctx, principal=page.user, task_id=task_id, kind=kind, body=body, idempotency_key=key_of(data)
        )
    except Invalid as refused:
        return await _task_page(page, task_id, status=422, errors=refused.errors, values=data)
    except Conflict as refused:
        problem = page._("This cannot be done now: {reason}", reason=refused.reason)
        return await _task_page(page, task_id, status=409, problem=problem)
    return page.redirect(f"/staff/tasks/{task_id}")
