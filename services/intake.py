"""Intake: a consumer files a complaint on the web, or a clerk records one taken by phone, in
a store or from a platform. The case's workflow starts, and the receipt tells its tracking
number, access code and deadlines."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import Field, field_validator, model_validator
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from db.models import Enterprise
from domain.complaint.io import CaseResult, ComplaintInput
from domain.complaint.messages import ComplaintIntake, ConsumerDetails, EnterpriseRef, ProductDetails
from domain.complaint.state import CaseState
from domain.enums import Category, Channel, DeadlineKind, DesiredOutcome, Role
from domain.ids import access_code, complaint_workflow_id, new_tracking_no
from domain.messages import Actor
from services import duplicates
from services.context import Context
from services.errors import Forbidden, Unavailable, invalid
from services.fields import (
    Address,
    CreditCode,
    Description,
    DivisionCode,
    Email,
    IdNumber,
    Input,
    IsoDate,
    IsoDateTime,
    ModelName,
    Money,
    Name,
    Note,
    Phone,
    ShortText,
)
from services.idempotency import intake_claim
from services.outputs import DISPLAY_TZ, LocalTime, Output
from services.principal import Principal
from services.signals import query
from settings import Settings
from telemetry import INTAKES
from workflows import search_attributes as sa
from workflows.complaint import ComplaintWorkflow

RECORDING_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})
MAX_BACKDATE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=2)
EARLIEST_PURCHASE = date(1980, 1, 1)
TRACKING_NO_TRIES = 5  # with 10,000 cases in a day, a draw finds its number taken once in ~90,000
STARTED_WITHIN = 5.0  # seconds: the start operation has its outcome once the call returns
StartOperation = WithStartWorkflowOperation[ComplaintWorkflow, CaseResult]
_Intake = Callable[[str, datetime], ComplaintIntake]  # the intake for a tracking number and time


# --- what is sent ---------------------------------------------------------------------------


class ConsumerIn(Input):
    name: Name
    phone: Phone
    id_number: IdNumber | None = None
    email: Email | None = None
    address: Address | None = None


class EnterpriseIn(Input):
    credit_code: CreditCode
    name: ShortText | None = Field(default=None, description="required for an enterprise not yet registered")


class ProductIn(Input):
    name: ShortText
    model: ModelName | None = None
    purchase_date: IsoDate | None = Field(
        default=None, description="from 1980-01-01 to the day the complaint is received (Beijing date)"
    )
    amount: Money | None = Field(default=None, description="yuan")

    @field_validator("purchase_date")
    @classmethod
    def _purchase_date(cls, v: date | None) -> date | None:
        if v is not None:
            if v > datetime.now(DISPLAY_TZ).date():
                raise ValueError("is in the future")
            if v < EARLIEST_PURCHASE:
                raise ValueError("is before 1980")
        return v


class ComplaintCreate(Input):
    channel: Channel
    received_at: IsoDateTime | None = Field(
        default=None,
        description="phone, store and platform complaints: when the clerk received it, with its time "
        "zone; at most 30 days back and not in the future",
    )
    consumer: ConsumerIn
    enterprise: EnterpriseIn
    product: ProductIn
    region_code: DivisionCode
    category: Category
    description: Description
    desired_outcome: DesiredOutcome
    desired_outcome_detail: Note = ""
    platform: EnterpriseIn | None = Field(
        default=None,
        description="the e-commerce platform the enterprise sold through, if it is a merchant there; "
        "where the policy says so, the bureau of the platform operator's domicile handles the complaint",
    )

    @field_validator("received_at")
    @classmethod
    def _received_at(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        if v.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-12-01T09:30:00+08:00")
        now = datetime.now(UTC)
        if v > now + CLOCK_SKEW:
            raise ValueError("is in the future")
        if v < now - MAX_BACKDATE:
            raise ValueError("is more than 30 days ago")
        return v.astimezone(UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _purchase_before_receipt(self) -> "ComplaintCreate":
        received = (self.received_at or datetime.now(UTC)).astimezone(DISPLAY_TZ).date()
        if self.product.purchase_date and self.product.purchase_date > received:
            raise ValueError("product.purchase_date: is after the complaint was received")
        return self


# --- what is answered -------------------------------------------------------------------------


class Deadlines(Output):
    response_due: LocalTime | None
    resolution_due: LocalTime | None


class IntakeReceipt(Output):
    tracking_no: str
    access_code: str = Field(description="with the tracking number, lets the consumer follow the case")
    workflow_id: str
    status: str
    category: Category | None = None
    severity: str | None = None
    priority: str | None = None
    triage_rule: str | None = None
    triage_reasons: list[str] = Field(default_factory=list)
    deadlines: Deadlines | None = None
    policy_version: str | None = None
    enterprise_licence_revoked_at: LocalTime | None = Field(
        default=None, description="the enterprise's business licence was revoked: handled for the consumer"
    )
    possible_duplicate_of: str | None = Field(
        default=None, description="an earlier case this one may repeat: a supervisor confirms or dismisses it"
    )
    duplicate_reason: str | None = None
    bureau: str | None = Field(default=None, description="the division code of the bureau that handles it")
    bureau_rule: str | None = Field(
        default=None,
        description="why that bureau: enterprise-division, platform-domicile, complaint-division or top",
    )
    bureau_reason: str | None = None


@dataclass(frozen=True)
class Filed:
    receipt: IntakeReceipt
    registered: bool  # False: recorded, but triage and deadlines are still pending


# --- the use case -------------------------------------------------------------------------------


async def file_complaint(
    ctx: Context, *, principal: Principal | None, complaint: ComplaintCreate, idempotency_key: str | None
) -> Filed:
    """Start the case's workflow (once per Idempotency-Key) and wait until it is registered."""
    if principal is None:
        await ctx.resources.intake_limiter.enforce(ctx.client, "complaints from this address")
    recorder = principal or Principal.consumer()
    _authorise(recorder, complaint)
    enterprise = await _enterprise(ctx, complaint.enterprise, "enterprise")
    platform = await _enterprise(ctx, complaint.platform, "platform") if complaint.platform else None
    received_at = complaint.received_at or datetime.now(UTC).replace(microsecond=0)

    def intake(tracking_no: str, received_at: datetime) -> ComplaintIntake:
        return complaint_intake(complaint, tracking_no, received_at, recorder.actor, enterprise, platform)

    if idempotency_key is None:
        await ctx.release()
        case, registered = await _start_new(ctx, intake, received_at)
    else:
        tracking_no, received_at = await intake_claim(ctx.session, idempotency_key, complaint, received_at)
        await ctx.release()
        case = intake(tracking_no, received_at)
        # Starting again with the same id finds the case a first attempt started; a closed one
        # refuses the start, and is the case all the same.
        try:
            registered = await start_registered(
                ctx.temporal, ctx.settings, case, WorkflowIDConflictPolicy.USE_EXISTING
            )
        except WorkflowAlreadyStartedError:
            handle = ctx.temporal.get_workflow_handle_for(
                ComplaintWorkflow.run, complaint_workflow_id(case.tracking_no)
            )
            registered = await query(handle, ComplaintWorkflow.state)
    INTAKES.labels(complaint.channel.value, "single").inc()
    suspicion = await duplicates.note_intake(ctx.resources.db, ctx.settings, case)
    filed = _receipt(case.tracking_no, ctx.settings, registered)
    if suspicion is None:
        return filed
    marked = {"possible_duplicate_of": suspicion.original, "duplicate_reason": suspicion.reason}
    return Filed(filed.receipt.model_copy(update=marked), filed.registered)


