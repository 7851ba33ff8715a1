"""Who may take each action on a case, and in which of its states: the one place the
workflow, the service layer and the pages learn whether an action fits."""

from domain.complaint.state import CaseState
from domain.enums import SUPERVISING_ROLES, Action, CaseStatus, DeadlineKind, Role
from domain.messages import SUPERVISORS, Actor, Notification

_OPEN = frozenset({CaseStatus.FORWARDED, CaseStatus.RESPONDED, CaseStatus.PROPOSED, CaseStatus.INVESTIGATING})

# Who may take each action, and in which states of the case.
ACTION_RULES: dict[Action, tuple[frozenset[Role], frozenset[CaseStatus]]] = {
    Action.RESPOND: (
        frozenset({Role.ENTERPRISE}),
        frozenset({CaseStatus.FORWARDED, CaseStatus.INVESTIGATING}),
    ),
    Action.PROPOSE: (frozenset({Role.ENTERPRISE}), frozenset({CaseStatus.FORWARDED, CaseStatus.RESPONDED})),
    Action.ACCEPT: (frozenset({Role.CONSUMER}), frozenset({CaseStatus.PROPOSED})),
    Action.DISPUTE: (frozenset({Role.CONSUMER}), frozenset({CaseStatus.PROPOSED})),
    Action.WITHDRAW: (frozenset({Role.CONSUMER}), _OPEN),
    Action.REJECT: (SUPERVISING_ROLES, _OPEN),
    Action.ESCALATE: (
        SUPERVISING_ROLES,
        frozenset({CaseStatus.FORWARDED, CaseStatus.RESPONDED, CaseStatus.PROPOSED}),
    ),
    Action.REQUEST_EVIDENCE: (frozenset({Role.INVESTIGATOR}), frozenset({CaseStatus.INVESTIGATING})),
    Action.SUBMIT_EVIDENCE: (frozenset({Role.ENTERPRISE}), frozenset({CaseStatus.INVESTIGATING})),
    Action.RECORD_SITE_VISIT: (frozenset({Role.INVESTIGATOR}), frozenset({CaseStatus.INVESTIGATING})),
    Action.SUBMIT_FINDINGS: (frozenset({Role.INVESTIGATOR}), frozenset({CaseStatus.INVESTIGATING})),
    Action.SUBMIT_RECTIFICATION: (frozenset({Role.ENTERPRISE}), frozenset({CaseStatus.RECTIFYING})),
    Action.ADMIT: (SUPERVISING_ROLES, _OPEN),
    Action.DECLINE: (SUPERVISING_ROLES, _OPEN),
    Action.TRANSFER: (SUPERVISING_ROLES, _OPEN),
}


def roles_for(action: Action) -> frozenset[Role]:
    return ACTION_RULES[action][0]


def refusal(case: CaseState, action: Action, actor: Actor) -> str | None:
    """Why `actor` may not take `action` on the case now, or None if they may."""
    if case.status is CaseStatus.CLOSED:
        return f"the case is closed ({case.outcome})"
    roles, statuses = ACTION_RULES[action]
    if actor.role not in roles:
        allowed = " or ".join(sorted(roles))
        return f"{action} is for the {allowed}, not the {actor.role}"
    if actor.role is Role.ENTERPRISE and actor.org != case.enterprise_code:
        return "this case concerns another enterprise"
    if action is Action.RESPOND and case.responded_at is not None:
        return f"the enterprise already responded at {case.responded_at.isoformat()}"
    if case.status not in statuses:
        waiting = "; ".join(f"{a.party}: {a.action}" for a in case.awaiting()) or "nothing"
        return f"{action} does not fit a case that is {case.status} (it awaits {waiting})"
    inv = case.investigation
    if actor.role is Role.INVESTIGATOR:
        if inv is None or inv.investigator is None:
            return "no investigator is assigned to this case yet"
        if inv.investigator.id != actor.id:
            return "this case is assigned to another investigator"
    if action is Action.REQUEST_EVIDENCE and inv and (open_ := inv.open_evidence_request()):
        return f"an evidence request is already open since {open_.requested_at.isoformat()}"
    if action is Action.SUBMIT_EVIDENCE and (inv is None or inv.open_evidence_request() is None):
        return "no evidence has been requested"
    if action in (Action.ADMIT, Action.DECLINE):
        return _admission_refusal(case)
    if action is Action.TRANSFER and (taken := case.admission) is not None:
        return f"a case is transferred before its acceptance is decided; it was at {taken.at.isoformat()}"
    return None


def _admission_refusal(case: CaseState) -> str | None:
    """Acceptance is decided once, within its window; after it the case counts as accepted."""
    if (taken := case.admission) is not None:
        return f"acceptance was decided at {taken.at.isoformat()} ({taken.outcome})"
    window = case.deadline(DeadlineKind.ACCEPTANCE)
    if window is None:
        return "the case was received before acceptance decisions were recorded: it counts as accepted"
    return None


def one_notice_per_breach(notifications: list[Notification]) -> list[Notification]:
    """A missed response is told to the supervisors as overdue and escalated in one notice: the
    escalation's own notice to them, written with it, would tell them the same thing twice."""
    if not any(n.topic == "response_overdue" and n.recipient == SUPERVISORS for n in notifications):
        return notifications
    return [n for n in notifications if not (n.topic == "escalated" and n.recipient == SUPERVISORS)]
