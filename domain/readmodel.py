"""What the read model keeps of a case, derived from its state: no personal data in clear."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from domain.complaint.messages import ConsumerDetails, ViolationRecord
from domain.complaint.state import CaseState
from domain.deadlines import Deadline
from domain.enums import CaseStatus, Category, Channel, DeadlineKind, Outcome, Priority, Severity
from domain.masking import mask_name, mask_phone
from domain.messages import CaseEvent, Message, Notification
from domain.metrics import counted
from domain.supervision.messages import CaseReport
from domain.supervision.state import EnterpriseState, PublicNotice
from domain.tasks import TaskRecord


class CaseSnapshot(Message):
    tracking_no: str
    workflow_id: str
    revision: int
    channel: Channel
    status: CaseStatus
    category: Category
    severity: Severity
    priority: Priority
    triage_rule: str
    enterprise_code: str
    enterprise_name: str
    region_code: str
    bureau_code: str | None = None  # the bureau that handles it; none for a case from before bureaus
    product_name: str
    consumer_name_masked: str
    consumer_phone_masked: str
    received_at: datetime
    response_due: datetime | None
    resolution_due: datetime | None
    next_due: datetime | None
    responded_at: datetime | None
    proposed_at: datetime | None
    closed_at: datetime | None
    outcome: Outcome | None
    escalation_level: int
    overdue: bool
    investigator_id: str | None
    policy_version: str
    resolved_at: datetime | None = None
    response_breached: bool = False
    resolution_breached: bool = False
    repeat_complaint: bool = False
    enterprise_revoked: bool = False
    # The bureau's own timeliness: its acceptance decision, the transfers, mediation's time-out.
    admission: str | None = None  # admitted | declined | deemed (the window closed undecided)
    transfers: int = 0
    transferred_at: datetime | None = None  # the last transfer
    mediation_timed_out: bool = False


def case_row(snap: CaseSnapshot) -> dict[str, Any]:
    """The read model's row of a case: its snapshot's fields (its enterprise's name kept apart,
    in the enterprise's row) and its place in the metrics' counts, worked out from those fields
    as the row is written, whichever worker's snapshot it is (`domain.metrics.counted`)."""
    fields = snap.model_dump(exclude={"enterprise_name"})
    return fields | counted(fields)


class CaseUpdate(Message):
    snapshot: CaseSnapshot
    events: list[CaseEvent] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)
    violations: list[ViolationRecord] = Field(default_factory=list)
    withdrawn: list[ViolationRecord] = Field(default_factory=list)  # the case repeated another
    # Its violations and verifications for the enterprise's supervision, reported once written.
    report: CaseReport | None = None
    # The consumer's details, where the step tells the consumer something: its deliveries read
    # them here rather than ask the case by a query (a task of its own for the case's worker).
    consumer: ConsumerDetails | None = None


class TaskUpdate(Message):
    task: TaskRecord
    events: list[CaseEvent] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)


def _counted(case: CaseState, deadline: Deadline | None) -> bool:
    """Breached, and against the enterprise: the case had reached it before the deadline."""
    return bool(deadline and deadline.breached_at and case.forwarded_at and case.forwarded_at < deadline.due)


