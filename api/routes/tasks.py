"""Verification and evaluation tasks: each party sees and answers only its own."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.core.actions import Perform, add_action_route
from api.core.deps import ContextDep, Paging, SignedIn, signed_in
from api.core.errors import answers
from domain.enums import TaskKind, TaskStatus
from services import tasks
from services.context import Context
from services.outputs import Page
from services.principal import Principal
from services.tasks import RESULTS, TaskItem

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


@router.get(
    "",
    response_model=Page[TaskItem],
    responses=answers(401, 403),
    summary="Tasks: an agency's evaluations, an investigator's verifications",
)
async def list_tasks(
    ctx: ContextDep,
    principal: SignedIn,
    paging: Paging,
    kind: TaskKind | None = None,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
) -> Page[TaskItem]:
    return await tasks.list_tasks(ctx, principal=principal, kind=kind, status=status_, paging=paging)


@router.get(
    "/{task_id}",
    response_model=TaskItem,
    responses=answers(401, 403, 404),
    summary="A task: its kind, assignee, window and result",
)
async def get_task(task_id: str, ctx: ContextDep, principal: SignedIn) -> TaskItem:
    return await tasks.get_task(ctx, principal=principal, task_id=task_id)


def _task(task_id: str) -> str:
    return task_id


def _perform(kind: TaskKind) -> Perform:
    def perform(ctx: Context, principal: Principal, task_id: str, body: Any, key: str | None) -> Any:
        return tasks.submit_result(
            ctx, principal=principal, task_id=task_id, kind=kind, body=body, idempotency_key=key
        )

    return perform


for kind in RESULTS:
    add_action_route(
        router,
        f"/{{task_id}}/{kind.value}",
        name=f"submit_{kind.value}",
        summary=RESULTS[kind].summary,
        body=RESULTS[kind].body,
        target=_task,
        caller=signed_in,
        perform=_perform(kind),
        response_model=TaskItem,
    )
