"""The ladder's rules that parties meet: who may take each action on a warning or a penalty,
and when; what a command may say: a decision within the law's bounds (CRPL art. 56), a
hearing presided over by someone who did not investigate and held on its day, a payment of
what is due."""

from datetime import date, datetime
from decimal import Decimal

from domain.calendar import local_date
from domain.deadlines import when
from domain.enums import (
    SUPERVISING_ROLES,
    DecisionOutcome,
    PenaltyKind,
    PenaltyStatus,
    Role,
    SupervisionAction,
    WarningStatus,
)
from domain.messages import Actor, Command
from domain.policy import Policy
from domain.supervision.ladder import late_surcharge
from domain.supervision.messages import FinePayment, HearingRecord, HearingSchedule, PenaltyDecision
from domain.supervision.state import EnterpriseState, Penalty

# Who takes each action: the enterprise itself, or a supervisor.
BY_THE_ENTERPRISE = frozenset(
    {
        SupervisionAction.SUBMIT_STATEMENT,
        SupervisionAction.SUBMIT_ORDER_REPORT,
        SupervisionAction.REQUEST_HEARING,
    }
)
ON_A_WARNING = frozenset({SupervisionAction.SUBMIT_ORDER_REPORT, SupervisionAction.VERIFY_ORDER})
PAYABLE = (PenaltyStatus.PAYMENT_DUE, PenaltyStatus.OVERDUE, PenaltyStatus.CONFIRMED)


def roles_for(action: SupervisionAction) -> frozenset[Role]:
    return frozenset({Role.ENTERPRISE}) if action in BY_THE_ENTERPRISE else SUPERVISING_ROLES


def refusal(state: EnterpriseState, action: SupervisionAction, actor: Actor, target: str) -> str | None:
    """Why `actor` may not take `action` on warning or penalty `target` now, or None."""
    if action in BY_THE_ENTERPRISE:
        if actor.role is not Role.ENTERPRISE or actor.org != state.credit_code:
            return f"{action} is for the enterprise {state.credit_code} itself"
    elif actor.role not in SUPERVISING_ROLES:
        return f"{action} is for a supervisor, not the {actor.role}"
    if action in ON_A_WARNING:
        return _warning_refusal(state, action, target)
    penalty = state.penalty(target)
    if penalty is None:
        return f"there is no penalty {target}"
    if action is SupervisionAction.RECORD_PAYMENT:
        if penalty.kind is not PenaltyKind.FINE:
            return f"penalty {target} is a {penalty.describe()}, not a fine"
        return None if penalty.status in PAYABLE else f"penalty {target} is {penalty.status}"
    if action is SupervisionAction.VERIFY_SUSPENSION:
        if penalty.kind is not PenaltyKind.SUSPENSION:
            return f"penalty {target} is a {penalty.describe()}, not a suspension"
        if penalty.status is not PenaltyStatus.IN_FORCE:
            return f"penalty {target} is {penalty.status}"
        return f"the rectification under penalty {target} is verified" if penalty.rectified else None
    if not penalty.pending:
        return f"penalty {target} is {penalty.status}"
    return _penalty_refusal(penalty, action)


def _penalty_refusal(penalty: Penalty, action: SupervisionAction) -> str | None:
    """Why a step on an undecided penalty does not fit where it stands."""
    hearing = penalty.hearing
    if action is SupervisionAction.SUBMIT_STATEMENT:
        if penalty.statement is not None:
            return "the enterprise has already stated its case"
        if not penalty.statement_open:
            return f"the statement window closed at {_due(penalty.statement_due)}"
        return None
    if action is SupervisionAction.REQUEST_HEARING:
        if hearing is None:
            return f"the law gives no hearing before a {penalty.describe()}"
        if hearing.request is not None:
            return "the enterprise has already asked for a hearing"
        if not hearing.open:
            return f"a hearing could be asked for until {_due(hearing.request_due)}"
        return None
    if action in (SupervisionAction.SCHEDULE_HEARING, SupervisionAction.RECORD_HEARING):
        if hearing is None or hearing.request is None:
            return "the enterprise has not asked for a hearing"
        if hearing.record is not None:
            return "the hearing has been held"
        if action is SupervisionAction.RECORD_HEARING and hearing.schedule is None:
            return "the hearing has not been scheduled"
        return None
    # A decision, once the enterprise has had every chance the law gives it.
    if penalty.statement_open:
        return f"the enterprise may state its case until {_due(penalty.statement_due)}"
    if hearing and hearing.open:
        return f"the enterprise may ask for a hearing until {_due(hearing.request_due)}"
    if hearing and hearing.awaited:
        planned = f" (scheduled for {when(hearing.schedule.at)})" if hearing.schedule else ""
        return f"the hearing the enterprise asked for has not been held{planned}"
    return None


