"""An enterprise's supervision record: its warnings, penalties, notices and commendations, the
ladder steps taken, and what can be read off it."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from domain.deadlines import Deadline, when
from domain.enums import DeadlineState, PenaltyKind, PenaltyStatus, WarningStatus
from domain.ledger import Refusal
from domain.messages import Message
from domain.policy import Policy
from domain.supervision.messages import (
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    SuspensionVerification,
    VerificationReport,
    ViolationReport,
    ViolationWithdrawal,
)


def _open(deadline: Deadline | None) -> bool:
    """A window still open: pending, or not yet computed (it was opened a moment ago)."""
    return deadline is None or deadline.state is DeadlineState.PENDING


class IssuedWarning(Message):
    id: str
    issued_at: datetime
    tracking_no: str
    cause: str
    violation_keys: list[str]
    grounds: list[str] = Field(default_factory=list)  # what it was issued for (see `ladder.ground`)
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


class Hearing(Message):
    """The enterprise's right to a hearing (听证), told with the proposal of a large fine, a
    suspension or a revocation: asked for within its window, then scheduled, held and recorded
    before the penalty is decided (Administrative Penalty Law art. 63-65)."""

    offered_at: datetime
    request_due: Deadline | None = None
    request: HearingRequest | None = None
    requested_at: datetime | None = None
    schedule: HearingSchedule | None = None
    scheduled_at: datetime | None = None
    record: HearingRecord | None = None
    recorded_at: datetime | None = None

    @property
    def open(self) -> bool:
        """The enterprise may still ask for it."""
        return self.request is None and _open(self.request_due)

    @property
    def awaited(self) -> bool:
        """Asked for and not yet held: the penalty waits for it."""
        return self.request is not None and self.record is None

    def outcome(self, tz: ZoneInfo) -> str:
        """How the right was used, as the decision records it; times in `tz`."""
        if self.record is not None:
            held = when(self.record.held_at.astimezone(tz))
            if not self.record.attended:
                return f"waived: the enterprise did not attend the hearing of {held}"
            officer = self.schedule.presiding_officer.name if self.schedule else ""
            return f"held {held}, presided over by {officer}: {self.record.opinion}"
        if self.request is not None:
            return "asked for; not yet held"
        return f"waived: not asked for by {when(self.request_due.due if self.request_due else None)}"


class Penalty(Message):
    id: str
    proposed_at: datetime
    trigger: str
    tracking_nos: list[str]
    violation_keys: list[str]
    grounds: list[str] = Field(default_factory=list)  # what it is for; each leads to one proposal
    investigators: list[str] = Field(default_factory=list)  # of its cases: none presides a hearing
    kind: PenaltyKind
    amount: Decimal | None = None
    suspension_days: int | None = None
    illegal_income: Decimal | None = None
    statement_due: Deadline | None = None
    statement: Statement | None = None
    stated_at: datetime | None = None
    hearing: Hearing | None = None  # offered where the law gives the right
    earlier_hearings: list[Hearing] = Field(default_factory=list)  # before a heavier amendment
    notified: list[str] = Field(default_factory=list)  # terms notified before an amendment renotified
    decision: PenaltyDecision | None = None
    decided_at: datetime | None = None
    hearing_outcome: str = ""  # at the decision
    status: PenaltyStatus = PenaltyStatus.PROPOSED
    notice_id: str | None = None
    verified_cases: list[str] = Field(default_factory=list)  # its cases whose rectification is verified
    payment_due: Deadline | None = None  # a fine
    payment: FinePayment | None = None
    paid_recorded_at: datetime | None = None
    surcharge: Decimal | None = None  # what was paid beyond the fine, for paying late
    term_due: Deadline | None = None  # a suspension's term
    verification: SuspensionVerification | None = None  # a supervisor's, of a suspension's rectification
    lifted_at: datetime | None = None
    ended_at: datetime | None = None  # superseded by a revocation

    @property
    def pending(self) -> bool:
        return self.status.pending

    @property
    def statement_open(self) -> bool:
        return self.statement is None and _open(self.statement_due)

    @property
    def rectified(self) -> bool:
        """Every case it concerns has its rectification verified (or a supervisor verified it)."""
        if self.verification is not None and self.verification.effective:
            return True
        return bool(self.tracking_nos) and set(self.verified_cases) >= set(self.tracking_nos)

    def describe(self) -> str:
        return describe(self.kind, self.amount, self.suspension_days)


def describe(kind: PenaltyKind, amount: Decimal | None, suspension_days: int | None) -> str:
    if kind is PenaltyKind.FINE:
        return f"fine of {amount:,.0f} yuan"
    if kind is PenaltyKind.SUSPENSION:
        return f"suspension of sales for {suspension_days} days"
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
    revoked_at: datetime | None = None  # the business licence revoked: the ladder has ended
    revision: int = 0
    violations: list[ViolationReport] = Field(default_factory=list)  # those within the repeat window
    service_quality_streak: int = 0
    warnings: list[IssuedWarning] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    notices: list[PublicNotice] = Field(default_factory=list)
    commendations: list[Commendation] = Field(default_factory=list)
    history: list[LadderStep] = Field(default_factory=list)
    reports_seen: list[str] = Field(default_factory=list)  # the latest report keys: a retry counts once
    pending: list[
        Annotated[ViolationReport | VerificationReport | ViolationWithdrawal, Field(discriminator="type")]
    ] = Field(default_factory=list)
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
        """Penalties undecided, unpaid, in force, or final."""
        return [p for p in self.penalties if p.status.standing]

    def deadlines(self) -> list[Deadline]:
        out = [w.order_due for w in self.warnings if w.order_due]
        for p in self.penalties:
            hearing = p.hearing.request_due if p.hearing else None
            out += [d for d in (p.statement_due, hearing, p.payment_due, p.term_due) if d]
        return out
