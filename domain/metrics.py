"""The evaluation system: the plan's metrics over a set of cases, and the enterprise scorecard.

Pure: given the facts of each case (from the read model) and the calendar, it computes. The
formulas are in the README; the scorecard's weights and deductions are in the policy.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean, median
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from domain.enums import Outcome
from domain.messages import Message
from domain.policy import ScorecardPolicy

RESOLVED = {Outcome.RESOLVED, Outcome.RESOLVED_BY_DEFAULT, Outcome.RESOLVED_AFTER_RECTIFICATION}
# Closed without the enterprise's handling being judged: withdrawn, rejected, or not accepted.
NOT_JUDGED = {
    Outcome.WITHDRAWN,
    Outcome.REJECTED_DUPLICATE,
    Outcome.REJECTED_OUT_OF_SCOPE,
    Outcome.NOT_ADMITTED,
}
DIMENSIONS = ("enterprise", "region", "category", "channel", "bureau")


@dataclass(frozen=True)
class CaseFacts:
    """What the metrics need of one case."""

    enterprise: str
    region: str
    category: str
    received_at: datetime
    responded_at: datetime | None
    response_due: datetime | None
    response_breached: bool  # and counted against the enterprise
    resolution_due: datetime | None
    resolved_at: datetime | None
    resolution_breached: bool
    closed: bool
    outcome: str | None
    repeat: bool
    satisfaction: int | None = None  # from the third-party evaluation, when evaluated
    service_attitude: int | None = None
    evaluated_resolved: bool | None = None
    channel: str = ""  # phone, web, store or platform
    bureau: str = ""  # the bureau that handles it
    admission: str | None = None  # admitted, declined or deemed: the bureau's acceptance, once settled
    transfers: int = 0
    transferred_at: datetime | None = None  # the last transfer
    mediation_timed_out: bool = False


@dataclass(frozen=True)
class MeasureFacts:
    """A violation, warning or penalty: when, against whom, in which case's region, category,
    channel and bureau."""

    kind: str  # violation | warning | penalty
    at: datetime
    enterprise: str
    region: str | None
    category: str | None
    channel: str | None = None
    bureau: str | None = None


class Figures(Message):
    volume: int = 0
    repeat_complaints: int = 0
    response_hours_median: float | None = None
    response_hours_p90: float | None = None
    response_within_24h: float | None = None  # share of cases whose response window has closed
    resolution_days_median: float | None = None  # working days
    resolution_days_p90: float | None = None
    resolution_within_3_days: float | None = None  # share resolved by the legal deadline
    resolution_success_rate: float | None = None
    satisfaction: float | None = None  # 1-5, third-party evaluation
    service_attitude: float | None = None
    evaluated: int = 0
    overdue: int = 0  # cases with a response or resolution deadline passed unmet
    violations: int = 0
    warnings: int = 0
    penalties: int = 0
    score: float | None = None  # 0-100
    # The bureaus' own timeliness, counted where the case is handled now.
    acceptance_in_time: float | None = None  # share of acceptance decisions taken in the window
    acceptance_deemed: int = 0  # the window closed undecided: accepted by law, not by the bureau
    not_admitted: int = 0  # declined on one of the grounds
    transferred: int = 0  # cases that reached their bureau by transfer
    transfer_days_median: float | None = None  # working days from receipt to the last transfer
    mediation_timed_out: int = 0  # mediation ended without agreement when its window ran out


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def figures(
    cases: list[CaseFacts],
    measures: list[MeasureFacts],
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    scorecard: ScorecardPolicy,
) -> Figures:
    out = Figures(
        volume=len(cases),
        repeat_complaints=sum(c.repeat for c in cases),
        overdue=sum(c.response_breached or c.resolution_breached for c in cases),
    )
    hours = [(c.responded_at - c.received_at) / timedelta(hours=1) for c in cases if c.responded_at]
    if hours:
        out.response_hours_median, out.response_hours_p90 = (
            round(median(hours), 2),
            round(percentile(hours, 0.9), 2),
        )

    # Of the cases whose response window has closed, those answered by the deadline. A case that
    # reached the enterprise after its deadline (recorded late) is not counted either way.
    def late(c: CaseFacts) -> bool:
        return bool(c.responded_at and c.response_due and c.responded_at > c.response_due)

    answered = [
        c
        for c in cases
        if (c.responded_at or c.response_breached) and not (late(c) and not c.response_breached)
    ]
    out.response_within_24h = _share(
        sum(bool(c.responded_at) and not late(c) for c in answered), len(answered)
    )

    spans: dict[tuple[date, date], float] = {}  # a year's cases share a few thousand spans

    def working_days(since: datetime, until: datetime) -> float:
        span = (since.astimezone(tz).date(), until.astimezone(tz).date())
        if span not in spans:
            spans[span] = calendar.working_days_between(*span)
        return spans[span]

    days = [working_days(c.received_at, c.resolved_at) for c in cases if c.resolved_at]
    if days:
        out.resolution_days_median, out.resolution_days_p90 = median(days), percentile(days, 0.9)
    due_passed = [c for c in cases if c.resolved_at or c.resolution_breached]
    out.resolution_within_3_days = _share(
        sum(
            bool(c.resolved_at and c.resolution_due and c.resolved_at <= c.resolution_due) for c in due_passed
        ),
        len(due_passed),
    )
    judged = [c for c in cases if c.closed and c.outcome not in NOT_JUDGED]
    out.resolution_success_rate = _share(
        sum(c.outcome in RESOLVED and c.evaluated_resolved is not False for c in judged), len(judged)
    )
    evaluated = [c for c in cases if c.satisfaction is not None]
    out.evaluated = len(evaluated)
    if evaluated:
        out.satisfaction = round(fmean(c.satisfaction for c in evaluated if c.satisfaction), 2)
        out.service_attitude = round(fmean(c.service_attitude for c in evaluated if c.service_attitude), 2)
    _timeliness(out, cases, working_days)
    out.violations = sum(m.kind == "violation" for m in measures)
    out.warnings = sum(m.kind == "warning" for m in measures)
    out.penalties = sum(m.kind == "penalty" for m in measures)
    out.score = score(out, scorecard)
    return out


def _timeliness(out: Figures, cases: list[CaseFacts], days: Callable[[datetime, datetime], float]) -> None:
    """The bureau's own clocks: acceptance decided within its window (a decision after it is
    refused, so a decision is in time and a deemed acceptance is not), transfers and how long
    after receipt the last one came, mediation's time-outs."""
    decided = sum(c.admission in ("admitted", "declined") for c in cases)
    out.acceptance_deemed = sum(c.admission == "deemed" for c in cases)
    out.acceptance_in_time = _share(decided, decided + out.acceptance_deemed)
    out.not_admitted = sum(c.admission == "declined" for c in cases)
    delays = [days(c.received_at, c.transferred_at) for c in cases if c.transfers and c.transferred_at]
    out.transferred = len(delays)
    out.transfer_days_median = median(delays) if delays else None
    out.mediation_timed_out = sum(c.mediation_timed_out for c in cases)


