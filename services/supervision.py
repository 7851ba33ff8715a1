"""Enterprise supervision: the record, the enterprise's statement and rectification reports,
the supervisor's decisions and verifications, and the list of enterprises under supervision."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator
from sqlalchemy import select

from db.models import Enterprise, EnterpriseSupervision
from domain.enums import DecisionOutcome, PenaltyKind, Role, SupervisionAction
from domain.ids import enterprise_workflow_id
from domain.messages import Command
from domain.supervision.io import SupervisionCheck
from domain.supervision.messages import (
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    amendment_problem,
)
from domain.supervision.rules import decision_problem, roles_for
from domain.supervision.state import EnterpriseState, IssuedWarning, Penalty
from services.context import Context
from services.errors import NotFound, problem_invalid
from services.fields import Input, LongText, Money, Text, requires, stated
from services.idempotency import request_id
from services.outputs import ActionAccepted, LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from services.signals import query, send
from workflows.enterprise import EnterpriseWorkflow

AMEND = DecisionOutcome.AMEND.value
READERS = frozenset({Role.ENTERPRISE, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
OVERSIGHT = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


# --- the record --------------------------------------------------------------------------


class DeadlineOut(Output):
    due: LocalTime
    state: str
    window: str


class WarningOut(Output):
    id: str
    status: str
    issued_at: LocalTime
    tracking_no: str
    cause: str
    internal: bool
    order_in_case: bool
    order_due: DeadlineOut | None
    reported_at: LocalTime | None
    verified: bool | None
    ended_at: LocalTime | None


class PenaltyOut(Output):
    id: str
    status: str
    proposed_at: LocalTime
    trigger: str
    kind: str
    amount: Decimal | None
    suspension_days: int | None
    illegal_income: Decimal | None
    tracking_nos: list[str]
    statement_due: DeadlineOut | None
    statement: str | None
    stated_at: LocalTime | None
    decision: str | None
    decision_reason: str | None
    decided_at: LocalTime | None
    notice_id: str | None
    lifted_at: LocalTime | None


class StepOut(Output):
    at: LocalTime
    step: str
    detail: str
    policy_version: str


class CommendationOut(Output):
    at: LocalTime
    cause: str


class SupervisionRecord(Output):
    credit_code: str
    name: str
    under_supervision: bool
    level: int
    warnings: list[WarningOut] = Field(default_factory=list)
    penalties: list[PenaltyOut] = Field(default_factory=list)
    commendations: list[CommendationOut] = Field(default_factory=list)
    history: list[StepOut] = Field(default_factory=list)


def _deadline(d: Any) -> DeadlineOut | None:
    return DeadlineOut(due=d.due, state=d.state, window=d.window) if d else None


def _warning(w: IssuedWarning) -> WarningOut:
    return WarningOut(
        id=w.id,
        status=w.status,
        issued_at=w.issued_at,
        tracking_no=w.tracking_no,
        cause=w.cause,
        internal=w.internal,
        order_in_case=w.order_in_case,
        order_due=_deadline(w.order_due),
        reported_at=w.reported_at,
        verified=w.verification.effective if w.verification else None,
        ended_at=w.ended_at,
    )


def _penalty(p: Penalty) -> PenaltyOut:
    return PenaltyOut(
        id=p.id,
        status=p.status,
        proposed_at=p.proposed_at,
        trigger=p.trigger,
        kind=p.kind,
        amount=p.amount,
        suspension_days=p.suspension_days,
        illegal_income=p.illegal_income,
        tracking_nos=p.tracking_nos,
        statement_due=_deadline(p.statement_due),
        statement=p.statement.text if p.statement else None,
        stated_at=p.stated_at,
        decision=p.decision.outcome if p.decision else None,
        decision_reason=p.decision.reason if p.decision else None,
        decided_at=p.decided_at,
        notice_id=p.notice_id,
        lifted_at=p.lifted_at,
    )


def record(state: EnterpriseState) -> SupervisionRecord:
    return SupervisionRecord(
        credit_code=state.credit_code,
        name=state.name,
        under_supervision=True,
        level=state.level,
        warnings=[_warning(w) for w in state.warnings],
        penalties=[_penalty(p) for p in state.penalties],
        commendations=[CommendationOut(at=c.at, cause=c.cause) for c in state.commendations],
        history=[
            StepOut(at=s.at, step=s.step, detail=s.detail, policy_version=s.policy_version)
            for s in state.history
        ],
    )


def _own_or_supervising(principal: Principal, code: str) -> None:
    if principal.role is Role.ENTERPRISE and principal.org != code:
        raise NotFound(f"no supervision record for {code}")


async def _state(ctx: Context, code: str) -> EnterpriseState | None:
    """The supervision's state; None if the enterprise has never been reported."""
    handle = ctx.temporal.get_workflow_handle(enterprise_workflow_id(code))
    state: EnterpriseState | None = await query(handle, EnterpriseWorkflow.state, missing_ok=True)
    return state


