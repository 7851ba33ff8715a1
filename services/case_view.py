"""A case as each reader may see it, built from the workflow's state: the consumer's contact
details in full for staff, masked for the enterprise and the consumer."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from domain.complaint.rules import refusal, roles_for
from domain.complaint.state import ActiveTask, CaseState, Investigation, Rectification
from domain.enums import Action, Role
from domain.masking import mask_name, mask_phone
from domain.messages import Actor
from domain.tasks import EvaluationOutcome
from services.outputs import LocalTime, Output

# Who sees the consumer's contact details in full; everyone else sees them masked.
FULL_CONTACT = frozenset({Role.CLERK, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


class DeadlineView(Output):
    kind: str
    round: int
    due: LocalTime
    warn_at: LocalTime
    state: str
    window: str
    basis: str
    warned_at: LocalTime | None
    breached_at: LocalTime | None
    ended_at: LocalTime | None


class AwaitedView(Output):
    party: str
    who: str
    action: str
    opens_at: LocalTime | None
    due: LocalTime | None


class ConsumerView(Output):
    name: str
    phone: str
    id_number: str | None = None
    email: str | None = None
    address: str | None = None


class ActorView(Output):
    id: str
    role: str
    name: str = ""


class StepView(Output):
    """Something a party did: when, who, and what they said."""

    at: LocalTime | None
    by: ActorView | None
    content: dict[str, Any]


class EscalationView(Output):
    level: int
    cause: str
    at: LocalTime


class ViolationView(Output):
    kind: str
    at: LocalTime
    detail: str
    offence: str | None
    withdrawn_at: LocalTime | None = None  # the case repeated another: the violation counts no more


class InvestigationView(Output):
    opened_at: LocalTime
    cause: str
    investigator_id: str | None
    investigator_name: str | None
    evidence_requests: list[StepView]
    site_visits: list[StepView]
    findings: StepView | None


class RectificationView(Output):
    round: int
    ordered_at: LocalTime
    report: StepView | None
    verification: StepView | None


class TaskView(Output):
    task_id: str
    kind: str
    round: int
    assignee_id: str
    assignee_name: str
    opens_at: LocalTime
    due: LocalTime


class EvaluationView(Output):
    task_id: str
    agency_id: str
    evaluated: bool
    satisfaction: int | None
    service_attitude: int | None
    resolved: bool | None
    at: LocalTime


class RefusalView(Output):
    at: LocalTime
    action: str
    by: ActorView
    reason: str


class ProductView(Output):
    name: str
    model: str | None
    purchase_date: Any
    amount: Decimal | None


class AdmissionView(Output):
    """The bureau's acceptance decision: admitted or declined by a supervisor, or deemed."""

    outcome: str = Field(description="admitted, declined, or deemed (no decision in 7 working days)")
    at: LocalTime
    by: str | None = None  # the supervisor's account id
    ground: str | None = None
    note: str = ""


class CaseView(Output):
    tracking_no: str
    workflow_id: str
    revision: int  # one more with each change of the case
    status: str
    channel: str
    received_at: LocalTime
    category: str
    severity: str
    priority: str
    triage_rule: str
    triage_reasons: list[str]
    enterprise_code: str
    enterprise_name: str
    enterprise_licence_revoked_at: LocalTime | None = Field(
        description="the enterprise's business licence was revoked: the case is handled for the consumer"
    )
    region_code: str
    platform_code: str | None = Field(
        default=None, description="the e-commerce platform it sold through, if any"
    )
    platform_name: str | None = None
    bureau: str | None = Field(default=None, description="the division code of the bureau that handles it")
    bureau_rule: str | None = None
    bureau_reason: str | None = None
    product: ProductView
    description: str
    desired_outcome: str
    desired_outcome_detail: str
    consumer: ConsumerView
    overdue: bool
    escalation_level: int
    awaiting: list[AwaitedView]
    deadlines: list[DeadlineView]
    escalations: list[EscalationView]
    response: StepView | None
    proposal: StepView | None
    consumer_decision: StepView | None
    investigation: InvestigationView | None
    rectifications: list[RectificationView]
    task: TaskView | None
    evaluation: EvaluationView | None
    violations: list[ViolationView]
    refusals: list[RefusalView] = Field(default_factory=list)
    open_actions: list[Action] = Field(
        default_factory=list, description="the actions the reader may take on the case now"
    )
    outcome: str | None
    closing_note: str
    admission: AdmissionView | None = None
    closed_at: LocalTime | None
    policy_version: str


def _actor(actor: Any) -> ActorView:
    return ActorView.model_validate(actor, from_attributes=True)


def _content(command: Any) -> dict[str, Any]:
    """What a party sent, without the request id and the actor."""
    return command.model_dump(mode="json", exclude={"request_id", "actor"})


def _step(at: datetime | None, command: Any) -> StepView | None:
    return StepView(at=at, by=_actor(command.actor), content=_content(command)) if command else None


