"""The supervision policy: every window, warning and triage rule, as typed and versioned data.

A case keeps the policy in force at its intake for its whole life, so a new version of the
file changes new cases only.
"""

import hashlib
import tomllib
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.calendar import WorkingCalendar, end_of_day, local_date
from domain.enums import Category, Channel, PenaltyKind, Priority, Severity


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Data):
    """Exactly one of: wall-clock hours; calendar days; PRC working days.

    Days and working days end at 24:00 local time, and the day the window starts does not
    count (Civil Code art. 201). A calendar-day window whose last day is a rest day runs on to
    the end of the next working day (art. 203) when `extend_past_rest_days` is set.
    """

    hours: int | None = Field(default=None, ge=1, le=24 * 365)
    days: int | None = Field(default=None, ge=1, le=365)
    working_days: int | None = Field(default=None, ge=1, le=250)
    extend_past_rest_days: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> "Window":
        given = [n for n in ("hours", "days", "working_days") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("a window has exactly one of hours, days, working_days")
        if self.extend_past_rest_days and self.days is None:
            raise ValueError("extend_past_rest_days applies to a window in days only")
        return self

    def describe(self) -> str:
        if self.hours is not None:
            return f"{self.hours} h"
        if self.days is not None:
            return f"{self.days} days" + (", extended past rest days" if self.extend_past_rest_days else "")
        return f"{self.working_days} working days"

    def end(self, start: datetime, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
        if self.hours is not None:
            return start + timedelta(hours=self.hours)
        first = local_date(start, tz)
        if self.working_days is not None:
            return end_of_day(calendar.nth_working_day_after(first, self.working_days), tz)
        assert self.days is not None
        last = first + timedelta(days=self.days)
        if self.extend_past_rest_days:
            last = calendar.next_working_day(last)
        return end_of_day(last, tz)


class Windows(_Data):
    response: Window = Window(hours=24)
    resolution: Window = Window(working_days=3)
    consumer_decision: Window = Window(days=7)
    investigation: Window = Window(working_days=15)
    evidence: Window = Window(working_days=5)
    rectification: Window = Window(working_days=10)
    verification_check: Window = Window(days=30)
    verification: Window = Window(working_days=5)
    evaluation: Window = Window(days=7)
    rectification_order: Window = Window(working_days=15)
    statement: Window = Window(working_days=5)
    hearing_request: Window = Window(working_days=5)
    payment: Window = Window(days=15, extend_past_rest_days=True)
    acceptance: Window = Window(working_days=7)
    mediation: Window = Window(working_days=45)


class TriageRule(_Data):
    """Matches when every condition it gives holds; a rule with none matches everything."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    categories: tuple[Category, ...] = ()
    channels: tuple[Channel, ...] = ()
    keywords: tuple[str, ...] = ()
    min_amount: Decimal | None = Field(default=None, ge=0)
    set_category: Category | None = None
    severity: Severity
    priority: Priority

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if any(not k.strip() for k in v):
            raise ValueError("keywords must not be blank")
        return tuple(k.strip().lower() for k in v)

    @property
    def catch_all(self) -> bool:
        return not (self.categories or self.channels or self.keywords or self.min_amount is not None)


class TriagePolicy(_Data):
    repeat_window_days: int = Field(default=90, ge=1, le=730)
    repeat_threshold: int = Field(default=2, ge=1, description="earlier complaints that raise priority")
    rules: tuple[TriageRule, ...]

    @model_validator(mode="after")
    def _rules(self) -> "TriagePolicy":
        names = [r.name for r in self.rules]
        if len(names) != len(set(names)):
            raise ValueError("triage rule names must be unique")
        if not self.rules or not self.rules[-1].catch_all:
            raise ValueError("the last triage rule must have no conditions, so every complaint is triaged")
        return self


class PenaltyStep(_Data):
    kind: PenaltyKind
    amount: Decimal | None = Field(default=None, gt=0, description="yuan, for a fine")
    suspension_days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _complete(self) -> "PenaltyStep":
        if self.kind is PenaltyKind.FINE and self.amount is None:
            raise ValueError("a fine names its amount")
        if self.kind is PenaltyKind.SUSPENSION and self.suspension_days is None:
            raise ValueError("a suspension names its suspension_days")
        return self


class HearingPolicy(_Data):
    """Which penalties the enterprise may ask a hearing (听证) for, and the notice it is given
    of one (Administrative Penalty Law art. 63, 64)."""

    fine_threshold: Decimal = Field(default=Decimal(100000), gt=0, description="yuan: a fine this large")
    kinds: tuple[PenaltyKind, ...] = (PenaltyKind.SUSPENSION, PenaltyKind.REVOCATION)
    notice: Window = Window(working_days=7)

    @model_validator(mode="after")
    def _fine_by_amount(self) -> "HearingPolicy":
        if PenaltyKind.FINE in self.kinds:
            raise ValueError("kinds: a fine is heard by its amount (fine_threshold), not by its kind")
        return self


class LatePaymentPolicy(_Data):
    """The surcharge on a fine paid late: a share of the fine a day, at most a share of it."""

    daily_rate: Decimal = Field(default=Decimal("0.03"), gt=0, le=1)
    cap: Decimal = Field(default=Decimal(1), gt=0, le=10, description="of the fine")


class SupervisionPolicy(_Data):
    """The violation ladder (Consumer Rights Protection Law art. 56 sets the fines' bounds)."""

    repeat_window_days: int = Field(default=180, ge=1, le=1095)
    serious_severities: tuple[Severity, ...] = (Severity.SERIOUS, Severity.CRITICAL)
    consecutive_service_quality: int = Field(default=2, ge=1, le=10)
    fine_cap_without_income: Decimal = Field(default=Decimal(500000), gt=0)
    income_multiple_min: Decimal = Field(default=Decimal(1), gt=0)
    income_multiple_max: Decimal = Field(default=Decimal(10), gt=0)
    # By the number of penalties decided within the repeat window before this one.
    penalties: tuple[PenaltyStep, ...] = (
        PenaltyStep(kind=PenaltyKind.FINE, amount=Decimal(50000)),
        PenaltyStep(kind=PenaltyKind.FINE, amount=Decimal(200000)),
        PenaltyStep(kind=PenaltyKind.SUSPENSION, suspension_days=30),
        PenaltyStep(kind=PenaltyKind.REVOCATION),
    )
    # Follow-up verification after a rectification report, by supervision level (0 to 3).
    verification_by_level: tuple[Window, ...] = (
        Window(days=30),
        Window(days=30),
        Window(days=14),
        Window(days=7),
    )
    continue_as_new_after_events: int = Field(default=2000, ge=100, le=40000)
    hearing: HearingPolicy = HearingPolicy()
    late_payment: LatePaymentPolicy = LatePaymentPolicy()

    @model_validator(mode="after")
    def _ladder(self) -> "SupervisionPolicy":
        if not self.penalties:
            raise ValueError("penalties: the ladder has at least one step")
        if any(p.amount and p.amount > self.fine_cap_without_income for p in self.penalties):
            raise ValueError("penalties: a fine is above fine_cap_without_income")
        if self.income_multiple_min > self.income_multiple_max:
            raise ValueError("income_multiple_min is above income_multiple_max")
        if not self.verification_by_level:
            raise ValueError("verification_by_level: name the window for level 0 at least")
        return self

    @property
    def max_level(self) -> int:
        return len(self.verification_by_level) - 1


class ScorecardPolicy(_Data):
    """The enterprise scorecard: weights of its parts (each part 0 to 1), and points off for
    each violation, warning and penalty in the period, capped."""

    response_weight: float = Field(default=25, ge=0)
    resolution_weight: float = Field(default=25, ge=0)
    success_weight: float = Field(default=20, ge=0)
    satisfaction_weight: float = Field(default=15, ge=0)
    attitude_weight: float = Field(default=15, ge=0)
    points_per_violation: float = Field(default=2, ge=0)
    points_per_warning: float = Field(default=5, ge=0)
    points_per_penalty: float = Field(default=10, ge=0)
    max_deduction: float = Field(default=50, ge=0, le=100)


class ReportsPolicy(_Data):
    cycle: Literal["month", "quarter"] = "month"
    # When the report of a closed cycle is written: this many hours into the next one.
    hour_after_cycle: int = Field(default=1, ge=0, le=23)


class HistoryPolicy(_Data):
    continue_as_new_after_events: int = Field(default=2000, ge=100, le=40000)


class JurisdictionPolicy(_Data):
    """The regulator's own handling: where a case goes when mediation ends without agreement,
    on to an investigation or closed (the parties told either way); and which bureau handles a
    complaint against a platform's merchant, the merchant's or the platform operator's."""

    after_mediation: Literal["investigation", "closing"] = "investigation"
    platform_merchants: Literal["merchant", "platform"] = "merchant"


class Policy(_Data):
    version: str = Field(min_length=1, max_length=32)
    effective_from: date
    timezone: str = "Asia/Shanghai"
    warning_fraction: float = Field(default=0.75, gt=0, lt=1)
    windows: Windows = Windows()
    triage: TriagePolicy
    history: HistoryPolicy = HistoryPolicy()
    supervision: SupervisionPolicy = SupervisionPolicy()
    scorecard: ScorecardPolicy = ScorecardPolicy()
    reports: ReportsPolicy = ReportsPolicy()
    jurisdiction: JurisdictionPolicy = JurisdictionPolicy()
    digest: str = ""  # SHA-256 of the file's text, set when loaded

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_SHARED: dict[str, Policy] = {}


def shared(policy: Policy) -> Policy:
    """The one object for a policy's content. Every open case holds the policy of its intake, and
    a worker holds thousands of open cases: each decoded its own copy, a policy is most of a new
    case's state. A policy is frozen, so a case computes the same with the shared one."""
    return _SHARED.setdefault(policy.model_dump_json(), policy)


def parse_policy(text: str) -> Policy:
    data = tomllib.loads(text)
    data["digest"] = hashlib.sha256(text.encode()).hexdigest()
    policy = Policy.model_validate(data)
    try:
        policy.tz  # noqa: B018 - an unknown zone fails here, not in a running case
    except (ValueError, KeyError) as exc:
        raise ValueError(f"timezone: {policy.timezone!r} is not a known time zone") from exc
    return policy
