"""The ladder's rules that parties meet: who may take each action on a warning or a penalty,
and when; what a decision may decide within the law's bounds (CRPL art. 56)."""

from decimal import Decimal

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
from domain.messages import Actor
from domain.policy import Policy
from domain.supervision.messages import PenaltyDecision
from domain.supervision.state import EnterpriseState

# Who takes each action: the enterprise itself, or a supervisor.
BY_THE_ENTERPRISE = frozenset({SupervisionAction.SUBMIT_STATEMENT, SupervisionAction.SUBMIT_ORDER_REPORT})


def roles_for(action: SupervisionAction) -> frozenset[Role]:
    return frozenset({Role.ENTERPRISE}) if action in BY_THE_ENTERPRISE else SUPERVISING_ROLES


def refusal(state: EnterpriseState, action: SupervisionAction, actor: Actor, target: str) -> str | None:
    """Why `actor` may not take `action` on warning or penalty `target` now, or None."""
    if action in BY_THE_ENTERPRISE:
        if actor.role is not Role.ENTERPRISE or actor.org != state.credit_code:
            return f"{action} is for the enterprise {state.credit_code} itself"
    elif actor.role not in SUPERVISING_ROLES:
        return f"{action} is for a supervisor, not the {actor.role}"
    if action in (SupervisionAction.SUBMIT_STATEMENT, SupervisionAction.DECIDE_PENALTY):
        penalty = state.penalty(target)
        if penalty is None:
            return f"there is no penalty {target}"
        if not penalty.pending:
            return f"penalty {target} is {penalty.status}"
        due = penalty.statement_due
        if action is SupervisionAction.SUBMIT_STATEMENT:
            if penalty.statement is not None:
                return "the enterprise has already stated its case"
            if penalty.status is not PenaltyStatus.PROPOSED:
                return f"the statement window closed at {when(due.due if due else None)}"
        elif penalty.status is PenaltyStatus.PROPOSED:
            return f"the enterprise may state its case until {when(due.due if due else None)}"
        return None
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
