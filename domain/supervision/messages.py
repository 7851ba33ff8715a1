"""What an enterprise's supervision takes: its cases' reports, and each party's command.

A rule about a command's content is written here once, as a function the command's
`problem()` calls and the service layer's input model calls too."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from domain.enums import DecisionOutcome, Offence, PenaltyKind, Severity, ViolationKind
from domain.messages import Assignee, Command, Message
from domain.policy import Policy

SUSPENSION_DAYS = range(1, 366)

# --- what complaint workflows report -------------------------------------------------------


class ViolationReport(Message):
    type: Literal["violation"] = "violation"
    key: str  # "<tracking no>:<seq>": a report that arrives twice counts once
    tracking_no: str
    kind: ViolationKind
    offence: Offence | None = None
    severity: Severity
    at: datetime
    detail: str
    round: int | None = None  # a rectification's round, for a late or ineffective one
    investigator_id: str = ""  # who investigated the case, if anyone


class VerificationReport(Message):
    type: Literal["verification"] = "verification"
    key: str
    tracking_no: str
    round: int
    effective: bool
    at: datetime


class ViolationWithdrawal(Message):
    """A case confirmed to repeat an earlier one: its violations count no more, so the
    grievance counts once, as the earlier case."""

    type: Literal["withdrawal"] = "withdrawal"
    key: str  # "<tracking no>:withdrawn"
    tracking_no: str
    duplicate_of: str
    violation_keys: list[str]
    at: datetime


class CaseReport(Message):
    """What a complaint workflow reports to its enterprise's supervision: new violations,
    verification results, and the violations of a case rejected as a duplicate."""

    credit_code: str
    name: str
    violations: list[ViolationReport] = Field(default_factory=list)
    verifications: list[VerificationReport] = Field(default_factory=list)
    withdrawals: list[ViolationWithdrawal] = Field(default_factory=list)


# The penalty procedure a report's sender runs: 2 since penalties live as the law has them
# (policy 2026.3); reports from before carry none. A supervision still on the ladder from
# before continues as new when a report of procedure 2 reaches it, and so takes it up.
PROCEDURE = 2


class EnterpriseReport(CaseReport):
    """The signal the supervision workflow receives: the report, with the policy in force."""

    policy: Policy
    procedure: int = 1


# --- the rules on content ------------------------------------------------------------------


def amendment_problem(
    outcome: DecisionOutcome,
    kind: PenaltyKind | None,
    amount: Decimal | None,
    suspension_days: int | None,
) -> str | None:
    """What an amendment must name: its kind, and a fine's amount or a suspension's length."""
    if outcome is not DecisionOutcome.AMEND:
        return None
    if kind is None:
        return "kind: an amended penalty names its kind"
    if kind is PenaltyKind.FINE and amount is None:
        return "amount: an amended fine names its amount"
    if kind is PenaltyKind.SUSPENSION and suspension_days is None:
        return "suspension_days: an amended suspension names its length"
    if kind is PenaltyKind.SUSPENSION and suspension_days not in SUSPENSION_DAYS:
        return "suspension_days: must be from 1 to 365"
    return None


# --- what parties send -----------------------------------------------------------------------


class Statement(Command):
    """The enterprise states its case and defends itself (陈述、申辩)."""

    texts = ("text",)
    penalty_id: str
    text: str


class PenaltyDecision(Command):
    texts = ("reason",)
    penalty_id: str
    outcome: DecisionOutcome
    kind: PenaltyKind | None = None  # amend: the penalty decided
    amount: Decimal | None = None
    suspension_days: int | None = None
    illegal_income: Decimal | None = None  # known: the fine is 1-10 times it
    reason: str

    def problem(self) -> str | None:
        return super().problem() or amendment_problem(
            self.outcome, self.kind, self.amount, self.suspension_days
        )


class HearingRequest(Command):
    """The enterprise asks for a hearing (听证) before the penalty is decided."""

    penalty_id: str
    note: str = ""


class HearingSchedule(Command):
    """When and where the hearing is held, and who presides: someone who did not investigate."""

    texts = ("place",)
    penalty_id: str
    at: datetime
    place: str
    presiding_officer: Assignee


class HearingRecord(Command):
    """The hearing as held: whether the enterprise attended, the record (笔录), and the presiding
    officer's opinion, which the decision is taken on."""

    texts = ("record", "opinion")
    penalty_id: str
    held_at: datetime
    attended: bool
    record: str
    opinion: str


class FinePayment(Command):
    """A fine paid, as the bank's receipt shows it."""

    texts = ("receipt_no",)
    penalty_id: str
    receipt_no: str
    paid_on: date  # Beijing date
    amount: Decimal


class SuspensionVerification(Command):
    """A supervisor's verification of the rectification a suspension of business orders."""

    texts = ("notes",)
    penalty_id: str
    effective: bool
    notes: str


class OrderReport(Command):
    """The enterprise's rectification report for a warning's order."""

    texts = ("cause_analysis", "improvement_measures", "implementation_effect")
    warning_id: str
    cause_analysis: str
    improvement_measures: str
    implementation_effect: str


class OrderVerification(Command):
    texts = ("notes",)
    warning_id: str
    effective: bool
    notes: str
