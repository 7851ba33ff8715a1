"""Verification and evaluation tasks: each party sees and answers only its own."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic import BaseModel
from sqlalchemy import func, select

from api.deps import Principal, SessionDep, SettingsDep, TemporalDep, require
from api.idempotency import request_id as idempotent
from api.schemas import ActionAccepted, EvaluationIn, LocalTime, Output, Page, VerificationIn
from api.signals import query, send
from db.models import Task
from domain.enums import Role, TaskKind, TaskStatus
from domain.messages import Command, EvaluationResult, TaskRecord, VerificationResult

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

READERS = (Role.INVESTIGATOR, Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


class TaskItem(Output):
    task_id: str
    kind: str
    tracking_no: str
    enterprise_code: str
    status: str
    assignee_id: str
    opens_at: LocalTime
    due: LocalTime
    result: dict[str, Any]


def _scope(principal: Principal) -> list[Any]:
    if principal.role is Role.EVALUATOR:
        return [Task.kind == TaskKind.EVALUATION.value, Task.assignee_id == principal.actor.org]
    if principal.role is Role.INVESTIGATOR:
        return [Task.kind == TaskKind.VERIFICATION.value, Task.assignee_id == principal.actor.id]
    return []


@router.get(
    "",
    response_model=Page[TaskItem],
    summary="Tasks: an agency's evaluations, an investigator's verifications",
)
async def list_tasks(
    session: SessionDep,
    principal: Principal = require(*READERS),
    kind: TaskKind | None = None,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[TaskItem]:
    where = _scope(principal)
    if kind is not None:
        where.append(Task.kind == kind.value)
    if status_ is not None:
        where.append(Task.status == status_.value)
    total = await session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    rows = (
        await session.execute(
            select(Task).where(*where).order_by(Task.due).offset((page - 1) * page_size).limit(page_size)
        )
    ).scalars()
    return Page[TaskItem](
        items=[TaskItem.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )


def _visible(row: Task, principal: Principal) -> bool:
    if principal.role is Role.EVALUATOR:
        return row.kind == TaskKind.EVALUATION.value and row.assignee_id == principal.actor.org
    if principal.role is Role.INVESTIGATOR:
        return row.kind == TaskKind.VERIFICATION.value and row.assignee_id == principal.actor.id
    return True


async def _task(session: SessionDep, task_id: str, principal: Principal) -> Task:
    row = await session.get(Task, task_id)
    if row is None or not _visible(row, principal):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no task {task_id}")
    return row


@router.get("/{task_id}", response_model=TaskItem, summary="A task: its kind, assignee, window and result")
async def get_task(task_id: str, session: SessionDep, principal: Principal = require(*READERS)) -> TaskItem:
    return TaskItem.model_validate(await _task(session, task_id, principal))


def _result_endpoint(
    kind: TaskKind, body_type: type[BaseModel], result: type[Command], role: Role, summary: str
) -> Callable[..., Any]:
    async def endpoint(
        task_id: str,
        body: body_type,  # type: ignore[valid-type]
        session: SessionDep,
        temporal: TemporalDep,
        settings: SettingsDep,
        response: Response,
        principal: Principal = require(role),
        idempotency_key: Annotated[str | None, Header(min_length=8, max_length=100)] = None,
    ) -> TaskItem | ActionAccepted:
        row = await _task(session, task_id, principal)  # before the key is kept: others' tasks are not there
        if row.kind != kind.value:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} task {task_id}")
        rid = await idempotent(session, principal, idempotency_key, f"{kind.value}:{task_id}", body)
        command = result(**body.model_dump(), request_id=rid, actor=principal.actor)  # type: ignore[attr-defined]
        sent = await send(
            temporal,
            task_id,
            signal="submit_result",
            command=command,
            check=principal.actor,
            wait_seconds=settings.action_wait_seconds,
        )
        if not sent.applied:
            response.status_code = status.HTTP_202_ACCEPTED
            return ActionAccepted(request_id=sent.request_id, detail="sent; the task has not applied it yet")
        record: TaskRecord = await query(
            temporal.get_workflow_handle(task_id), "task", result_type=TaskRecord
        )
        return TaskItem.model_validate(record, from_attributes=True)

    endpoint.__name__ = f"submit_{kind.value}"
    endpoint.__doc__ = summary
    return endpoint


RESULTS: list[tuple[TaskKind, type[BaseModel], type[Command], Role, str]] = [
    (TaskKind.EVALUATION, EvaluationIn, EvaluationResult, Role.EVALUATOR, "The agency hands in its survey"),
    (
        TaskKind.VERIFICATION,
        VerificationIn,
        VerificationResult,
        Role.INVESTIGATOR,
        "The investigator verifies the rectification",
    ),
]
for kind, body_type, result, role, summary in RESULTS:
    router.add_api_route(
        f"/{{task_id}}/{kind.value}",
        _result_endpoint(kind, body_type, result, role, summary),
        methods=["POST"],
        response_model=TaskItem,
        summary=summary,
        responses={202: {"model": ActionAccepted}, 409: {"description": "the task does not take it now"}},
    )
