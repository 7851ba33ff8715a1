"""What crosses a workflow's boundary: its input, its signals, its activities' arguments.

These models are data, not forms: the API validates what people send, and these keep what
was accepted. Unknown fields are ignored and every new field gets a default, so old
histories still decode.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import (
    Category,
    Channel,
    DeadlineKind,
    DesiredOutcome,
    Measure,
    Offence,
    RejectionReason,
    Role,
    TaskKind,
    TaskStatus,
    Verdict,
    ViolationKind,
)
from domain.policy import Window


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Actor(Message):
    id: str
    role: Role
    org: str | None = None  # an enterprise's credit code, an agency's id
    name: str = ""

    def label(self) -> str:
        return f"{self.role} {self.name or self.id}"


SYSTEM = Actor(id="system", role=Role.SYSTEM, name="the workflow")


class ConsumerDetails(Message):
    name: str
    phone: str
    id_number: str | None = None
    email: str | None = None
    address: str | None = None


class EnterpriseRef(Message):
    credit_code: str
    name: str


class ProductDetails(Message):
    name: str
    model: str | None = None
    purchase_date: date | None = None
    amount: Decimal | None = None


class ComplaintIntake(Message):
    tracking_no: str
    channel: Channel
    received_at: datetime
    recorded_by: Actor
    consumer: ConsumerDetails
    enterprise: EnterpriseRef
    product: ProductDetails
    region_code: str
    category: Category
    description: str
    desired_outcome: DesiredOutcome
    desired_outcome_detail: str = ""


# --- signals: each carries who sent it and a request id -----------------------------------


class Command(Message):
    request_id: str
    actor: Actor


class Respond(Command):
    message: str


class Propose(Command):
    measures: list[Measure]
    amount: Decimal | None = None
    detail: str


class Accept(Command):
    comment: str = ""


class Dispute(Command):
    reason: str


class Withdraw(Command):
    reason: str = ""


class Reject(Command):
    reason: RejectionReason
    duplicate_of: str | None = None
    note: str = ""


class Escalate(Command):
    reason: str


class RequestEvidence(Command):
    items: str


class SubmitEvidence(Command):
    description: str
    documents: list[str] = Field(default_factory=list)


class RecordSiteVisit(Command):
    visited_on: date
    location: str
    notes: str


class OrderedMeasure(Message):
    kind: Measure
    detail: str = ""
    amount: Decimal | None = None


class SubmitFindings(Command):
    verdict: Verdict
    offence: Offence | None = None
    measures: list[OrderedMeasure] = Field(default_factory=list)
    summary: str


class SubmitRectification(Command):
    cause_analysis: str
    improvement_measures: str
    implementation_effect: str


class VerificationResult(Command):
    effective: bool
    notes: str


class EvaluationResult(Command):
    satisfaction: int  # 1-5
    service_attitude: int  # 1-5
    resolved: bool
    comment: str = ""


# --- activity arguments and results ---------------------------------------------------------


class DeadlineRequest(Message):
    kind: DeadlineKind
    start: datetime
    round: int = 1
    window: Window | None = None  # instead of the policy's window for the kind


class Recipient(Message):
    kind: str  # role | account | enterprise | agency | consumer
    ref: str


class Notification(Message):
    key: str  # unique: a retried activity writes it once
    recipient: Recipient
    topic: str
    subject: str
    tracking_no: str = ""
    enterprise_code: str = ""


class CaseEvent(Message):
    seq: int
    at: datetime
    kind: str
    summary: str
    actor: Actor = SYSTEM
    data: dict[str, Any] = Field(default_factory=dict)


class ViolationRecord(Message):
    seq: int
    kind: ViolationKind
    at: datetime
    enterprise_code: str
    detail: str
    offence: Offence | None = None


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


class Assignee(Message):
    id: str
    name: str
