"""An enterprise's supervision record: its warnings, penalties, notices and commendations, the
ladder steps taken, and what can be read off it."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from domain.deadlines import Deadline
from domain.enums import PenaltyKind, PenaltyStatus, WarningStatus
from domain.ledger import Refusal
from domain.messages import Message
from domain.policy import Policy
from domain.supervision.messages import (
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    VerificationReport,
    ViolationReport,
)


class IssuedWarning(Message):
    id: str
    issued_at: datetime
    tracking_no: str
    cause: str
    violation_keys: list[str]
    internal: bool  # a minor problem: the enterprise rectifies internally
    # A substantiated complaint's warning is answered by the rectification its case orders;
    # any other warning orders a rectification report of its own, by `order_due`.
    order_in_case: bool = False
    order_due: Deadline | None = None
    report: OrderReport | None = None
    reported_at: datetime | None = None
    verification: OrderVerification | None = None
    status: WarningStatus = WarningStatus.ACTIVE
    ended_at: datetime | None = None


class Penalty(Message):
    id: str
    proposed_at: datetime
    trigger: str
    tracking_nos: list[str]
    violation_keys: list[str]
    kind: PenaltyKind
    amount: Decimal | None = None
    suspension_days: int | None = None
    illegal_income: Decimal | None = None
    statement_due: Deadline | None = None
    statement: Statement | None = None
    stated_at: datetime | None = None
    decision: PenaltyDecision | None = None
    decided_at: datetime | None = None
    status: PenaltyStatus = PenaltyStatus.PROPOSED
    notice_id: str | None = None
    verified_cases: list[str] = Field(default_factory=list)  # lifted once every case is rectified
    lifted_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.status in (PenaltyStatus.PROPOSED, PenaltyStatus.AWAITING_DECISION)

    def describe(self) -> str:
        if self.kind is PenaltyKind.FINE:
            return f"fine of {self.amount:,.0f} yuan"
        if self.kind is PenaltyKind.SUSPENSION:
            return f"suspension of sales for {self.suspension_days} days"
        return "revocation of the business licence"


class PublicNotice(Message):
    id: str
    penalty_id: str
    published_at: datetime
    title: str
    text: str


class Commendation(Message):
    """A positive evaluation: rectification verified."""

    at: datetime
    cause: str


class LadderStep(Message):
    at: datetime
    step: str
    detail: str
    policy_version: str
    report_key: str | None = None


class EnterpriseState(Message):
    credit_code: str
    name: str
    policy: Policy
    level: int = 0
    revision: int = 0
    violations: list[ViolationReport] = Field(default_factory=list)  # those within the repeat window
    service_quality_streak: int = 0
    warnings: list[IssuedWarning] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    notices: list[PublicNotice] = Field(default_factory=list)
    commendations: list[Commendation] = Field(default_factory=list)
    history: list[LadderStep] = Field(default_factory=list)
    reports_seen: list[str] = Field(default_factory=list)  # the latest report keys: a retry counts once
    pending: list[Annotated[ViolationReport | VerificationReport, Field(discriminator="type")]] = Field(
        default_factory=list
    )
    requests: dict[str, str] = Field(default_factory=dict)
    refusals: list[Refusal] = Field(default_factory=list)

    @property
    def public_name(self) -> str:
        """The registered name, or the code: a complainant's spelling is never published."""
        return self.name or f"enterprise {self.credit_code}"

    def warning(self, warning_id: str) -> IssuedWarning | None:
        return next((w for w in self.warnings if w.id == warning_id), None)

    def penalty(self, penalty_id: str) -> Penalty | None:
        return next((p for p in self.penalties if p.id == penalty_id), None)

    @property
    def active_warnings(self) -> list[IssuedWarning]:
        return [w for w in self.warnings if w.status is WarningStatus.ACTIVE]

    @property
    def standing_penalties(self) -> list[Penalty]:
        """Penalties proposed, awaiting decision, or confirmed and not lifted."""
        return [p for p in self.penalties if p.pending or p.status is PenaltyStatus.CONFIRMED]

    def deadlines(self) -> list[Deadline]:
        out = [w.order_due for w in self.warnings if w.order_due]
        return out + [p.statement_due for p in self.penalties if p.statement_due]
