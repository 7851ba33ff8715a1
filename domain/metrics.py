"""The evaluation system: the plan's metrics over a set of cases, and the enterprise scorecard.

Pure: given the tally of a set of cases (the database counts them, see `db.metrics`) and the
calendar, it computes. The formulas are in the README; the scorecard's weights and deductions
are in the policy.
"""

import bisect
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from statistics import median
from typing import Any

from domain.calendar import WorkingCalendar
from domain.enums import CaseStatus, Outcome
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
HOUR_US = 3_600_000_000
DIMENSIONS = ("enterprise", "region", "category", "channel", "bureau")


Span = tuple[date, date]  # two local dates


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


@dataclass
class Tally:
    """What the figures of a set of cases are computed from: counts and sums, and the values
    whose medians and percentiles are given (each response's time in microseconds; the spans of
    dates whose working days are counted, with how many cases each). The tallies of sets with no
    case in common add up to the tally of their union, so the database tallies each group, and
    the total and the coarser groups are their sums.

    What each count is (`counted` decides it for each case as its row is written; see
    `db.metrics`):
    - answered: the response window has closed (answered, or breached), except a case that
      reached the enterprise after its deadline (recorded late) and was answered unbreached;
      answered_in_time: of those, answered by the deadline;
    - due_passed: resolved, or its resolution deadline breached; resolved_in_time: of those,
      resolved by the deadline;
    - judged: closed with the enterprise's handling judged (not in NOT_JUDGED); resolved: of
      those, resolved (RESOLVED); refuted: of those, found unresolved by the evaluation;
    - evaluated: with a third-party survey; satisfaction and attitude: the scores' sums, with
      how many scores each.
    """

    volume: int = 0
    repeat: int = 0
    overdue: int = 0  # a response or resolution deadline breached
    answered: int = 0
    answered_in_time: int = 0
    due_passed: int = 0
    resolved_in_time: int = 0
    judged: int = 0
    resolved: int = 0
    refuted: int = 0
    evaluated: int = 0
    satisfaction: int = 0
    satisfaction_scores: int = 0
    attitude: int = 0
    attitude_scores: int = 0
    decided: int = 0  # acceptance admitted or declined in the window
    deemed: int = 0
    declined: int = 0
    mediation_timed_out: int = 0
    violations: int = 0
    warnings: int = 0
    penalties: int = 0
    response_us: list[int] = field(default_factory=list)
    resolution_spans: Counter[Span] = field(default_factory=Counter)  # received → resolved
    transfer_spans: Counter[Span] = field(default_factory=Counter)  # received → the last transfer

    def __iadd__(self, other: "Tally") -> "Tally":
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, int):
                setattr(self, f.name, mine + theirs)
            elif isinstance(mine, Counter):
                mine.update(theirs)
            else:
                mine.extend(theirs)
        return self


def counted(case: Mapping[str, Any]) -> dict[str, Any]:
    """Where a case stands in its tally's counts that take more than one of its fields (see
    `Tally`), and its response time in microseconds, from what the read model keeps of it: kept
    in its row, so that a year's tally reads them instead of working them out case by case."""
    received, responded, due = case["received_at"], case["responded_at"], case["response_due"]
    breached = bool(case["response_breached"])
    late = responded is not None and due is not None and responded > due
    answered = (responded is not None or breached) and not (late and not breached)
    resolved, resolution_due = case["resolved_at"], case["resolution_due"]
    in_time = resolved is not None and resolution_due is not None and resolved <= resolution_due
    outcome = case["outcome"]
    judged = case["status"] == CaseStatus.CLOSED and outcome not in NOT_JUDGED
    return {
        "response_us": None if responded is None else (responded - received) // timedelta(microseconds=1),
        "answered": answered,
        "answered_in_time": answered and responded is not None and not late,
        "resolved_in_time": in_time,
        "judged": judged,
        "judged_resolved": judged and outcome in RESOLVED,
    }


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out += t
    return out


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def span_days(calendar: WorkingCalendar) -> Callable[[Span], int]:
    """Working days after a span's first date up to its last, each span counted once: a year's
    cases share a few thousand spans."""

    @functools.cache
    def days(span: Span) -> int:
        return calendar.working_days_between(*span)

    return days


def _values(spans: Counter[Span], days: Callable[[Span], int]) -> list[int]:
    """Each case's working days, in order (the medians sort them again: a pass over them)."""
    cases: Counter[int] = Counter()
    for span, n in spans.items():
        cases[days(span)] += n
    out: list[int] = []
    for d in sorted(cases):
        out += [d] * cases[d]
    return out


def figures(t: Tally, days: Callable[[Span], int], scorecard: ScorecardPolicy) -> Figures:
    """The figures of a tally (whose response times it leaves sorted: their order means nothing)."""
    out = Figures(
        volume=t.volume,
        repeat_complaints=t.repeat,
        overdue=t.overdue,
        response_within_24h=_share(t.answered_in_time, t.answered),
        resolution_within_3_days=_share(t.resolved_in_time, t.due_passed),
        resolution_success_rate=_share(t.resolved - t.refuted, t.judged),
        evaluated=t.evaluated,
        violations=t.violations,
        warnings=t.warnings,
        penalties=t.penalties,
        acceptance_in_time=_share(t.decided, t.decided + t.deemed),
        acceptance_deemed=t.deemed,
        not_admitted=t.declined,
        mediation_timed_out=t.mediation_timed_out,
    )
    if t.response_us:
        # Sorted in place, once: sorting sorted values again is a pass over them, and a total
        # made of tallies figured before joins their sorted runs, which sort about four times faster.
        times = t.response_us
        times.sort()
        out.response_hours_median = round(median(times) / HOUR_US, 2)
        out.response_hours_p90 = round(percentile(times, 0.9) / HOUR_US, 2)
    resolution = _values(t.resolution_spans, days)
    if resolution:
        out.resolution_days_median, out.resolution_days_p90 = median(resolution), percentile(resolution, 0.9)
    if t.satisfaction_scores:
        out.satisfaction = round(t.satisfaction / t.satisfaction_scores, 2)
    if t.attitude_scores:
        out.service_attitude = round(t.attitude / t.attitude_scores, 2)
    delays = _values(t.transfer_spans, days)
    out.transferred = len(delays)
    out.transfer_days_median = median(delays) if delays else None
    out.score = score(out, scorecard)
    return out


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
    by_day: dict[date, Tally],
    cuts: list[Period],
    days: Callable[[Span], int],
    scorecard: ScorecardPolicy,
) -> list[SeriesPoint]:
    """The figures of each cut, from the tallies of the days in it."""
    starts = [cut.start for cut in cuts]
    inside: list[Tally] = [Tally() for _ in cuts]
    for day, tally in by_day.items():
        at = bisect.bisect_right(starts, day) - 1
        if at >= 0 and day < cuts[at].end:
            inside[at] += tally
    return [
        SeriesPoint(
            label=bucket_label(cut),
            start=str(cut.start),
            end=str(cut.end),
            figures=figures(tally, days, scorecard),
        )
        for cut, tally in zip(cuts, inside, strict=True)
    ]
