"""A complaint case's state, and what can be read off it: its deadlines, what it awaits and
from whom. The workflow holds one `CaseState`, changes it only through the process, and
carries it across continue-as-new; the service layer reads it through a query."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from domain.bureaus import Routing
from domain.complaint.messages import (
    Accept,
    ComplaintIntake,
    Dispute,
    Propose,
    RecordSiteVisit,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    ViolationRecord,
)
from domain.deadlines import Deadline
from domain.enums import CaseStatus, DeadlineKind, DeadlineState, DeclineGround, Outcome, Role, TaskKind
from domain.ids import task_key
from domain.ledger import Refusal
from domain.messages import Actor, Assignee, Message
from domain.policy import Policy
from domain.tasks import EvaluationOutcome, VerificationOutcome
from domain.triage import Triage


class Escalation(Message):
    level: int
    cause: str
    at: datetime
    by: Actor


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


class Rectification(Message):
    round: int
    ordered_at: datetime
    report: SubmitRectification | None = None
    submitted_at: datetime | None = None
    verification: VerificationOutcome | None = None


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


class Admission(Message):
    """The bureau's decision whether it accepts the complaint: taken by a supervisor (admitted or
    declined, on a ground), or deemed admitted when the window closed undecided."""

    outcome: Literal["admitted", "declined", "deemed"]
    at: datetime
    by: Actor | None = None
    ground: DeclineGround | None = None
    note: str = ""


class TransferRecord(Message):
    """The case passed from one bureau to another: when, why and by whom."""

    at: datetime
    from_bureau: str
    to_bureau: str
    reason: str
    by: Actor


class CaseState(Message):
    intake: ComplaintIntake
    policy: Policy
    triage: Triage
    enterprise_revoked_at: datetime | None = None  # the enterprise's business licence revoked
    routing: Routing | None = None  # the bureau that handles it (none: a case from before bureaus)
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
    duplicate_of: str | None = None  # rejected as a duplicate of this case
    admission: Admission | None = None  # the bureau's acceptance decision, once taken or deemed
    transfers: list[TransferRecord] = Field(default_factory=list)
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
        open_ = [d.due for d in self.deadlines if d.running]
        if self.task:
            open_.append(self.task.due)
        return min(open_) if open_ else None

    def task_key(self, kind: TaskKind) -> str:
        round_ = self.rectification.round if kind is TaskKind.VERIFICATION and self.rectification else 1
        return task_key(kind, round_)

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
            case DeadlineKind.ACCEPTANCE:
                return self.admission is None
            case DeadlineKind.MEDIATION:
                return status in (CaseStatus.FORWARDED, CaseStatus.RESPONDED, CaseStatus.PROPOSED)
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
        out: list[Awaited] = []

        def wait(party: Role, who: str, action: str, kind: DeadlineKind | None = None) -> None:
            d = self.deadline(kind) if kind else None
            out.append(Awaited(party=party, who=who, action=action, due=d.due if d and d.running else None))

        def enterprise(action: str, kind: DeadlineKind) -> None:
            wait(Role.ENTERPRISE, self.enterprise_code, action, kind)

        status, inv, task = self.status, self.investigation, self.task
        if status in (CaseStatus.FORWARDED, CaseStatus.INVESTIGATING) and self.responded_at is None:
            enterprise("respond", DeadlineKind.RESPONSE)
        if status in (CaseStatus.FORWARDED, CaseStatus.RESPONDED):
            enterprise("propose a resolution", DeadlineKind.RESOLUTION)
        elif status is CaseStatus.PROPOSED:
            wait(Role.CONSUMER, "consumer", "accept or dispute the proposal", DeadlineKind.CONSUMER_DECISION)
        elif status is CaseStatus.INVESTIGATING and inv:
            if inv.investigator is None:
                wait(Role.SYSTEM, "system", "assign an investigator")
            else:
                wait(Role.INVESTIGATOR, inv.investigator.id, "record findings", DeadlineKind.INVESTIGATION)
            if inv.open_evidence_request():
                enterprise("submit evidence", DeadlineKind.EVIDENCE)
        elif status is CaseStatus.RECTIFYING:
            enterprise("submit the rectification report", DeadlineKind.RECTIFICATION)
        elif status in (CaseStatus.VERIFYING, CaseStatus.EVALUATING) and task is None:
            wait(
                Role.SYSTEM,
                "system",
                f"start the {'verification' if status is CaseStatus.VERIFYING else 'evaluation'}",
            )
        elif status in (CaseStatus.VERIFYING, CaseStatus.EVALUATING) and task:
            verifying = task.kind is TaskKind.VERIFICATION
            out.append(
                Awaited(
                    party=Role.INVESTIGATOR if verifying else Role.EVALUATOR,
                    who=task.assignee.id,
                    action="verify the rectification" if verifying else "survey the consumer",
                    opens_at=task.opens_at,
                    due=task.due,
                )
            )
        return out