async def get_record(ctx: Context, *, principal: Principal, code: str) -> SupervisionRecord:
    """An enterprise's supervision record: level, warnings, penalties, decisions."""
    principal.require(READERS)
    _own_or_supervising(principal, code)
    state = await _state(ctx, code)
    if state is not None:
        return record(state)
    enterprise = await ctx.session.get(Enterprise, code)
    if enterprise is None:
        raise NotFound(f"no enterprise {code}")
    return SupervisionRecord(credit_code=code, name=enterprise.name, under_supervision=False, level=0)


class SupervisedItem(Output):
    credit_code: str
    name: str
    level: int
    active_warnings: int
    standing_penalties: int
    updated_at: LocalTime


async def list_supervised(
    ctx: Context, *, principal: Principal, min_level: int, paging: PageRequest
) -> Page[SupervisedItem]:
    """Enterprises under supervision, the most closely watched first."""
    principal.require(OVERSIGHT)
    statement = (
        select(EnterpriseSupervision)
        .where(EnterpriseSupervision.level >= min_level)
        .order_by(
            EnterpriseSupervision.level.desc(),
            EnterpriseSupervision.standing_penalties.desc(),
            EnterpriseSupervision.credit_code,
        )
    )
    return await paginate(ctx.session, statement, paging, SupervisedItem.model_validate)


# --- actions ---------------------------------------------------------------------------------


class StatementIn(Input):
    text: LongText


class DecisionIn(Input):
    model_config = stated(
        requires("kind", outcome=[DecisionOutcome.AMEND.value]),
        requires("amount", outcome=[DecisionOutcome.AMEND.value], kind=[PenaltyKind.FINE.value]),
        requires(
            "suspension_days", outcome=[DecisionOutcome.AMEND.value], kind=[PenaltyKind.SUSPENSION.value]
        ),
    )

    outcome: DecisionOutcome
    kind: PenaltyKind | None = None
    amount: Money | None = None
    suspension_days: int | None = Field(default=None, ge=1, le=365)
    illegal_income: Money | None = None
    reason: Text

    @model_validator(mode="after")
    def _amendment(self) -> "DecisionIn":
        if problem := amendment_problem(self.outcome, self.kind, self.amount, self.suspension_days):
            raise ValueError(problem)
        return self


class OrderReportIn(Input):
    cause_analysis: LongText
    improvement_measures: LongText
    implementation_effect: LongText


class OrderVerificationIn(Input):
    effective: bool
    notes: LongText


@dataclass(frozen=True)
class SupervisionStep:
    body: type[Input]
    command: type[Command]
    target: str  # the command's field naming the warning or the penalty
    signal: Any  # the workflow's signal method
    summary: str


ACTIONS: dict[SupervisionAction, SupervisionStep] = {
    SupervisionAction.SUBMIT_STATEMENT: SupervisionStep(
        StatementIn,
        Statement,
        "penalty_id",
        EnterpriseWorkflow.submit_statement,
        "The enterprise states its case (陈述、申辩)",
    ),
    SupervisionAction.DECIDE_PENALTY: SupervisionStep(
        DecisionIn,
        PenaltyDecision,
        "penalty_id",
        EnterpriseWorkflow.decide_penalty,
        "A supervisor confirms, amends within the bounds, or drops",
    ),
    SupervisionAction.SUBMIT_ORDER_REPORT: SupervisionStep(
        OrderReportIn,
        OrderReport,
        "warning_id",
        EnterpriseWorkflow.submit_order_report,
        "The enterprise reports its rectification for a warning",
    ),
    SupervisionAction.VERIFY_ORDER: SupervisionStep(
        OrderVerificationIn,
        OrderVerification,
        "warning_id",
        EnterpriseWorkflow.verify_order,
        "A supervisor verifies the rectification for a warning",
    ),
}


async def act(
    ctx: Context,
    *,
    principal: Principal,
    code: str,
    action: SupervisionAction,
    target: str,
    body: Input,
    idempotency_key: str | None,
) -> SupervisionRecord | ActionAccepted:
    """A party's step on a warning or a penalty (`target`), which the supervision applies or refuses."""
    principal.require(roles_for(action), what=action)
    _own_or_supervising(principal, code)  # before the key is kept: another's record is not there
    spec = ACTIONS[action]
    rid = await request_id(ctx.session, principal, idempotency_key, f"{action}:{code}:{target}", body)
    command = spec.command(
        request_id=rid, actor=principal.actor, **{spec.target: target}, **body.model_dump()
    )
    state = await _state(ctx, code)
    if state is None:
        raise NotFound(f"{code} is not under supervision")
    # The fine's bounds depend on the policy the supervision holds: a field error, not a refusal.
    if isinstance(command, PenaltyDecision) and (problem := decision_problem(state, command)):
        raise problem_invalid(problem)
    sent = await send(
        ctx.temporal.get_workflow_handle(enterprise_workflow_id(code)),
        EnterpriseWorkflow,
        signal=spec.signal,
        command=command,
        check=SupervisionCheck(action=action, actor=principal.actor, target=target),
        wait_seconds=ctx.settings.action_wait_seconds,
    )
    if not sent.applied:
        return ActionAccepted(
            request_id=sent.request_id, detail="sent; the supervision has not applied it yet"
        )
    state = await _state(ctx, code)
    assert state is not None
    return record(state)
