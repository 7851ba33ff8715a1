"""Verification and evaluation tasks: each party sees and answers only its own."""

from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import select

from db.models import Complaint, Task
from domain.enums import Role, TaskKind, TaskStatus
from domain.messages import Command
from domain.tasks import EvaluationResult, VerificationResult
from services import cases
from services.context import Context
from services.errors import NotFound
from services.fields import Comment, Input, LongText
from services.idempotency import request_id
from services.outputs import ActionAccepted, LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from services.shown import shown
from services.signals import send
from workflows.evaluation import EvaluationWorkflow
from workflows.verification import VerificationWorkflow

READERS = frozenset({Role.INVESTIGATOR, Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


class VerificationIn(Input):
    effective: bool
    notes: LongText


class EvaluationIn(Input):
    satisfaction: int = Field(ge=1, le=5)
    service_attitude: int = Field(ge=1, le=5)
    resolved: bool
    comment: Comment = ""


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


@dataclass(frozen=True)
class TaskResult:
    body: type[Input]
    command: type[Command]
    workflow: type
    role: Role
    summary: str


RESULTS: dict[TaskKind, TaskResult] = {
    TaskKind.EVALUATION: TaskResult(
        EvaluationIn, EvaluationResult, EvaluationWorkflow, Role.EVALUATOR, "The agency hands in its survey"
    ),
    TaskKind.VERIFICATION: TaskResult(
        VerificationIn,
        VerificationResult,
        VerificationWorkflow,
        Role.INVESTIGATOR,
        "The investigator verifies the rectification",
    ),
}


def _scope(principal: Principal) -> list[Any]:
    where = []
    if principal.bureau is not None:  # staff: the tasks of their bureau's cases
        where.append(
            Task.tracking_no.in_(select(Complaint.tracking_no).where(cases.in_area(principal.bureau)))
        )
    if principal.role is Role.EVALUATOR:
        return [Task.kind == TaskKind.EVALUATION.value, Task.assignee_id == principal.org]
    if principal.role is Role.INVESTIGATOR:
        return [*where, Task.kind == TaskKind.VERIFICATION.value, Task.assignee_id == principal.actor.id]
    return where


def _visible(row: Task, principal: Principal) -> bool:
    if principal.role is Role.EVALUATOR:
        return row.kind == TaskKind.EVALUATION.value and row.assignee_id == principal.org
    if principal.role is Role.INVESTIGATOR:
        return row.kind == TaskKind.VERIFICATION.value and row.assignee_id == principal.actor.id
    return True


async def list_tasks(
    ctx: Context,
    *,
    principal: Principal,
    kind: TaskKind | None,
    status: TaskStatus | None,
    paging: PageRequest,
) -> Page[TaskItem]:
    """An agency's evaluations, an investigator's verifications; all for oversight. Soonest due first."""
    principal.require(READERS)
    where = _scope(principal)
    if kind is not None:
        where.append(Task.kind == kind.value)
    if status is not None:
        where.append(Task.status == status.value)
    return await paginate(
        ctx.session, select(Task).where(*where).order_by(Task.due), paging, TaskItem.model_validate
    )


async def _visible_task(ctx: Context, principal: Principal, task_id: str) -> Task:
    row = await ctx.session.get(Task, task_id)
    case = await ctx.session.get(Complaint, row.tracking_no) if row is not None else None
    if (
        row is None
        or not _visible(row, principal)
        or (case is not None and not principal.covers(case.bureau_code))
    ):
        raise NotFound(f"no task {task_id}")
    return row


async def get_task(ctx: Context, *, principal: Principal, task_id: str) -> TaskItem:
    principal.require(READERS)
    return TaskItem.model_validate(await _visible_task(ctx, principal, task_id))


async def submit_result(
    ctx: Context,
    *,
    principal: Principal,
    task_id: str,
    kind: TaskKind,
    body: Input,
    idempotency_key: str | None,
) -> TaskItem | ActionAccepted:
    """The agency's survey or the investigator's verification, to the task's workflow."""
    spec = RESULTS[kind]
    principal.require([spec.role])
    row = await _visible_task(ctx, principal, task_id)  # before the key is kept: others' tasks are not there
    if row.kind != kind.value:
        raise NotFound(f"no {kind} task {task_id}")
    rid, fresh = await request_id(ctx.session, principal, idempotency_key, f"{kind.value}:{task_id}", body)
    handle = ctx.temporal.get_workflow_handle(task_id)
    await ctx.release()
    sent = await send(
        handle,
        spec.workflow,
        signal=spec.workflow.submit_result,  # type: ignore[attr-defined]
        command=spec.command(**body.model_dump(), request_id=rid, actor=principal.actor),
        check=principal.actor,
        wait_seconds=ctx.settings.action_wait_seconds,
        fresh=fresh,
    )
    if not sent.applied:
        return ActionAccepted(request_id=sent.request_id, detail="sent; the task has not applied it yet")
    await shown(ctx, Task, task_id, sent.view.revision)
    return TaskItem.model_validate(sent.view, from_attributes=True)