def score(f: Figures, policy: ScorecardPolicy) -> float | None:
    """100 × the weighted mean of the parts known, less points for measures (capped), in 0-100."""
    parts = [
        (policy.response_weight, f.response_within_24h),
        (policy.resolution_weight, f.resolution_within_3_days),
        (policy.success_weight, f.resolution_success_rate),
        (policy.satisfaction_weight, None if f.satisfaction is None else (f.satisfaction - 1) / 4),
        (policy.attitude_weight, None if f.service_attitude is None else (f.service_attitude - 1) / 4),
    ]
    known = [(w, v) for w, v in parts if v is not None and w > 0]
    if not known:
        return None
    base = 100 * sum(w * v for w, v in known) / sum(w for w, _ in known)
    deduction = min(
        policy.max_deduction,
        f.violations * policy.points_per_violation
        + f.warnings * policy.points_per_warning
        + f.penalties * policy.points_per_penalty,
    )
    return round(min(max(base - deduction, 0.0), 100.0), 1)


@dataclass
class Group:
    key: dict[str, str]
    cases: list[CaseFacts] = field(default_factory=list)
    measures: list[MeasureFacts] = field(default_factory=list)


def group(cases: Iterable[CaseFacts], measures: Iterable[MeasureFacts], by: tuple[str, ...]) -> list[Group]:
    """Cases and measures by the dimensions in `by` (enterprise, region, category, channel,
    bureau), in key order."""

    def key_of(item: CaseFacts | MeasureFacts) -> tuple[str, ...]:
        return tuple(getattr(item, d) or "" for d in by)

    groups: dict[tuple[str, ...], Group] = {}

    def at(key: tuple[str, ...]) -> Group:
        return groups.setdefault(key, Group(key=dict(zip(by, key, strict=True))))

    for c in cases:
        at(key_of(c)).cases.append(c)
    for m in measures:
        at(key_of(m)).measures.append(m)
    return [groups[k] for k in sorted(groups)]


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, Beijing date
    end: date  # exclusive
    kind: str  # month | quarter | year | range

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start}..{self.end}"

    def previous(self) -> "Period":
        """The cycle before: the month, quarter or year before, or a range as long, just before."""
        months = {"month": 1, "quarter": 3, "year": 12}.get(self.kind)
        if months is None:
            return Period(self.start - (self.end - self.start), self.start, "range")
        return Period(_months_before(self.start, months), self.start, self.kind)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def cycle_before(day: date, kind: str) -> Period:
    """The last whole cycle (month or quarter) before `day`: what a cycle report covers."""
    first_month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    end = date(day.year, first_month, 1)
    months = 1 if kind == "month" else 3
    return Period(_months_before(end, months), end, kind)


