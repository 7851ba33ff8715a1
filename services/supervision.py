"""Enterprise supervision: the record, the enterprise's statement and rectification reports,
the supervisor's decisions and verifications, and the list of enterprises under supervision."""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import select

from db.models import Account, Enterprise, EnterpriseSupervision
from domain.calendar import local_date
from domain.enums import (
    SUPERVISING_ROLES,
    DecisionOutcome,
    PenaltyKind,
    PenaltyStatus,
    Role,
    SupervisionAction,
)
from domain.ids import enterprise_workflow_id
from domain.messages import Actor, Assignee, Command
from domain.supervision.io import SupervisionCheck
from domain.supervision.messages import (
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    SuspensionVerification,
    amendment_problem,
)
from domain.supervision.rules import ON_A_WARNING, PAYABLE, command_problem, refusal, roles_for, surcharge_on
from domain.supervision.state import EnterpriseState, Hearing, IssuedWarning, Penalty
from services import cases
from services.context import Context
from services.errors import NotFound, invalid, problem_invalid
from services.fields import (
    Address,
    AwareIsoDateTime,
    Input,
    IsoDate,
    LongText,
    Money,
    Note,
    ShortText,
    Text,
    requires,
    stated,
)
from services.idempotency import request_id
from services.outputs import ActionAccepted, LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from services.shown import shown
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
    open_actions: list[SupervisionAction] = Field(
        default_factory=list, description="the steps the reader may take on it now"
    )


class HearingOut(Output):
    offered_at: LocalTime
    request_due: DeadlineOut | None
    requested_at: LocalTime | None
    at: LocalTime | None = Field(description="when it is (or was) to be held")
    place: str | None
    presiding_officer: str | None
    scheduled_at: LocalTime | None = Field(description="when the enterprise was told of it")
    held_at: LocalTime | None
    attended: bool | None
    record: str | None
    opinion: str | None


class PaymentOut(Output):
    due: DeadlineOut | None
    surcharge: Decimal = Field(description="for paying late: as paid, or as accrued by today if unpaid")
    amount_due: Decimal | None = Field(
        description="the fine and its surcharge, if paid today; none once paid"
    )
    paid_on: date | None
    receipt_no: str | None
    amount_paid: Decimal | None


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
    grounds: list[str] = Field(description="what it is for; each ground leads to one proposal at most")
    notified_before: list[str] = Field(description="terms notified before a heavier amendment")
    statement_due: DeadlineOut | None
    statement: str | None
    stated_at: LocalTime | None
    hearing: HearingOut | None = Field(description="offered before a large fine, a suspension, a revocation")
    decision: str | None
    decision_reason: str | None
    decided_at: LocalTime | None
    hearing_outcome: str | None = Field(description="at the decision: how the right to a hearing was used")
    notice_id: str | None
    payment: PaymentOut | None = Field(description="a fine's")
    term_due: DeadlineOut | None = Field(description="a suspension's term")
    verified_cases: list[str]
    lifted_at: LocalTime | None
    ended_at: LocalTime | None
    open_actions: list[SupervisionAction] = Field(
        default_factory=list, description="the steps the reader may take on it now"
    )


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
    revoked_at: LocalTime | None = Field(
        default=None, description="the business licence revoked: the ladder has ended"
    )
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


def _hearing(h: Hearing | None) -> HearingOut | None:
    if h is None:
        return None
    schedule, held = h.schedule, h.record
    return HearingOut(
        offered_at=h.offered_at,
        request_due=_deadline(h.request_due),
        requested_at=h.requested_at,
        at=schedule.at if schedule else None,
        place=schedule.place if schedule else None,
        presiding_officer=schedule.presiding_officer.name if schedule else None,
        scheduled_at=h.scheduled_at,
        held_at=held.held_at if held else None,
        attended=held.attended if held else None,
        record=held.record if held else None,
        opinion=held.opinion if held else None,
    )


def _payment(state: EnterpriseState, p: Penalty, today: date) -> PaymentOut | None:
    if p.kind is not PenaltyKind.FINE or p.amount is None or p.status not in (*PAYABLE, PenaltyStatus.PAID):
        return None
    paid = p.payment
    if paid is not None:
        return PaymentOut(
            due=_deadline(p.payment_due),
            surcharge=p.surcharge or Decimal(0),
            amount_due=None,
            paid_on=paid.paid_on,
            receipt_no=paid.receipt_no,
            amount_paid=paid.amount,
        )
    surcharge = surcharge_on(state.policy, p, today)
    return PaymentOut(
        due=_deadline(p.payment_due),
        surcharge=surcharge,
        amount_due=p.amount + surcharge,
        paid_on=None,
        receipt_no=None,
        amount_paid=None,
    )


def _penalty(state: EnterpriseState, p: Penalty, today: date) -> PenaltyOut:
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
        grounds=p.grounds,
        notified_before=p.notified,
        statement_due=_deadline(p.statement_due),
        statement=p.statement.text if p.statement else None,
        stated_at=p.stated_at,
        hearing=_hearing(p.hearing),
        decision=p.decision.outcome if p.decision else None,
        decision_reason=p.decision.reason if p.decision else None,
        decided_at=p.decided_at,
        hearing_outcome=p.hearing_outcome or None,
        notice_id=p.notice_id,
        payment=_payment(state, p, today),
        term_due=_deadline(p.term_due),
        verified_cases=p.verified_cases,
        lifted_at=p.lifted_at,
        ended_at=p.ended_at,
    )


