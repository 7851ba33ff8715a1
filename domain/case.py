"""A complaint case's state, and the pure rules of what may happen to it next.

The workflow holds one `CaseState`, changes it only through these rules, and carries it
across continue-as-new. The API reads it through a query.
"""

from datetime import datetime

from pydantic import Field

from domain.enums import (
    SUPERVISING_ROLES,
    Action,
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    Outcome,
    RejectionReason,
    Role,
    TaskKind,
)
from domain.messages import (
    Accept,
    Actor,
    Assignee,
    Command,
    ComplaintIntake,
    DeadlineRequest,
    Dispute,
    Escalate,
    EvaluationResult,
    Message,
    Propose,
    RecordSiteVisit,
    Reject,
    RequestEvidence,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    VerificationResult,
    ViolationRecord,
)
from domain.policy import Policy
from domain.triage import Triage

# How many request ids a case remembers; a retry comes within seconds, not after hundreds.
REMEMBERED_REQUESTS = 500


class Deadline(Message):
    kind: DeadlineKind
    round: int = 1
    started_at: datetime
    due: datetime
    warn_at: datetime
    window: str
    basis: str
    state: DeadlineState = DeadlineState.PENDING
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.round}"

    def next_alarm(self) -> tuple[datetime, str] | None:
        """When this deadline's timer should fire next, and for what."""
        if self.state is not DeadlineState.PENDING:
            return None
        if self.warned_at is None and self.warn_at < self.due:
            return self.warn_at, "warning"
        return self.due, "breach"


class Escalation(Message):
    level: int
    cause: str
    at: datetime
    by: Actor


class Refusal(Message):
    at: datetime
    action: str
    actor: Actor
    request_id: str
    reason: str


class EvidenceRequest(Message):
    round: int
    items: str
    requested_at: datetime
    requested_by: Actor
    submission: SubmitEvidence | None = None
    submitted_at: datetime | None = None


class SiteVisit(Message):
    recorded_at: datetime
    visit: RecordSiteVisit


class Investigation(Message):
    opened_at: datetime
    cause: str
    investigator: Assignee | None = None
    evidence_requests: list[EvidenceRequest] = Field(default_factory=list)
    site_visits: list[SiteVisit] = Field(default_factory=list)
    findings: SubmitFindings | None = None
    findings_at: datetime | None = None

    def open_evidence_request(self) -> EvidenceRequest | None:
        last = self.evidence_requests[-1] if self.evidence_requests else None
        return last if last and last.submitted_at is None else None


class VerificationOutcome(Message):
    task_id: str
    effective: bool
    notes: str
    by: Actor
    at: datetime
    late: bool = False


class Rectification(Message):
    round: int
    ordered_at: datetime
    report: SubmitRectification | None = None
    submitted_at: datetime | None = None
    verification: VerificationOutcome | None = None


class EvaluationOutcome(Message):
    task_id: str
    agency: Assignee
    evaluated: bool
    result: EvaluationResult | None = None
    at: datetime


class ActiveTask(Message):
    """The child workflow in flight."""

    task_id: str
    kind: TaskKind
    round: int
    assignee: Assignee
    opens_at: datetime
    due: datetime


class Awaited(Message):
    party: Role
    who: str  # credit code, account id, agency id, or "consumer"
    action: str
    opens_at: datetime | None = None
    due: datetime | None = None


