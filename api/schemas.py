"""What the API accepts and answers. Input models forbid unknown fields and say, per field,
why a value is refused; output models show times in Beijing time (+08:00)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from domain import identifiers
from domain.enums import (
    Category,
    Channel,
    DesiredOutcome,
    Measure,
    Offence,
    RejectionReason,
    Verdict,
)

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
MAX_BACKDATE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=2)

LocalTime = Annotated[
    datetime, PlainSerializer(lambda d: d.astimezone(DISPLAY_TZ).isoformat(), return_type=str)
]


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Name = Annotated[str, _text(1, 50)]
ShortText = Annotated[str, _text(1, 200)]
Text = Annotated[str, _text(1, 2000)]
LongText = Annotated[str, _text(1, 5000)]
Description = Annotated[str, _text(10, 5000)]
Note = Annotated[str, _text(0, 1000)]
Comment = Annotated[str, _text(0, 2000)]
Address = Annotated[str, _text(1, 300)]
ModelName = Annotated[str, _text(1, 100)]
CaseNumber = Annotated[str, _text(1, 32)]
Phone = Annotated[str, AfterValidator(identifiers.phone_number)]
CreditCode = Annotated[str, AfterValidator(identifiers.credit_code)]
DivisionCode = Annotated[str, AfterValidator(identifiers.division_code)]
IdNumber = Annotated[str, AfterValidator(identifiers.resident_id_number)]
Money = Annotated[Decimal, Field(ge=0, le=100_000_000, max_digits=11, decimal_places=2)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(Output, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


# --- intake -------------------------------------------------------------------------------


class ConsumerIn(Input):
    name: Name
    phone: Phone
    id_number: IdNumber | None = None
    email: EmailStr | None = None
    address: Address | None = None


class EnterpriseIn(Input):
    credit_code: CreditCode
    name: ShortText | None = Field(default=None, description="required for an enterprise not yet registered")


class ProductIn(Input):
    name: ShortText
    model: ModelName | None = None
    purchase_date: date | None = None
    amount: Money | None = Field(default=None, description="yuan")

    @field_validator("purchase_date")
    @classmethod
    def _purchase_date(cls, v: date | None) -> date | None:
        if v is not None:
            today = datetime.now(DISPLAY_TZ).date()
            if v > today:
                raise ValueError("is in the future")
            if v < date(1980, 1, 1):
                raise ValueError("is before 1980")
        return v


class ComplaintCreate(Input):
    channel: Channel
    received_at: datetime | None = Field(
        default=None, description="phone and store complaints: when the clerk received it (≤ 30 days back)"
    )
    consumer: ConsumerIn
    enterprise: EnterpriseIn
    product: ProductIn
    region_code: DivisionCode
    category: Category
    description: Description
    desired_outcome: DesiredOutcome
    desired_outcome_detail: Note = ""

    @field_validator("received_at")
    @classmethod
    def _received_at(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        if v.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-12-01T09:30:00+08:00")
        now = datetime.now(UTC)
        if v > now + CLOCK_SKEW:
            raise ValueError("is in the future")
        if v < now - MAX_BACKDATE:
            raise ValueError("is more than 30 days ago")
        return v.astimezone(UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _purchase_before_receipt(self) -> "ComplaintCreate":
        received = (self.received_at or datetime.now(UTC)).astimezone(DISPLAY_TZ).date()
        if self.product.purchase_date and self.product.purchase_date > received:
            raise ValueError("product.purchase_date: is after the complaint was received")
        return self


class Deadlines(Output):
    response_due: LocalTime | None
    resolution_due: LocalTime | None


class IntakeReceipt(Output):
    tracking_no: str
    access_code: str = Field(description="with the tracking number, lets the consumer follow the case")
    workflow_id: str
    status: str
    category: Category | None = None
    severity: str | None = None
    priority: str | None = None
    triage_rule: str | None = None
    triage_reasons: list[str] = Field(default_factory=list)
    deadlines: Deadlines | None = None
    policy_version: str | None = None


# --- actions --------------------------------------------------------------------------------


class ResponseIn(Input):
    message: Text


class ProposalIn(Input):
    measures: list[Measure] = Field(min_length=1, max_length=6)
    amount: Money | None = None
    detail: Text


class AcceptIn(Input):
    comment: Note = ""


class DisputeIn(Input):
    reason: Text


class WithdrawIn(Input):
    reason: Note = ""


class RejectIn(Input):
    reason: RejectionReason
    duplicate_of: CaseNumber | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _duplicate(self) -> "RejectIn":
        if self.reason is RejectionReason.DUPLICATE and not self.duplicate_of:
            raise ValueError("duplicate_of: a rejection as duplicate names the case it duplicates")
        return self


class EscalateIn(Input):
    reason: Text


class EvidenceRequestIn(Input):
    items: Text


class EvidenceIn(Input):
    description: Text
    documents: list[ShortText] = Field(default_factory=list, max_length=20)


class SiteVisitIn(Input):
    visited_on: date
    location: ShortText
    notes: LongText

    @field_validator("visited_on")
    @classmethod
    def _not_future(cls, v: date) -> date:
        if v > datetime.now(DISPLAY_TZ).date():
            raise ValueError("is in the future")
        return v


class MeasureIn(Input):
    kind: Measure
    detail: Note = ""
    amount: Money | None = None


class FindingsIn(Input):
    verdict: Verdict
    offence: Offence | None = None
    measures: list[MeasureIn] = Field(default_factory=list, max_length=10)
    summary: LongText

    @model_validator(mode="after")
    def _offence(self) -> "FindingsIn":
        if self.verdict.substantiated and self.offence is None:
            raise ValueError("offence: substantiated findings name the offence")
        return self


class RectificationIn(Input):
    cause_analysis: LongText
    improvement_measures: LongText
    implementation_effect: LongText


class VerificationIn(Input):
    effective: bool
    notes: LongText


class EvaluationIn(Input):
    satisfaction: int = Field(ge=1, le=5)
    service_attitude: int = Field(ge=1, le=5)
    resolved: bool
    comment: Comment = ""


class ActionAccepted(Output):
    """The signal is sent; the case has not shown it applied yet."""

    request_id: str
    status: str = "pending"
    detail: str