def _open(
    state: EnterpriseState, actor: Actor | None, target: str, actions: Iterable[SupervisionAction]
) -> list[SupervisionAction]:
    """The steps `actor` may take on a warning or a penalty now, as the ladder's rules say."""
    if actor is None:
        return []
    return [a for a in actions if actor.role in roles_for(a) and refusal(state, a, actor, target) is None]


def record(
    state: EnterpriseState, now: datetime | None = None, reader: Actor | None = None
) -> SupervisionRecord:
    """The record as it stands; a late fine's surcharge as accrued by `now` (the clock's); and
    the steps the reader may take on each warning and penalty."""
    today = local_date(now or datetime.now(UTC), state.policy.tz)
    on_warnings = [a for a in SupervisionAction if a in ON_A_WARNING]
    on_penalties = [a for a in SupervisionAction if a not in ON_A_WARNING]
    return SupervisionRecord(
        credit_code=state.credit_code,
        name=state.name,
        under_supervision=True,
        level=state.level,
        revoked_at=state.revoked_at,
        warnings=[
            _warning(w).model_copy(update={"open_actions": _open(state, reader, w.id, on_warnings)})
            for w in state.warnings
        ],
        penalties=[
            _penalty(state, p, today).model_copy(
                update={"open_actions": _open(state, reader, p.id, on_penalties)}
            )
            for p in state.penalties
        ],
        commendations=[CommendationOut(at=c.at, cause=c.cause) for c in state.commendations],
        history=[
            StepOut(at=s.at, step=s.step, detail=s.detail, policy_version=s.policy_version)
            for s in state.history
        ],
    )


async def _own_or_supervising(ctx: Context, principal: Principal, code: str) -> None:
    """An enterprise's own record; a bureau's staff, the records of the enterprises its area holds."""
    if principal.role is Role.ENTERPRISE and principal.org != code:
        raise NotFound(f"no supervision record for {code}")
    if principal.bureau is not None:
        enterprise = await ctx.session.get(Enterprise, code)
        if enterprise is None or not principal.covers(enterprise.division):
            raise NotFound(f"no supervision record for {code}")


async def _state(ctx: Context, code: str) -> EnterpriseState | None:
    """The supervision's state; None if the enterprise has never been reported."""
    handle = ctx.temporal.get_workflow_handle(enterprise_workflow_id(code))
    state: EnterpriseState | None = await query(handle, EnterpriseWorkflow.state, missing_ok=True)
    return state


async def get_record(ctx: Context, *, principal: Principal, code: str) -> SupervisionRecord:
    """An enterprise's supervision record: level, warnings, penalties, decisions."""
    principal.require(READERS)
    await _own_or_supervising(ctx, principal, code)
    state = await _state(ctx, code)
    if state is not None:
        return record(state, reader=principal.actor)
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
    revoked_at: LocalTime | None
    updated_at: LocalTime


async def list_supervised(
    ctx: Context, *, principal: Principal, min_level: int, paging: PageRequest
) -> Page[SupervisedItem]:
    """Enterprises under supervision, the most closely watched first: of a bureau's staff, those
    its area holds."""
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
    if principal.bureau is not None:
        statement = statement.join(
            Enterprise, Enterprise.credit_code == EnterpriseSupervision.credit_code
        ).where(cases.enterprise_in_area(principal.bureau))
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


class HearingRequestIn(Input):
    note: Note = ""


class HearingScheduleIn(Input):
    # Named formats: what the schema cannot say, a calendar and the accounts, its description does.
    at: AwareIsoDateTime = Field(
        description="when the hearing is held, an ISO 8601 date and time with its offset; at least "
        "the policy's notice ahead (7 working days: Administrative Penalty Law art. 64, 85)",
        json_schema_extra={"format": "notice-date-time"},
    )
    place: Address
    presiding_officer: ShortText = Field(
        description="the username of a supervisor or an admin who investigated none of its cases",
        json_schema_extra={"format": "staff-username"},
    )


class HearingRecordIn(Input):
    held_at: AwareIsoDateTime = Field(
        description="when it was held, with its offset: not in the future, nor before it was scheduled"
    )
    attended: bool = Field(description="false: the enterprise did not appear, and waived the hearing")
    record: LongText = Field(description="the hearing's record (听证笔录)")
    opinion: LongText = Field(description="the presiding officer's opinion, which the decision weighs")


ReceiptNo = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$"),
    Field(description="the payment receipt's number: 4 to 40 letters, digits and hyphens"),
]


class PaymentIn(Input):
    receipt_no: ReceiptNo
    paid_on: IsoDate = Field(
        description="the Beijing date the receipt shows: not in the future, nor before the decision"
    )
    amount: Money = Field(
        description="exactly the fine, with the surcharge accrued by paid_on if paid late "
        "(the supervision record shows what is due)"
    )