def _authorise(recorder: Principal, complaint: ComplaintCreate) -> None:
    """Consumers file on the web; intake clerks (and supervisors) record every channel."""
    if recorder.role is not Role.CONSUMER and recorder.role not in RECORDING_ROLES:
        raise Forbidden("complaints are filed by consumers or recorded by intake clerks")
    if complaint.channel is not Channel.WEB and recorder.role not in RECORDING_ROLES:
        raise Forbidden(f"channel: a {complaint.channel} complaint is recorded by an intake clerk")
    if complaint.received_at is not None and recorder.role not in RECORDING_ROLES:
        raise Forbidden("received_at: only an intake clerk sets the time of receipt")


async def _enterprise(ctx: Context, named: EnterpriseIn, field: str) -> EnterpriseRef:
    """The enterprise (or the platform) as the registry names it; one not yet registered needs a name."""
    registered = await ctx.session.get(Enterprise, named.credit_code)
    if registered is None and not named.name:
        raise invalid(f"{field}.name", "required for an enterprise not yet in the registry")
    return EnterpriseRef(
        credit_code=named.credit_code, name=registered.name if registered else named.name or ""
    )


def complaint_intake(
    complaint: ComplaintCreate,
    tracking_no: str,
    received_at: datetime,
    recorder: Actor,
    enterprise: EnterpriseRef,
    platform: EnterpriseRef | None = None,
) -> ComplaintIntake:
    return ComplaintIntake(
        tracking_no=tracking_no,
        channel=complaint.channel,
        received_at=received_at,
        recorded_by=recorder,
        consumer=ConsumerDetails(**complaint.consumer.model_dump()),
        enterprise=enterprise,
        product=ProductDetails(**complaint.product.model_dump()),
        region_code=complaint.region_code,
        category=complaint.category,
        description=complaint.description,
        desired_outcome=complaint.desired_outcome,
        desired_outcome_detail=complaint.desired_outcome_detail,
        platform=platform,
    )


