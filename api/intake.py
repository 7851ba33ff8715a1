"""Intake: `POST /api/complaints` starts a case's workflow and answers with its receipt."""

import asyncio
import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.access import access_code, new_tracking_no
from api.deps import OptionalPrincipal, SessionDep, SettingsDep, TemporalDep
from api.errors import invalid
from api.ratelimit import limit_intake
from api.schemas import DISPLAY_TZ, ComplaintCreate, Deadlines, IntakeReceipt
from db.models import Enterprise, IntakeRequest
from domain.case import CaseState, ComplaintInput
from domain.enums import Channel, DeadlineKind, Role
from domain.messages import Actor, ComplaintIntake, ConsumerDetails, EnterpriseRef, ProductDetails
from settings import Settings
from workflows import search_attributes as sa
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/api/complaints", tags=["complaints"])

RECORDING_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})


def workflow_id(tracking_no: str) -> str:
    return f"complaint-{tracking_no}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeReceipt,
    responses={202: {"model": IntakeReceipt, "description": "recorded; triage and deadlines still pending"}},
    summary="File a complaint (web), or record one (phone, store, platform)",
)
async def file_complaint(
    body: ComplaintCreate,
    request: Request,
    response: Response,
    principal: OptionalPrincipal,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(min_length=8, max_length=100)] = None,
) -> IntakeReceipt:
    if principal is None:
        limit_intake(request)
    recorder = principal.actor if principal else Actor(id="consumer", role=Role.CONSUMER, name="consumer")
    if principal is not None and principal.role not in RECORDING_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "complaints are filed by consumers or recorded by intake clerks"
        )
    if body.channel is not Channel.WEB and recorder.role not in RECORDING_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"channel: a {body.channel} complaint is recorded by an intake clerk"
        )
    if body.received_at is not None and recorder.role not in RECORDING_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "received_at: only an intake clerk sets the time of receipt"
        )

    registered = await session.get(Enterprise, body.enterprise.credit_code)
    if registered is None and not body.enterprise.name:
        raise invalid("enterprise.name", "required for an enterprise not yet in the registry")
    enterprise = EnterpriseRef(
        credit_code=body.enterprise.credit_code,
        name=registered.name if registered else body.enterprise.name or "",
    )

    received_at = body.received_at or datetime.now(UTC).replace(microsecond=0)
    make = functools.partial(_intake, body, recorder=recorder, enterprise=enterprise)
    if idempotency_key is None:
        handle, intake = await _start_new(temporal, settings, make, received_at)
    else:
        tracking_no, received_at = await _claim_key(session, idempotency_key, body, received_at)
        intake = make(tracking_no=tracking_no, received_at=received_at)
        # Starting again with the same id finds the case a first attempt started; a closed one
        # refuses the start, and is the case all the same.
        try:
            handle = await _start(temporal, settings, intake, WorkflowIDConflictPolicy.USE_EXISTING)
        except WorkflowAlreadyStartedError:
            handle = temporal.get_workflow_handle(workflow_id(intake.tracking_no))
    return await _receipt(handle, intake.tracking_no, settings, response)


async def _claim_key(
    session: AsyncSession, key: str, body: ComplaintCreate, received_at: datetime
) -> tuple[str, datetime]:
    """The tracking number an Idempotency-Key stands for: an earlier request's, or a new one."""
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    earlier = await session.get(IntakeRequest, key)
    if earlier is None:
        claim = IntakeRequest(
            idempotency_key=key,
            body_digest=digest,
            received_at=received_at,
            tracking_no=new_tracking_no(received_at, DISPLAY_TZ),
        )
        session.add(claim)
        try:
            await session.commit()
            return claim.tracking_no, claim.received_at
        except IntegrityError:  # the same key sent twice at once: the other request won
            await session.rollback()
            earlier = await session.get(IntakeRequest, key)
    if earlier is None or earlier.body_digest != digest:
        raise invalid("Idempotency-Key", "was used for another request", where="header")
    return earlier.tracking_no, earlier.received_at


async def _start_new(
    client: Client, settings: Settings, make: Callable[..., ComplaintIntake], received_at: datetime
) -> tuple[WorkflowHandle[Any, Any], ComplaintIntake]:
    for _ in range(5):  # a fresh random number collides about once in 10^8
        intake = make(tracking_no=new_tracking_no(received_at, DISPLAY_TZ), received_at=received_at)
        try:
            return await _start(client, settings, intake, WorkflowIDConflictPolicy.FAIL), intake
        except WorkflowAlreadyStartedError:
            continue
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no free tracking number; try again")


def _intake(
    body: ComplaintCreate,
    *,
    tracking_no: str,
    received_at: datetime,
    recorder: Actor,
    enterprise: EnterpriseRef,
) -> ComplaintIntake:
    return ComplaintIntake(
        tracking_no=tracking_no,
        channel=body.channel,
        received_at=received_at,
        recorded_by=recorder,
        consumer=ConsumerDetails(**body.consumer.model_dump()),
        enterprise=enterprise,
        product=ProductDetails(**body.product.model_dump()),
        region_code=body.region_code,
        category=body.category,
        description=body.description,
        desired_outcome=body.desired_outcome,
        desired_outcome_detail=body.desired_outcome_detail,
    )


async def _start(
    client: Client, settings: Settings, intake: ComplaintIntake, conflict: WorkflowIDConflictPolicy
) -> WorkflowHandle[Any, Any]:
    attributes = TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_STATUS, "received"),
            SearchAttributePair(sa.ENTERPRISE_CODE, intake.enterprise.credit_code),
            SearchAttributePair(sa.REGION_CODE, intake.region_code),
            SearchAttributePair(sa.CATEGORY, intake.category.value),
        ]
    )
    try:
        return await client.start_workflow(
            ComplaintWorkflow.run,
            ComplaintInput(intake=intake),
            id=workflow_id(intake.tracking_no),
            task_queue=settings.task_queue,
            id_conflict_policy=conflict,
            # A tracking number is a case for good: never a second run, even after it closed.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=attributes,
            static_summary=f"{intake.category} complaint via {intake.channel}",
        )
    except RPCError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"Temporal is not reachable ({exc.message}); nothing was recorded",
        ) from exc


async def _receipt(
    handle: WorkflowHandle[Any, Any], tracking_no: str, settings: Settings, response: Response
) -> IntakeReceipt:
    receipt = IntakeReceipt(
        tracking_no=tracking_no,
        access_code=access_code(settings.secret, tracking_no),
        workflow_id=handle.id,
        status="received",
    )
    try:
        case: CaseState = await asyncio.wait_for(
            handle.execute_update(ComplaintWorkflow.registered), settings.intake_wait_seconds
        )
    except RPCError as exc:
        if exc.status is not RPCStatusCode.NOT_FOUND:  # not "already closed": not ready yet
            response.status_code = status.HTTP_202_ACCEPTED
            return receipt
        closed: CaseState | None = await handle.query(ComplaintWorkflow.state)
        if closed is None:
            response.status_code = status.HTTP_202_ACCEPTED
            return receipt
        case = closed
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        response.status_code = status.HTTP_202_ACCEPTED
        return receipt
    response.headers["Location"] = f"/api/complaints/{tracking_no}"
    response_due, resolution_due = (
        case.deadline(DeadlineKind.RESPONSE),
        case.deadline(DeadlineKind.RESOLUTION),
    )
    return receipt.model_copy(
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
        }
    )
