"""Verification and evaluation tasks: each party sees and answers only its own."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.core.deps import ContextDep, IdempotencyKey, Paging, SignedIn
from api.core.errors import answers
from domain.enums import TaskKind, TaskStatus
from services import tasks
from services.outputs import ActionAccepted, Page
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


def _result_endpoint(kind: TaskKind) -> Callable[..., Any]:
    body_type = RESULTS[kind].body

    async def endpoint(
        task_id: str,
        body: body_type,  # type: ignore[valid-type]
        response: Response,
        ctx: ContextDep,
        principal: SignedIn,
        idempotency_key: IdempotencyKey = None,
    ) -> TaskItem | ActionAccepted:
        done = await tasks.submit_result(
            ctx, principal=principal, task_id=task_id, kind=kind, body=body, idempotency_key=idempotency_key
        )
        if isinstance(done, ActionAccepted):
            response.status_code = status.HTTP_202_ACCEPTED
        return done

    endpoint.__name__ = f"submit_{kind.value}"
    endpoint.__doc__ = RESULTS[kind].summary
    return endpoint


for kind in RESULTS:
    router.add_api_route(
        f"/{{task_id}}/{kind.value}",
        _result_endpoint(kind),
        methods=["POST"],
        response_model=TaskItem,
        summary=RESULTS[kind].summary,
        responses={202: {"model": ActionAccepted}, **answers(401, 403, 404, 409, 413, 503)},
    )