def _investigation(inv: Investigation | None) -> InvestigationView | None:
    if inv is None:
        return None
    return InvestigationView(
        opened_at=inv.opened_at,
        cause=inv.cause,
        investigator_id=inv.investigator.id if inv.investigator else None,
        investigator_name=inv.investigator.name if inv.investigator else None,
        evidence_requests=[
            StepView(
                at=r.requested_at,
                by=_actor(r.requested_by),
                content={
                    "round": r.round,
                    "items": r.items,
                    "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                    "submission": _content(r.submission) if r.submission else None,
                },
            )
            for r in inv.evidence_requests
        ],
        site_visits=[s for v in inv.site_visits if (s := _step(v.recorded_at, v.visit))],
        findings=_step(inv.findings_at, inv.findings),
    )


def _rectification(r: Rectification) -> RectificationView:
    check = r.verification
    return RectificationView(
        round=r.round,
        ordered_at=r.ordered_at,
        report=_step(r.submitted_at, r.report),
        verification=StepView(
            at=check.at,
            by=_actor(check.by),
            content={"effective": check.effective, "notes": check.notes, "late": check.late},
        )
        if check
        else None,
    )


def _task(task: ActiveTask | None) -> TaskView | None:
    if task is None:
        return None
    return TaskView(
        task_id=task.task_id,
        kind=task.kind,
        round=task.round,
        assignee_id=task.assignee.id,
        assignee_name=task.assignee.name,
        opens_at=task.opens_at,
        due=task.due,
    )


def _evaluation(outcome: EvaluationOutcome | None) -> EvaluationView | None:
    if outcome is None:
        return None
    result = outcome.result
    return EvaluationView(
        task_id=outcome.task_id,
        agency_id=outcome.agency.id,
        evaluated=outcome.evaluated,
        at=outcome.at,
        satisfaction=result.satisfaction if result else None,
        service_attitude=result.service_attitude if result else None,
        resolved=result.resolved if result else None,
    )


def case_view(case: CaseState, workflow_id: str, actor: Actor) -> CaseView:
    intake, consumer = case.intake, case.intake.consumer
    staff = actor.role in FULL_CONTACT
    if staff:
        consumer_view = ConsumerView.model_validate(consumer, from_attributes=True)
    else:
        consumer_view = ConsumerView(name=mask_name(consumer.name), phone=mask_phone(consumer.phone))
    decision = _step(case.accepted_at, case.acceptance) or _step(case.disputed_at, case.dispute)
    return CaseView(
        tracking_no=case.tracking_no,
        workflow_id=workflow_id,
        revision=case.revision,
        status=case.status,
        channel=intake.channel,
        received_at=intake.received_at,
        category=case.triage.category,
        severity=case.triage.severity,
        priority=case.triage.priority,
        triage_rule=case.triage.rule,
        triage_reasons=case.triage.reasons,
        enterprise_code=intake.enterprise.credit_code,
        enterprise_name=intake.enterprise.name,
        enterprise_licence_revoked_at=case.enterprise_revoked_at,
        region_code=intake.region_code,
        platform_code=intake.platform.credit_code if intake.platform else None,
        platform_name=intake.platform.name if intake.platform else None,
        bureau=case.routing.bureau if case.routing else None,
        bureau_rule=case.routing.rule if case.routing else None,
        bureau_reason=case.routing.reason if case.routing else None,
        product=ProductView.model_validate(intake.product, from_attributes=True),
        description=intake.description,
        desired_outcome=intake.desired_outcome,
        desired_outcome_detail=intake.desired_outcome_detail,
        consumer=consumer_view,
        overdue=case.overdue,
        escalation_level=case.escalation_level,
        awaiting=[AwaitedView.model_validate(a, from_attributes=True) for a in case.awaiting()],
        deadlines=[DeadlineView.model_validate(d, from_attributes=True) for d in case.deadlines],
        escalations=[EscalationView.model_validate(e, from_attributes=True) for e in case.escalations],
        response=_step(case.responded_at, case.response),
        proposal=_step(case.proposed_at, case.proposal),
        consumer_decision=decision,
        investigation=_investigation(case.investigation),
        rectifications=[_rectification(r) for r in case.rectifications],
        task=_task(case.task),
        evaluation=_evaluation(case.evaluation),
        violations=[ViolationView.model_validate(v, from_attributes=True) for v in case.violations],
        refusals=[
            RefusalView(at=r.at, action=r.action, reason=r.reason, by=_actor(r.actor)) for r in case.refusals
        ]
        if staff
        else [],
        open_actions=[a for a in Action if actor.role in roles_for(a) and refusal(case, a, actor) is None],
        outcome=case.outcome,
        closing_note=case.closing_note,
        admission=AdmissionView(
            outcome=case.admission.outcome,
            at=case.admission.at,
            by=case.admission.by.id if case.admission.by else None,
            ground=case.admission.ground,
            note=case.admission.note,
        )
        if case.admission
        else None,
        closed_at=case.closed_at,
        policy_version=case.policy.version,
    )