class CaseState(Message):
    intake: ComplaintIntake
    policy: Policy
    triage: Triage
    status: CaseStatus = CaseStatus.RECEIVED
    revision: int = 0  # one more for every event; the read model's idempotency key
    forwarded_at: datetime | None = None
    deadlines: list[Deadline] = Field(default_factory=list)
    escalation_level: int = 0
    escalations: list[Escalation] = Field(default_factory=list)
    violations: list[ViolationRecord] = Field(default_factory=list)
    refusals: list[Refusal] = Field(default_factory=list)  # the latest; all are in the history
    response: Respond | None = None
    responded_at: datetime | None = None
    proposal: Propose | None = None
    proposed_at: datetime | None = None
    acceptance: Accept | None = None
    accepted_at: datetime | None = None
    dispute: Dispute | None = None
    disputed_at: datetime | None = None
    investigation: Investigation | None = None
    resolved_at: datetime | None = None  # accepted, found unsubstantiated, or rectified: evaluation follows
    rectifications: list[Rectification] = Field(default_factory=list)
    task: ActiveTask | None = None
    evaluation: EvaluationOutcome | None = None
    outcome: Outcome | None = None
    closing_note: str = ""
    closed_at: datetime | None = None
    requests: dict[str, str] = Field(default_factory=dict)  # request id → "applied" or refusal
    met_early: list[str] = Field(default_factory=list)  # deadline keys met while being computed
    task_failures: dict[str, int] = Field(default_factory=dict)  # "verification-1" → child runs that failed

    # --- reading -----------------------------------------------------------------------

    @property
    def tracking_no(self) -> str:
        return self.intake.tracking_no

    @property
    def enterprise_code(self) -> str:
        return self.intake.enterprise.credit_code

    def deadline(self, kind: DeadlineKind) -> Deadline | None:
        """The latest deadline of this kind."""
        found = [d for d in self.deadlines if d.kind is kind]
        return found[-1] if found else None

    @property
    def overdue(self) -> bool:
        """A deadline has passed unmet and the case is still open."""
        return self.status is not CaseStatus.CLOSED and any(
            d.state is DeadlineState.BREACHED for d in self.deadlines
        )

    @property
    def next_due(self) -> datetime | None:
        """The earliest deadline still running or passed unmet: the queue's second key."""
        open_ = [d.due for d in self.deadlines if d.state in (DeadlineState.PENDING, DeadlineState.BREACHED)]
        if self.task:
            open_.append(self.task.due)
        return min(open_) if open_ else None

    def task_key(self, kind: TaskKind) -> str:
        round_ = self.rectification.round if kind is TaskKind.VERIFICATION and self.rectification else 1
        return f"{kind}-{round_}"

    def task_attempt(self, kind: TaskKind) -> int:
        """Which attempt the next task of this kind and round is: one more than those that failed."""
        return self.task_failures.get(self.task_key(kind), 0) + 1

    @property
    def rectification(self) -> Rectification | None:
        return self.rectifications[-1] if self.rectifications else None

    def still_runs(self, kind: DeadlineKind, round_: int = 1) -> bool:
        """Whether a deadline of this kind still matters in the case's present state."""
        status, inv, rect = self.status, self.investigation, self.rectification
        if status is CaseStatus.CLOSED:
            return False
        match kind:
            case DeadlineKind.RESPONSE:
                return self.responded_at is None
            case DeadlineKind.RESOLUTION:
                return status in (CaseStatus.FORWARDED, CaseStatus.RESPONDED)
            case DeadlineKind.CONSUMER_DECISION:
                return status is CaseStatus.PROPOSED
            case DeadlineKind.INVESTIGATION:
                return status is CaseStatus.INVESTIGATING
            case DeadlineKind.EVIDENCE:
                open_ = inv.open_evidence_request() if inv else None
                return status is CaseStatus.INVESTIGATING and open_ is not None and open_.round == round_
            case DeadlineKind.RECTIFICATION:
                return (
                    status is CaseStatus.RECTIFYING
                    and rect is not None
                    and rect.round == round_
                    and rect.report is None
                )
        return True

    def awaiting(self) -> list[Awaited]:
        """Who the case waits for, for what, and by when."""
        code, out = self.enterprise_code, []

        def due(kind: DeadlineKind) -> datetime | None:
            d = self.deadline(kind)
            return d.due if d and d.state in (DeadlineState.PENDING, DeadlineState.BREACHED) else None

        if self.status in (CaseStatus.FORWARDED, CaseStatus.INVESTIGATING) and self.responded_at is None:
            out.append(
                Awaited(party=Role.ENTERPRISE, who=code, action="respond", due=due(DeadlineKind.RESPONSE))
            )
        if self.status in (CaseStatus.FORWARDED, CaseStatus.RESPONDED):
            out.append(
                Awaited(
                    party=Role.ENTERPRISE,
                    who=code,
                    action="propose a resolution",
                    due=due(DeadlineKind.RESOLUTION),
                )
            )
        elif self.status is CaseStatus.PROPOSED:
            out.append(
                Awaited(
                    party=Role.CONSUMER,
                    who="consumer",
                    action="accept or dispute the proposal",
                    due=due(DeadlineKind.CONSUMER_DECISION),
                )
            )
        elif self.status is CaseStatus.INVESTIGATING and self.investigation:
            inv = self.investigation
            if inv.investigator is None:
                out.append(Awaited(party=Role.SYSTEM, who="system", action="assign an investigator"))
            else:
                out.append(
                    Awaited(
                        party=Role.INVESTIGATOR,
                        who=inv.investigator.id,
                        action="record findings",
                        due=due(DeadlineKind.INVESTIGATION),
                    )
                )
            if inv.open_evidence_request():
                out.append(
                    Awaited(
                        party=Role.ENTERPRISE,
                        who=code,
                        action="submit evidence",
                        due=due(DeadlineKind.EVIDENCE),
                    )
                )
        elif self.status is CaseStatus.RECTIFYING:
            out.append(
                Awaited(
                    party=Role.ENTERPRISE,
                    who=code,
                    action="submit the rectification report",
                    due=due(DeadlineKind.RECTIFICATION),
                )
            )
        elif self.status in (CaseStatus.VERIFYING, CaseStatus.EVALUATING) and self.task is None:
            task = "verification" if self.status is CaseStatus.VERIFYING else "evaluation"
            out.append(Awaited(party=Role.SYSTEM, who="system", action=f"start the {task}"))
        elif self.status in (CaseStatus.VERIFYING, CaseStatus.EVALUATING) and self.task:
            if self.task.kind is TaskKind.VERIFICATION:
                party, action = Role.INVESTIGATOR, "verify the rectification"
            else:
                party, action = Role.EVALUATOR, "survey the consumer"
            out.append(
                Awaited(
                    party=party,
                    who=self.task.assignee.id,
                    action=action,
                    opens_at=self.task.opens_at,
                    due=self.task.due,
                )
            )
        return out

    # --- the rules -----------------------------------------------------------------------

    def refusal(self, action: Action, actor: Actor) -> str | None:
        """Why `actor` may not take `action` now, or None if they may."""
        if self.status is CaseStatus.CLOSED:
            return f"the case is closed ({self.outcome})"
        roles, statuses = ACTION_RULES[action]
        if actor.role not in roles:
            allowed = " or ".join(sorted(roles))
            return f"{action} is for the {allowed}, not the {actor.role}"
        if actor.role is Role.ENTERPRISE and actor.org != self.enterprise_code:
            return "this case concerns another enterprise"
        if action is Action.RESPOND and self.responded_at is not None:
            return f"the enterprise already responded at {self.responded_at.isoformat()}"
        if self.status not in statuses:
            waiting = "; ".join(f"{a.party}: {a.action}" for a in self.awaiting()) or "nothing"
            return f"{action} does not fit a case that is {self.status} (it awaits {waiting})"
        inv = self.investigation
        if actor.role is Role.INVESTIGATOR:
            if inv is None or inv.investigator is None:
                return "no investigator is assigned to this case yet"
            if inv.investigator.id != actor.id:
                return "this case is assigned to another investigator"
        if action is Action.REQUEST_EVIDENCE and inv and (open_ := inv.open_evidence_request()):
            return f"an evidence request is already open since {open_.requested_at.isoformat()}"
        if action is Action.SUBMIT_EVIDENCE and (inv is None or inv.open_evidence_request() is None):
            return "no evidence has been requested"
        return None


