"""The measures of the ladder, as pure functions: what a violation is a ground for, which
penalty comes next, which needs a hearing, which is heavier, and what a late fine adds."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.calendar import local_date
from domain.deadlines import Deadline
from domain.enums import PenaltyKind, ViolationKind
from domain.policy import Policy
from domain.supervision.messages import ViolationReport

CENT = Decimal("0.01")


def ground(v: ViolationReport) -> str:
    """What a violation is a wrong of: the handling of a case (late response, resolution or
    evidence), the wrong its findings establish, or one round of its rectification (late, then
    ineffective, is one failure). Each ground leads to one penalty proposal at most (no two
    penalties for one act: Administrative Penalty Law art. 29)."""
    if v.kind.failed_rectification:
        return f"rectification:{v.tracking_no}:{v.round or 1}"
    if v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT:
        return f"finding:{v.tracking_no}"
    return f"handling:{v.tracking_no}"


def order_ground(warning_id: str) -> str:
    """A warning's rectification order, overdue or not effective."""
    return f"order:{warning_id}"


def hearing_due(policy: Policy, kind: PenaltyKind, amount: Decimal | None) -> bool:
    """Whether the enterprise has the right to a hearing before this penalty (art. 63)."""
    rules = policy.supervision.hearing
    if kind is PenaltyKind.FINE:
        return amount is not None and amount >= rules.fine_threshold
    return kind in rules.kinds


def heavier(
    kind: PenaltyKind,
    amount: Decimal | None,
    days: int | None,
    than: tuple[PenaltyKind, Decimal | None, int | None],
) -> bool:
    """Whether a penalty is heavier than another: a heavier kind, or more of the same kind."""
    other_kind, other_amount, other_days = than
    if kind is not other_kind:
        return kind.weight > other_kind.weight
    if kind is PenaltyKind.FINE:
        return (amount or 0) > (other_amount or 0)
    return kind is PenaltyKind.SUSPENSION and (days or 0) > (other_days or 0)


def last_day(deadline: Deadline, policy: Policy) -> date:
    """The last day a window allows: its due time is 24:00 of that day."""
    return local_date(deadline.due - timedelta(microseconds=1), policy.tz)


def late_surcharge(policy: Policy, fine: Decimal, due: Deadline, on: date) -> Decimal:
    """What a fine paid on `on` (a Beijing date) adds for each day past its due date (art. 72)."""
    rules = policy.supervision.late_payment
    days = max((on - last_day(due, policy)).days, 0)
    surcharge = min(fine * rules.daily_rate * days, fine * rules.cap)
    return surcharge.quantize(CENT, rounding=ROUND_HALF_UP)
