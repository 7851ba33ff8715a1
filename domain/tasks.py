"""The two tasks a case hands out as child workflows: follow-up verification of a
rectification (an investigator) and third-party evaluation (an agency). Their inputs, the
results parties send, what the case learns back, and who may answer when."""

from datetime import datetime
from typing import Any

from pydantic import Field

from domain.deadlines import Deadline
from domain.enums import Role, TaskKind, TaskStatus
from domain.messages import Actor, Assignee, Command, Message

SCORES = range(1, 6)


def score_problem(name: str, value: int) -> str | None:
    if value not in SCORES:
        return f"{name}: must be from 1 to 5"
    return None


class VerificationResult(Command):
    texts = ("notes",)
    effective: bool
    notes: str


class EvaluationResult(Command):
    satisfaction: int  # 1-5
    service_attitude: int  # 1-5
    resolved: bool
    comment: str = ""

    def problem(self) -> str | None:
        return score_problem("satisfaction", self.satisfaction) or score_problem(
            "service_attitude", self.service_attitude
        )


class VerificationInput(Message):
    task_id: str
    tracking_no: str
    enterprise_code: str
    round: int
    investigator: Assignee
    opens: Deadline  # the check date: verification opens when it passes
    due: Deadline  # the investigator verifies by then


class EvaluationInput(Message):
    task_id: str
    tracking_no: str
    enterprise_code: str
    agency: Assignee
    due: Deadline


class VerificationOutcome(Message):
    task_id: str
    effective: bool
    notes: str
    by: Actor
    at: datetime
    late: bool = False


class EvaluationOutcome(Message):
    task_id: str
    agency: Assignee
    evaluated: bool
    result: EvaluationResult | None = None
    at: datetime


class TaskRecord(Message):
    """A child workflow's task as the read model shows it."""

    task_id: str
    kind: TaskKind
    tracking_no: str
    enterprise_code: str
    status: TaskStatus
    assignee_id: str  # agency id for an evaluation, account id for a verification
    opens_at: datetime
    due: datetime
    revision: int
    result: dict[str, Any] = Field(default_factory=dict)


# --- who may answer, and when ------------------------------------------------------------------


def verification_refusal(
    task: VerificationInput, status: TaskStatus, answered: bool, actor: Actor
) -> str | None:
    if answered:
        return "the verification result is already in"
    if actor.role is not Role.INVESTIGATOR:
        return f"verification is for the investigator, not the {actor.role}"
    if actor.id != task.investigator.id:
        return "this verification is assigned to another investigator"
    if status is not TaskStatus.OPEN:
        return f"verification opens {task.opens.due.isoformat()}"
    return None


def evaluation_refusal(task: EvaluationInput, status: TaskStatus, answered: bool, actor: Actor) -> str | None:
    if answered:
        return "the evaluation is already in"
    if status is not TaskStatus.OPEN:
        return "the evaluation is closed"
    if actor.role is not Role.EVALUATOR:
        return f"evaluation is for the third-party agency, not the {actor.role}"
    if actor.org != task.agency.id:
        return "this evaluation is assigned to another agency"
    return None