def content_problem(command: Command) -> str | None:
    """What is wrong with a command's content (the API checks the same before sending)."""
    texts: dict[str, str] = {}
    if isinstance(command, Respond):
        texts["message"] = command.message
    elif isinstance(command, Propose):
        texts["detail"] = command.detail
        if not command.measures:
            return "measures: a proposal offers at least one measure"
    elif isinstance(command, Dispute | Escalate):
        texts["reason"] = command.reason
    elif isinstance(command, Reject):
        if command.reason is RejectionReason.DUPLICATE and not command.duplicate_of:
            return "duplicate_of: a rejection as duplicate names the case it duplicates"
    elif isinstance(command, RequestEvidence):
        texts["items"] = command.items
    elif isinstance(command, SubmitEvidence):
        texts["description"] = command.description
    elif isinstance(command, RecordSiteVisit):
        texts = {"location": command.location, "notes": command.notes}
    elif isinstance(command, SubmitFindings):
        texts["summary"] = command.summary
        if command.verdict.substantiated and command.offence is None:
            return "offence: substantiated findings name the offence"
    elif isinstance(command, SubmitRectification):
        texts = {
            "cause_analysis": command.cause_analysis,
            "improvement_measures": command.improvement_measures,
            "implementation_effect": command.implementation_effect,
        }
    elif isinstance(command, VerificationResult):
        texts["notes"] = command.notes
    elif isinstance(command, EvaluationResult):
        for name in ("satisfaction", "service_attitude"):
            if not 1 <= getattr(command, name) <= 5:
                return f"{name}: must be from 1 to 5"
    for name, value in texts.items():
        if not value.strip():
            return f"{name}: must not be empty"
    return None