def snapshot(case: CaseState, workflow_id: str) -> CaseSnapshot:
    intake = case.intake
    response, resolution = case.deadline(DeadlineKind.RESPONSE), case.deadline(DeadlineKind.RESOLUTION)
    investigator = case.investigation.investigator if case.investigation else None
    return CaseSnapshot(
        tracking_no=intake.tracking_no,
        workflow_id=workflow_id,
        revision=case.revision,
        channel=intake.channel,
        status=case.status,
        category=case.triage.category,
        severity=case.triage.severity,
        priority=case.triage.priority,
        triage_rule=case.triage.rule,
        enterprise_code=intake.enterprise.credit_code,
        enterprise_name=intake.enterprise.name,
        region_code=intake.region_code,
        bureau_code=case.routing.bureau if case.routing else None,
        product_name=intake.product.name,
        consumer_name_masked=mask_name(intake.consumer.name),
        consumer_phone_masked=mask_phone(intake.consumer.phone),
        received_at=intake.received_at,
        response_due=response.due if response else None,
        resolution_due=resolution.due if resolution else None,
        next_due=case.next_due,
        responded_at=case.responded_at,
        proposed_at=case.proposed_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        escalation_level=case.escalation_level,
        overdue=case.overdue,
        investigator_id=investigator.id if investigator else None,
        policy_version=case.policy.version,
        resolved_at=case.resolved_at,
        response_breached=_counted(case, response),
        resolution_breached=_counted(case, resolution),
        repeat_complaint=case.triage.repeat,
        enterprise_revoked=case.enterprise_revoked_at is not None,
        admission=case.admission.outcome if case.admission else None,
        transfers=len(case.transfers),
        transferred_at=case.transfers[-1].at if case.transfers else None,
        mediation_timed_out=any(
            d.kind is DeadlineKind.MEDIATION and d.breached_at is not None for d in case.deadlines
        ),
    )


# --- enterprise supervision ----------------------------------------------------------------


class EnterpriseSnapshot(Message):
    credit_code: str
    name: str
    workflow_id: str
    revision: int
    level: int
    active_warnings: int
    standing_penalties: int
    policy_version: str
    revoked_at: datetime | None = None


class MeasureRecord(Message):
    """A warning or a penalty, as the read model keeps it."""

    enterprise_code: str
    measure_id: str
    kind: str  # warning | penalty
    status: str
    issued_at: datetime
    decided_at: datetime | None = None
    ended_at: datetime | None = None
    penalty_kind: str | None = None
    amount: Decimal | None = None
    cause: str
    tracking_nos: list[str] = Field(default_factory=list)
    revision: int


class SupervisionUpdate(Message):
    snapshot: EnterpriseSnapshot
    events: list[CaseEvent] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)
    measures: list[MeasureRecord] = Field(default_factory=list)
    notices: list[PublicNotice] = Field(default_factory=list)


def supervision_update(
    state: EnterpriseState,
    workflow_id: str,
    events: list[CaseEvent],
    notifications: list[Notification],
    notices: list[PublicNotice],
    recorded: Mapping[str, MeasureRecord] | None = None,
) -> SupervisionUpdate:
    """The enterprise's row, what happened since the last update, and its warnings and
    penalties: those that differ from `recorded` (what the run wrote before), or all."""
    code, revision = state.credit_code, state.revision
    measures = [
        MeasureRecord(
            enterprise_code=code,
            measure_id=w.id,
            kind="warning",
            status=w.status,
            issued_at=w.issued_at,
            ended_at=w.ended_at,
            cause=w.cause,
            tracking_nos=[w.tracking_no],
            revision=revision,
        )
        for w in state.warnings
    ] + [
        MeasureRecord(
            enterprise_code=code,
            measure_id=p.id,
            kind="penalty",
            status=p.status,
            issued_at=p.proposed_at,
            decided_at=p.decided_at,
            ended_at=p.lifted_at or p.ended_at,
            penalty_kind=p.kind,
            amount=p.amount,
            cause=p.trigger,
            tracking_nos=p.tracking_nos,
            revision=revision,
        )
        for p in state.penalties
    ]
    return SupervisionUpdate(
        snapshot=EnterpriseSnapshot(
            credit_code=code,
            name=state.name,
            workflow_id=workflow_id,
            revision=revision,
            level=state.level,
            active_warnings=len(state.active_warnings),
            standing_penalties=len(state.standing_penalties),
            policy_version=state.policy.version,
            revoked_at=state.revoked_at,
        ),
        events=events,
        notifications=notifications,
        measures=[m for m in measures if not _unchanged(m, (recorded or {}).get(m.measure_id))],
        notices=notices,
    )


def _unchanged(measure: MeasureRecord, before: MeasureRecord | None) -> bool:
    return before is not None and before.model_copy(update={"revision": measure.revision}) == measure