def parse_period(text: str) -> Period:
    """2026-11 (a month), 2026-Q4 (a quarter), 2026 (a year), or 2026-11-01..2026-12-01."""
    text = text.strip()
    if ".." in text:
        first, _, last = text.partition("..")
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        if end <= start:
            raise ValueError("the period ends before it starts")
        return Period(start, end, "range")
    if len(text) == 4 and text.isdigit():
        return Period(date(int(text), 1, 1), date(int(text) + 1, 1, 1), "year")
    if len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
        start = date(int(text[:4]), 3 * int(text[6]) - 2, 1)
        return Period(start, _months_before(start, -3), "quarter")
    if len(text) == 7 and text[4] == "-" and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        start = date(int(text[:4]), int(text[5:]), 1)
        return Period(start, _months_before(start, -1), "month")
    raise ValueError("use a month (2026-11), a quarter (2026-Q4), a year (2026) or 2026-11-01..2026-12-01")


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """Relative change in per cent (satisfaction +12 %, handling time −20 %); None where undefined."""
    if current is None or previous is None or previous == 0:
        return None
    return round(100 * (current - previous) / abs(previous), 1)


FIGURE_NAMES = list(Figures.model_fields)


class PeriodOut(Message):
    label: str
    start: str
    end: str


class MetricsRow(Message):
    key: dict[str, str]
    figures: Figures


class Metrics(Message):
    period: PeriodOut
    group_by: list[str]
    rows: list[MetricsRow]
    total: Figures


# --- over time: the period cut into days, weeks or months ------------------------------------

GRAINS = ("day", "week", "month")
MAX_BUCKETS = 400  # a year by the day, and room to spare


def buckets(period: Period, grain: str) -> list[Period]:
    """The days, weeks (from Monday) or months the period falls into, in order, each cut to
    the period: a week or month that begins before it begins with it."""
    found: list[Period] = []
    start = period.start
    while start < period.end:
        if grain == "day":
            end = start + timedelta(days=1)
        elif grain == "week":
            end = start + timedelta(days=7 - start.weekday())
        else:
            end = _months_before(start.replace(day=1), -1)
        found.append(Period(start, min(end, period.end), grain))
        start = end
    return found


def bucket_label(bucket: Period) -> str:
    """2026-11-03 (a day or the week that begins with it), 2026-11 (a month)."""
    return bucket.start.strftime("%Y-%m") if bucket.kind == "month" else str(bucket.start)


class SeriesPoint(Message):
    label: str
    start: str
    end: str
    figures: Figures


def series(
    cases: list[CaseFacts],
    measures: list[MeasureFacts],
    cuts: list[Period],
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    scorecard: ScorecardPolicy,
) -> list[SeriesPoint]:
    """The figures of each cut, from the cases received and the measures dated in it."""

    def day(at: datetime) -> date:
        return at.astimezone(tz).date()

    points = []
    for cut in cuts:
        inside = [c for c in cases if cut.start <= day(c.received_at) < cut.end]
        dated = [m for m in measures if cut.start <= day(m.at) < cut.end]
        points.append(
            SeriesPoint(
                label=bucket_label(cut),
                start=str(cut.start),
                end=str(cut.end),
                figures=figures(inside, dated, calendar, tz, scorecard),
            )
        )
    return points