class SuspensionVerificationIn(Input):
    effective: bool
    notes: LongText


async def _as_given(ctx: Context, state: EnterpriseState, body: Input) -> dict[str, Any]:
    return body.model_dump()


async def _hearing_schedule(ctx: Context, state: EnterpriseState, body: Input) -> dict[str, Any]:
    """The presiding officer, a supervisor or an admin by username; the notice long enough."""
    assert isinstance(body, HearingScheduleIn)
    officer = await ctx.session.scalar(select(Account).where(Account.username == body.presiding_officer))
    if officer is None or not officer.active or Role(officer.role) not in SUPERVISING_ROLES:
        raise invalid("presiding_officer", "must be the username of an active supervisor or admin")
    notice = state.policy.supervision.hearing.notice
    policy = state.policy
    earliest = local_date(notice.end(datetime.now(UTC), ctx.resources.calendar, policy.tz), policy.tz)
    earliest -= timedelta(days=1)  # the last day of the notice: the hearing may be held on it
    if local_date(body.at, policy.tz) < earliest:
        raise invalid("at", f"the hearing is notified {notice.describe()} ahead: {earliest} at the earliest")
    return body.model_dump() | {
        "presiding_officer": Assignee(id=officer.id, name=officer.display_name),
    }


Prepare = Callable[[Context, EnterpriseState, Input], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class SupervisionStep:
    body: type[Input]
    command: type[Command]
    target: str  # the command's field naming the warning or the penalty
    signal: Any  # the workflow's signal method
    summary: str
    prepare: Prepare = _as_given  # the command's fields from the body


ACTIONS: dict[SupervisionAction, SupervisionStep] = {
    SupervisionAction.SUBMIT_STATEMENT: SupervisionStep(
        StatementIn,
        Statement,
        "penalty_id",
        EnterpriseWorkflow.submit_statement,
        "The enterprise states its case (陈述、申辩)",
    ),
    SupervisionAction.REQUEST_HEARING: SupervisionStep(
        HearingRequestIn,
        HearingRequest,
        "penalty_id",
        EnterpriseWorkflow.request_hearing,
        "The enterprise asks for a hearing (听证) before a large fine, a suspension or a revocation",
    ),
    SupervisionAction.SCHEDULE_HEARING: SupervisionStep(
        HearingScheduleIn,
        HearingSchedule,
        "penalty_id",
        EnterpriseWorkflow.schedule_hearing,
        "A supervisor schedules the hearing asked for, presided over by someone who did not investigate",
        _hearing_schedule,
    ),
    SupervisionAction.RECORD_HEARING: SupervisionStep(
        HearingRecordIn,
        HearingRecord,
        "penalty_id",
        EnterpriseWorkflow.record_hearing,
        "A supervisor records the hearing as held: attendance, record and opinion",
    ),
    SupervisionAction.DECIDE_PENALTY: SupervisionStep(
        DecisionIn,
        PenaltyDecision,
        "penalty_id",
        EnterpriseWorkflow.decide_penalty,
        "A supervisor confirms, amends within the bounds (a heavier penalty is notified anew), or drops",
    ),
    SupervisionAction.RECORD_PAYMENT: SupervisionStep(
        PaymentIn,
        FinePayment,
        "penalty_id",
        EnterpriseWorkflow.record_payment,
        "A supervisor records a fine paid, with its receipt",
    ),
    SupervisionAction.VERIFY_SUSPENSION: SupervisionStep(
        SuspensionVerificationIn,
        SuspensionVerification,
        "penalty_id",
        EnterpriseWorkflow.verify_suspension,
        "A supervisor verifies the rectification a suspension orders: effective, it is lifted once "
        "its term has run",
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
    await _own_or_supervising(ctx, principal, code)  # before the key is kept: another's is not there
    spec = ACTIONS[action]
    rid, fresh = await request_id(ctx.session, principal, idempotency_key, f"{action}:{code}:{target}", body)
    state = await _state(ctx, code)
    if state is None:
        raise NotFound(f"{code} is not under supervision")
    fields = await spec.prepare(ctx, state, body)
    command = spec.command(request_id=rid, actor=principal.actor, **{spec.target: target}, **fields)
    # What a command may say depends on the record (a fine's bounds and what is due, who
    # investigated): a field error, not a refusal.
    if problem := command_problem(state, command, datetime.now(UTC)):
        raise problem_invalid(problem)
    await ctx.release()
    sent = await send(
        ctx.temporal.get_workflow_handle(enterprise_workflow_id(code)),
        EnterpriseWorkflow,
        signal=spec.signal,
        command=command,
        check=SupervisionCheck(action=action, actor=principal.actor, target=target),
        wait_seconds=ctx.settings.action_wait_seconds,
        fresh=fresh,
    )
    if not sent.applied:
        return ActionAccepted(
            request_id=sent.request_id, detail="sent; the supervision has not applied it yet"
        )
    await shown(ctx, EnterpriseSupervision, code, sent.view.revision)
    return record(sent.view, reader=principal.actor)
