"""What a complaint's workflow takes: the intake, and each party's command.

A rule about a command's content is written here once, as a function the command's
`problem()` calls and the service layer's input model calls too."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from domain.bureaus import Routing
from domain.enums import (
    Category,
    Channel,
    DeclineGround,
    DesiredOutcome,
    Measure,
    Offence,
    RejectionReason,
    Verdict,
    ViolationKind,
)
from domain.files import FileRef
from domain.messages import Actor, Command, Message


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
    platform: EnterpriseRef | None = None  # the e-commerce platform the enterprise trades on, if any


# --- the rules on content ------------------------------------------------------------------


def duplicate_named(reason: RejectionReason, duplicate_of: str | None) -> str | None:
    if reason is RejectionReason.DUPLICATE and not duplicate_of:
        return "duplicate_of: a rejection as duplicate names the case it duplicates"
    return None


def offence_named(verdict: Verdict, offence: Offence | None) -> str | None:
    if verdict.substantiated and offence is None:
        return "offence: substantiated findings name the offence"
    return None


# --- commands: each carries who sent it and a request id ------------------------------------


class Respond(Command):
    texts = ("message",)
    message: str


class Propose(Command):
    texts = ("detail",)
    measures: list[Measure]
    amount: Decimal | None = None
    detail: str

    def problem(self) -> str | None:
        if not self.measures:
            return "measures: a proposal offers at least one measure"
        return super().problem()


class Accept(Command):
    comment: str = ""


class Dispute(Command):
    texts = ("reason",)
    reason: str


class Withdraw(Command):
    reason: str = ""


class Reject(Command):
    reason: RejectionReason
    duplicate_of: str | None = None
    note: str = ""

    def problem(self) -> str | None:
        return duplicate_named(self.reason, self.duplicate_of)


class Admit(Command):
    """The bureau accepts the complaint for handling (受理)."""

    note: str = ""


class Decline(Command):
    """The bureau does not accept the complaint (不予受理), on a ground the law gives."""

    ground: DeclineGround
    note: str = ""


class Transfer(Command):
    """A bureau that is not competent passes the case to another (移送), with the reason. The
    service layer names both bureaus as the bureaus file has them (`origin`, for a case routed
    before bureaus; `target`)."""

    texts = ("reason",)
    to_bureau: str
    reason: str
    target: Routing | None = None
    origin: Routing | None = None


class Escalate(Command):
    texts = ("reason",)
    reason: str


class RequestEvidence(Command):
    texts = ("items",)
    items: str


class SubmitEvidence(Command):
    texts = ("description",)
    description: str
    documents: list[str] = Field(default_factory=list)
    files: list[FileRef] = Field(default_factory=list)


class RecordSiteVisit(Command):
    texts = ("location", "notes")
    visited_on: date
    location: str
    notes: str
    files: list[FileRef] = Field(default_factory=list)


class OrderedMeasure(Message):
    kind: Measure
    detail: str = ""
    amount: Decimal | None = None


class SubmitFindings(Command):
    texts = ("summary",)
    verdict: Verdict
    offence: Offence | None = None
    measures: list[OrderedMeasure] = Field(default_factory=list)
    summary: str
    files: list[FileRef] = Field(default_factory=list)

    def problem(self) -> str | None:
        return offence_named(self.verdict, self.offence) or super().problem()


class SubmitRectification(Command):
    """The feedback report: cause analysis, improvement measures, implementation effect."""

    texts = ("cause_analysis", "improvement_measures", "implementation_effect")
    cause_analysis: str
    improvement_measures: str
    implementation_effect: str
    files: list[FileRef] = Field(default_factory=list)


class ViolationRecord(Message):
    seq: int
    kind: ViolationKind
    at: datetime
    enterprise_code: str
    detail: str
    offence: Offence | None = None
    round: int | None = None  # the rectification round, for a late or ineffective rectification
    withdrawn_at: datetime | None = None  # the case was found to repeat another: it counts no more