def _warning_refusal(state: EnterpriseState, action: SupervisionAction, target: str) -> str | None:
    warning = state.warning(target)
    if warning is None:
        return f"there is no warning {target}"
    if warning.status is not WarningStatus.ACTIVE:
        return f"warning {target} is {warning.status}"
    if warning.order_in_case:
        return f"warning {target} is answered by the rectification ordered in case {warning.tracking_no}"
    if action is SupervisionAction.SUBMIT_ORDER_REPORT and warning.report is not None:
        return "the rectification report is already in"
    if action is SupervisionAction.VERIFY_ORDER and warning.report is None:
        return "the enterprise has not handed in its rectification report"
    return None


def _due(deadline: object) -> str:
    return when(getattr(deadline, "due", None))


# --- what a command may say ----------------------------------------------------------------


def command_problem(state: EnterpriseState, command: Command, now: datetime) -> str | None:
    """What is wrong with a command's content, as `field: reason`, or None. The workflow and the
    service layer both ask, so a command arriving by any road meets the same rules."""
    if problem := command.problem():
        return problem
    penalty = state.penalty(getattr(command, "penalty_id", ""))
    if penalty is None:  # the refusal names it
        return None
    if isinstance(command, PenaltyDecision):
        return decision_problem(state, command)
    if isinstance(command, HearingSchedule):
        return schedule_problem(penalty, command, now)
    if isinstance(command, HearingRecord):
        return hearing_record_problem(state.policy, penalty, command, now)
    if isinstance(command, FinePayment):
        return payment_problem(state.policy, penalty, command, now)
    return None


def fine_bounds(policy: Policy, illegal_income: Decimal | None) -> tuple[Decimal, Decimal]:
    rules = policy.supervision
    if illegal_income is not None and illegal_income > 0:
        return rules.income_multiple_min * illegal_income, rules.income_multiple_max * illegal_income
    return Decimal(1), rules.fine_cap_without_income


def decision_problem(state: EnterpriseState, decision: PenaltyDecision) -> str | None:
    """What is wrong with a decision: its content, or an amended fine outside the law's bounds."""
    if problem := decision.problem():
        return problem
    if decision.outcome is DecisionOutcome.AMEND and decision.kind is PenaltyKind.FINE:
        assert decision.amount is not None  # the content's rule
        low, high = fine_bounds(state.policy, decision.illegal_income)
        if not low <= decision.amount <= high:
            return f"amount: must be from {low:,.0f} to {high:,.0f} yuan"
    return None


def schedule_problem(penalty: Penalty, schedule: HearingSchedule, now: datetime) -> str | None:
    """A hearing lies ahead, and is presided over by someone who did not investigate (art. 64)."""
    if schedule.at <= now:
        return "at: the hearing is held after it is scheduled"
    officer = schedule.presiding_officer
    if officer.id in penalty.investigators:
        return (
            f"presiding_officer: {officer.name or officer.id} investigated a case of this penalty; "
            "someone who did not presides over the hearing"
        )
    return None


def hearing_record_problem(
    policy: Policy, penalty: Penalty, record: HearingRecord, now: datetime
) -> str | None:
    """A hearing is held on the day it was notified for, or later: never before its notice."""
    if record.held_at > now:
        return "held_at: must not be in the future"
    schedule = penalty.hearing.schedule if penalty.hearing else None
    if schedule and local_date(record.held_at, policy.tz) < local_date(schedule.at, policy.tz):
        day = local_date(schedule.at, policy.tz)
        return f"held_at: the hearing is scheduled for {day}; one held earlier is scheduled anew first"
    return None


def surcharge_on(policy: Policy, penalty: Penalty, day: date) -> Decimal:
    """The late-payment surcharge on a fine paid on `day` (a Beijing date)."""
    if penalty.amount is None or penalty.payment_due is None:  # not a fine, or not yet due
        return Decimal(0)
    return late_surcharge(policy, penalty.amount, penalty.payment_due, day)


def payment_problem(policy: Policy, penalty: Penalty, payment: FinePayment, now: datetime) -> str | None:
    """A payment is dated from the decision to today, and is the fine with its surcharge then."""
    if penalty.kind is not PenaltyKind.FINE or penalty.amount is None:
        return None  # not a fine: the refusal says so
    if payment.paid_on > local_date(now, policy.tz):
        return "paid_on: must not be in the future"
    if penalty.decided_at and payment.paid_on < local_date(penalty.decided_at, policy.tz):
        return f"paid_on: before the fine was decided ({local_date(penalty.decided_at, policy.tz)})"
    surcharge = surcharge_on(policy, penalty, payment.paid_on)
    due = penalty.amount + surcharge
    if payment.amount != due:
        late = f" (the fine and {surcharge:,.2f} for paying late)" if surcharge else ""
        return f"amount: {due:,.2f} yuan were due on {payment.paid_on}{late}"
    return None