_OPEN = {CaseStatus.FORWARDED, CaseStatus.RESPONDED, CaseStatus.PROPOSED, CaseStatus.INVESTIGATING}

# Who may take each action, and in which states of the case.
ACTION_RULES: dict[Action, tuple[frozenset[Role], set[CaseStatus]]] = {
    Action.RESPOND: (frozenset({Role.ENTERPRISE}), {CaseStatus.FORWARDED, CaseStatus.INVESTIGATING}),
    Action.PROPOSE: (frozenset({Role.ENTERPRISE}), {CaseStatus.FORWARDED, CaseStatus.RESPONDED}),
    Action.ACCEPT: (frozenset({Role.CONSUMER}), {CaseStatus.PROPOSED}),
    Action.DISPUTE: (frozenset({Role.CONSUMER}), {CaseStatus.PROPOSED}),
    Action.WITHDRAW: (frozenset({Role.CONSUMER}), _OPEN),
    Action.REJECT: (SUPERVISING_ROLES, _OPEN),
    Action.ESCALATE: (SUPERVISING_ROLES, {CaseStatus.FORWARDED, CaseStatus.RESPONDED, CaseStatus.PROPOSED}),
    Action.REQUEST_EVIDENCE: (frozenset({Role.INVESTIGATOR}), {CaseStatus.INVESTIGATING}),
    Action.SUBMIT_EVIDENCE: (frozenset({Role.ENTERPRISE}), {CaseStatus.INVESTIGATING}),
    Action.RECORD_SITE_VISIT: (frozenset({Role.INVESTIGATOR}), {CaseStatus.INVESTIGATING}),
    Action.SUBMIT_FINDINGS: (frozenset({Role.INVESTIGATOR}), {CaseStatus.INVESTIGATING}),
    Action.SUBMIT_RECTIFICATION: (frozenset({Role.ENTERPRISE}), {CaseStatus.RECTIFYING}),
}


# --- the workflow's input and output ------------------------------------------------------


class ComplaintInput(Message):
    intake: ComplaintIntake
    state: CaseState | None = None  # set when the case continues as new


class CaseSetup(Message):
    """What intake decides, in one activity: the policy in force, triage, the first deadlines."""

    policy: Policy
    triage: Triage
    deadlines: list[Deadline]


class CaseResult(Message):
    tracking_no: str
    outcome: Outcome
    closed_at: datetime
    escalation_level: int
    violations: int


class ActionCheck(Message):
    action: Action
    actor: Actor


class DeadlinesInput(Message):
    policy: Policy
    requests: list[DeadlineRequest]