async def _start_new(
    ctx: Context, intake: _Intake, received_at: datetime
) -> tuple[ComplaintIntake, CaseState | None]:
    for _ in range(TRACKING_NO_TRIES):
        case = intake(new_tracking_no(received_at, DISPLAY_TZ), received_at)
        try:
            return case, await start_registered(
                ctx.temporal, ctx.settings, case, WorkflowIDConflictPolicy.FAIL
            )
        except WorkflowAlreadyStartedError:
            continue
    raise Unavailable("no free tracking number; try again")


async def start_registered(
    client: Client, settings: Settings, intake: ComplaintIntake, conflict: WorkflowIDConflictPolicy
) -> CaseState | None:
    """Start the case's workflow and wait until it is registered, in one round trip to Temporal
    (Update-with-Start: the `registered` update goes with the start, and the case takes it in its
    first task). None if the worker has not registered it within `intake_wait_seconds`: the case is
    started all the same, and registers once a worker takes it."""
    start = WithStartWorkflowOperation(
        ComplaintWorkflow.run,
        ComplaintInput(intake=intake),
        id=complaint_workflow_id(intake.tracking_no),
        task_queue=settings.task_queue,
        id_conflict_policy=conflict,
        # A tracking number is a case for good: never a second run, even after it closed.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=sa.at_intake(intake),
        static_summary=f"{intake.category} complaint via {intake.channel}",
    )
    try:
        return await asyncio.wait_for(_registered(client, start), settings.intake_wait_seconds)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        await _started(client, intake.tracking_no)
        return None
    except RPCError as exc:
        raise Unavailable(f"Temporal is not reachable ({exc.message}); nothing was recorded") from exc


async def _registered(client: Client, start: StartOperation) -> CaseState:
    try:
        return await client.execute_update_with_start_workflow(
            ComplaintWorkflow.registered, start_workflow_operation=start
        )
    except BaseException:
        _take_outcome(start)
        raise


def _take_outcome(start: StartOperation) -> None:
    """A start refused (its tracking number taken) or cut off is raised by the call and also kept
    on the operation, where asyncio would log it as an error nobody took: it is taken here."""
    taken = asyncio.ensure_future(start.workflow_handle())
    taken.add_done_callback(lambda future: future.cancelled() or future.exception())
    asyncio.get_running_loop().call_later(STARTED_WITHIN, taken.cancel)  # if it never gets one


async def _started(client: Client, tracking_no: str) -> None:
    """That the case's workflow was started, though the wait for its registration was cut off
    (the start is answered with the update, so it is asked of Temporal); Unavailable if not."""
    try:
        await client.get_workflow_handle(complaint_workflow_id(tracking_no)).describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise Unavailable("Temporal did not start the case in time; nothing was recorded") from exc
        raise Unavailable(f"Temporal is not reachable ({exc.message}); nothing was recorded") from exc


def _receipt(tracking_no: str, settings: Settings, case: CaseState | None) -> Filed:
    receipt = IntakeReceipt(
        tracking_no=tracking_no,
        access_code=access_code(settings.secret, tracking_no),
        workflow_id=complaint_workflow_id(tracking_no),
        status="received",
    )
    if case is None:
        return Filed(receipt, registered=False)
    response_due, resolution_due = (
        case.deadline(DeadlineKind.RESPONSE),
        case.deadline(DeadlineKind.RESOLUTION),
    )
    registered = receipt.model_copy(
        update={
            "status": case.status.value,
            "category": case.triage.category,
            "severity": case.triage.severity.value,
            "priority": case.triage.priority.value,
            "triage_rule": case.triage.rule,
            "triage_reasons": case.triage.reasons,
            "deadlines": Deadlines(
                response_due=response_due.due if response_due else None,
                resolution_due=resolution_due.due if resolution_due else None,
            ),
            "policy_version": case.policy.version,
            "enterprise_licence_revoked_at": case.enterprise_revoked_at,
            "bureau": case.routing.bureau if case.routing else None,
            "bureau_rule": case.routing.rule if case.routing else None,
            "bureau_reason": case.routing.reason if case.routing else None,
        }
    )
    return Filed(registered, registered=True)
