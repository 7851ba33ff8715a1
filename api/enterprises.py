"""Enterprise supervision: the record, the enterprise's statement and rectification reports,
the supervisor's decisions and verifications, and the public notices."""

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response, status
from pydantic import AfterValidator, Field, model_validator
from sqlalchemy import func, select

from api.deps import Principal, SessionDep, SettingsDep, TemporalDep, require
from api.errors import invalid
from api.idempotency import request_id as idempotent
from api.schemas import DISPLAY_TZ, ActionAccepted, Input, LocalTime, LongText, Money, Output, Page, Text
from api.signals import query, send
from db.models import Enterprise, EnterpriseSupervision, PublicNoticeRow
from domain import identifiers
from domain.enums import DecisionOutcome, PenaltyKind, Role, SupervisionAction
from domain.supervision import (
    EnterpriseState,
    IssuedWarning,
    OrderReport,
    OrderVerification,
    Penalty,
    PenaltyDecision,
    Statement,
    decision_problem,
)
from workflows.enterprise import SupervisionCheck

router = APIRouter(tags=["enterprises"])

CreditCodePath = Annotated[
    str, Path(description="unified social credit code"), AfterValidator(identifiers.credit_code)
]
READERS = (Role.ENTERPRISE, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


def workflow_id(code: str) -> str:
    return f"enterprise-{code}"


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
    if principal.role is Role.ENTERPRISE and principal.actor.org != code:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no supervision record for {code}")


async def _state(temporal: TemporalDep, code: str) -> EnterpriseState | None:
    """The supervision's state; None if the enterprise has never been reported."""
    state: EnterpriseState | None = await query(
        temporal.get_workflow_handle(workflow_id(code)),
        "state",
        result_type=EnterpriseState | None,
        missing_ok=True,
    )
    return state


@router.get(
    "/api/enterprises/{code}/supervision",
    response_model=SupervisionRecord,
    summary="An enterprise's supervision record: level, warnings, penalties, decisions",
)
async def get_supervision(
    code: CreditCodePath, session: SessionDep, temporal: TemporalDep, principal: Principal = require(*READERS)
) -> SupervisionRecord:
    _own_or_supervising(principal, code)
    state = await _state(temporal, code)
    if state is not None:
        return record(state)
    enterprise = await session.get(Enterprise, code)
    if enterprise is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no enterprise {code}")
    return SupervisionRecord(credit_code=code, name=enterprise.name, under_supervision=False, level=0)


class SupervisedItem(Output):
    credit_code: str
    name: str
    level: int
    active_warnings: int
    standing_penalties: int
    updated_at: LocalTime


@router.get(
    "/api/enterprises",
    response_model=Page[SupervisedItem],
    summary="Enterprises under supervision, the most closely watched first",
)
async def list_supervised(
    session: SessionDep,
    principal: Principal = require(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR),
    min_level: Annotated[int, Query(ge=0, le=3)] = 0,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[SupervisedItem]:
    where = [EnterpriseSupervision.level >= min_level]
    total = await session.scalar(select(func.count()).select_from(EnterpriseSupervision).where(*where)) or 0
    rows = (
        await session.execute(
            select(EnterpriseSupervision)
            .where(*where)
            .order_by(
                EnterpriseSupervision.level.desc(),
                EnterpriseSupervision.standing_penalties.desc(),
                EnterpriseSupervision.credit_code,
            )
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    return Page[SupervisedItem](
        items=[SupervisedItem.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )


# --- actions ---------------------------------------------------------------------------------


class StatementIn(Input):
    text: LongText


class DecisionIn(Input):
    outcome: DecisionOutcome
    kind: PenaltyKind | None = None
    amount: Money | None = None
    suspension_days: int | None = Field(default=None, ge=1, le=365)
    illegal_income: Money | None = None
    reason: Text

    @model_validator(mode="after")
    def _amendment(self) -> "DecisionIn":
        if self.outcome is DecisionOutcome.AMEND and self.kind is None:
            raise ValueError("kind: an amended penalty names its kind")
        if self.kind is PenaltyKind.FINE and self.outcome is DecisionOutcome.AMEND and self.amount is None:
            raise ValueError("amount: an amended fine names its amount")
        if self.kind is PenaltyKind.SUSPENSION and self.suspension_days is None:
            raise ValueError("suspension_days: a suspension names its length")
        return self


class OrderReportIn(Input):
    cause_analysis: LongText
    improvement_measures: LongText
    implementation_effect: LongText


class OrderVerificationIn(Input):
    effective: bool
    notes: LongText


async def _act(
    code: str,
    action: SupervisionAction,
    target: str,
    command: Any,
    principal: Principal,
    temporal: TemporalDep,
    settings: SettingsDep,
    response: Response,
) -> SupervisionRecord | ActionAccepted:
    state = await _state(temporal, code)
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{code} is not under supervision")
    if isinstance(command, PenaltyDecision) and (problem := decision_problem(state, command)):
        field, _, reason = problem.partition(": ")
        raise invalid(field, reason)
    sent = await send(
        temporal,
        workflow_id(code),
        signal=action.value,
        command=command,
        check=SupervisionCheck(action=action, actor=principal.actor, target=target),
        wait_seconds=settings.action_wait_seconds,
    )
    if not sent.applied:
        response.status_code = status.HTTP_202_ACCEPTED
        return ActionAccepted(
            request_id=sent.request_id, detail="sent; the supervision has not applied it yet"
        )
    state = await _state(temporal, code)
    assert state is not None
    return record(state)


def _endpoint(
    action: SupervisionAction,
    body_type: type[Input],
    command_type: type[Any],
    target_field: str,
    roles: tuple[Role, ...],
    summary: str,
) -> Callable[..., Any]:
    async def endpoint(
        code: CreditCodePath,
        target: Annotated[str, Path(max_length=16)],
        body: body_type,  # type: ignore[valid-type]
        response: Response,
        session: SessionDep,
        temporal: TemporalDep,
        settings: SettingsDep,
        principal: Principal = require(*roles),
        idempotency_key: Annotated[str | None, Header(min_length=8, max_length=100)] = None,
    ) -> SupervisionRecord | ActionAccepted:
        _own_or_supervising(principal, code)  # before the key is kept: another's record is not there
        rid = await idempotent(session, principal, idempotency_key, f"{action}:{code}:{target}", body)
        command = command_type(
            request_id=rid,
            actor=principal.actor,
            **{target_field: target},
            **body.model_dump(),  # type: ignore[attr-defined]
        )
        return await _act(code, action, target, command, principal, temporal, settings, response)

    endpoint.__name__ = action.value
    endpoint.__doc__ = summary
    return endpoint


SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)
ACTIONS: list[tuple[str, SupervisionAction, type[Input], type[Any], str, tuple[Role, ...], str]] = [
    (
        "penalties/{target}/statement",
        SupervisionAction.SUBMIT_STATEMENT,
        StatementIn,
        Statement,
        "penalty_id",
        (Role.ENTERPRISE,),
        "The enterprise states its case (陈述、申辩)",
    ),
    (
        "penalties/{target}/decision",
        SupervisionAction.DECIDE_PENALTY,
        DecisionIn,
        PenaltyDecision,
        "penalty_id",
        SUPERVISING,
        "A supervisor confirms, amends within the bounds, or drops",
    ),
    (
        "warnings/{target}/rectification",
        SupervisionAction.SUBMIT_ORDER_REPORT,
        OrderReportIn,
        OrderReport,
        "warning_id",
        (Role.ENTERPRISE,),
        "The enterprise reports its rectification for a warning",
    ),
    (
        "warnings/{target}/verification",
        SupervisionAction.VERIFY_ORDER,
        OrderVerificationIn,
        OrderVerification,
        "warning_id",
        SUPERVISING,
        "A supervisor verifies the rectification for a warning",
    ),
]
for path, action, body_type, command_type, target_field, roles, summary in ACTIONS:
    router.add_api_route(
        f"/api/enterprises/{{code}}/{path}",
        _endpoint(action, body_type, command_type, target_field, roles, summary),
        methods=["POST"],
        response_model=SupervisionRecord,
        summary=summary,
        responses={
            202: {"model": ActionAccepted},
            409: {"description": "the action does not fit the record now"},
        },
    )


# --- public notices ----------------------------------------------------------------------------


class NoticeOut(Output):
    enterprise_code: str
    enterprise_name: str
    notice_id: str
    penalty_id: str
    published_at: LocalTime
    title: str
    text: str


@router.get(
    "/api/public-notices",
    response_model=Page[NoticeOut],
    tags=["public"],
    summary="Published penalties (public; no consumer's personal data)",
)
async def public_notices(
    session: SessionDep,
    enterprise: Annotated[
        str | None,
        Query(description="credit code"),
        AfterValidator(lambda v: v and identifiers.credit_code(v)),
    ] = None,
    since: Annotated[date | None, Query(description="published on or after (Beijing date)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[NoticeOut]:
    where = []
    if enterprise:
        where.append(PublicNoticeRow.enterprise_code == enterprise)
    if since:
        where.append(PublicNoticeRow.published_at >= datetime.combine(since, time(0), DISPLAY_TZ))
    total = await session.scalar(select(func.count()).select_from(PublicNoticeRow).where(*where)) or 0
    rows = (
        await session.execute(
            select(PublicNoticeRow)
            .where(*where)
            .order_by(PublicNoticeRow.published_at.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    return Page[NoticeOut](
        items=[NoticeOut.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )
