"""Reading cases, and every action on a case, each checked for role and object."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status
from pydantic import AfterValidator
from sqlalchemy import func, select

from api.audit import AuditedRead, audited_read
from api.deps import CaseReader, Principal, SessionDep, SettingsDep, TemporalDep, require
from api.history import CaseHistory, case_history
from api.idempotency import request_id as idempotent
from api.schemas import (
    AcceptIn,
    ActionAccepted,
    DisputeIn,
    EscalateIn,
    EvidenceIn,
    EvidenceRequestIn,
    FindingsIn,
    Input,
    LocalTime,
    Output,
    Page,
    ProposalIn,
    RectificationIn,
    RejectIn,
    ResponseIn,
    SiteVisitIn,
    WithdrawIn,
)
from api.signals import query, send
from api.views import FULL_CONTACT, CaseView, case_view
from db.models import Complaint, Enterprise
from domain import identifiers
from domain.case import ACTION_RULES, ActionCheck, CaseState
from domain.enums import Action, CaseStatus, Category, Priority, Role
from domain.messages import (
    Accept,
    Command,
    Dispute,
    Escalate,
    OrderedMeasure,
    Propose,
    RecordSiteVisit,
    Reject,
    RequestEvidence,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    Withdraw,
)

router = APIRouter(prefix="/api/complaints", tags=["complaints"])

READERS = (Role.CLERK, Role.ENTERPRISE, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
HISTORY_READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


class CaseListItem(Output):
    tracking_no: str
    status: str
    channel: str
    category: str
    severity: str
    priority: str
    enterprise_code: str
    enterprise_name: str
    region_code: str
    product_name: str
    consumer_name: str
    consumer_phone: str
    received_at: LocalTime
    response_due: LocalTime | None
    resolution_due: LocalTime | None
    next_due: LocalTime | None
    escalation_level: int
    overdue: bool
    investigator_id: str | None
    outcome: str | None


def _scope(principal: Principal) -> list[Any]:
    """The cases a reader may see at all."""
    if principal.role is Role.ENTERPRISE:
        return [Complaint.enterprise_code == principal.actor.org]
    if principal.role is Role.INVESTIGATOR:
        return [Complaint.investigator_id == principal.actor.id]
    return []


@router.get("", response_model=Page[CaseListItem], summary="Cases in queue order: priority, then deadline")
async def list_complaints(
    session: SessionDep,
    principal: Principal = require(*READERS),
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    enterprise: Annotated[
        str | None,
        Query(description="credit code"),
        AfterValidator(lambda v: v and identifiers.credit_code(v)),
    ] = None,
    overdue: bool | None = None,
    priority: Priority | None = None,
    region: Annotated[
        str | None,
        Query(description="6-digit division code"),
        AfterValidator(lambda v: v and identifiers.division_code(v)),
    ] = None,
    category: Category | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CaseListItem]:
    where = _scope(principal)
    if status_ is not None:
        where.append(Complaint.status == status_.value)
    if enterprise:
        where.append(Complaint.enterprise_code == enterprise)
    if overdue is not None:
        where.append(Complaint.overdue.is_(overdue))
    if priority is not None:
        where.append(Complaint.priority == priority.value)
    if region:
        where.append(Complaint.region_code == region)
    if category is not None:
        where.append(Complaint.category == category.value)
    total = await session.scalar(select(func.count()).select_from(Complaint).where(*where)) or 0
    rows = await session.execute(
        select(Complaint, Enterprise.name)
        .join(Enterprise, Enterprise.credit_code == Complaint.enterprise_code)
        .where(*where)
        .order_by(Complaint.priority, Complaint.next_due.is_(None), Complaint.next_due, Complaint.received_at)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [
        CaseListItem(
            **{
                c.key: getattr(row, c.key)
                for c in Complaint.__table__.columns
                if c.key in CaseListItem.model_fields
            },
            enterprise_name=name,
            consumer_name=row.consumer_name_masked,
            consumer_phone=row.consumer_phone_masked,
        )
        for row, name in rows
    ]
    return Page[CaseListItem](items=items, total=total, page=page, page_size=page_size)


async def _case_row(session: SessionDep, tracking_no: str, principal: Principal) -> Complaint:
    """The case's row, if this reader may see it; 404 otherwise, without telling which."""
    row = await session.get(Complaint, tracking_no)
    visible = row is not None and (
        principal.role in (Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
        or (principal.role is Role.CONSUMER and principal.actor.org == tracking_no)
        or (principal.role is Role.ENTERPRISE and row.enterprise_code == principal.actor.org)
        or (principal.role is Role.INVESTIGATOR and row.investigator_id == principal.actor.id)
    )
    if not visible:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {tracking_no}")
    assert row is not None
    return row


async def visible_case(
    tracking_no: str, session: SessionDep, principal: CaseReader
) -> tuple[Complaint, Principal]:
    return await _case_row(session, tracking_no, principal), principal


VisibleCase = Annotated[tuple[Complaint, Principal], Depends(visible_case)]


async def _state(temporal: TemporalDep, workflow_id: str) -> CaseState:
    state = await query(temporal.get_workflow_handle(workflow_id), "state", result_type=CaseState | None)
    if state is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the case is still being registered")
    return state


@router.get("/{tracking_no}", response_model=CaseView, summary="A case: status, deadlines, what it awaits")
async def get_complaint(case: VisibleCase, temporal: TemporalDep, request: Request) -> CaseView:
    row, principal = case
    if principal.role in FULL_CONTACT:  # the consumer's details in full: an audited read
        audited_read(request)
    return case_view(await _state(temporal, row.workflow_id), row.workflow_id, principal.role)


@router.get(
    "/{tracking_no}/history",
    response_model=CaseHistory,
    summary="The case's timeline from its Temporal history, with the raw history",
)
async def get_history(
    case: VisibleCase, temporal: TemporalDep, _: AuditedRead, raw: bool = True
) -> CaseHistory:
    row, principal = case
    if principal.role not in HISTORY_READERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "case histories are for supervisors, admins and auditors"
        )
    return await case_history(temporal, row.workflow_id, include_raw=raw)


# --- actions ---------------------------------------------------------------------------------


def _action_endpoint(
    action: Action, body_type: type[Input], to_command: Callable[..., Command], summary: str
) -> Callable[..., Any]:
    roles = ACTION_RULES[action][0]

    async def endpoint(
        tracking_no: str,
        body: body_type,  # type: ignore[valid-type]
        case: VisibleCase,
        response: Response,
        session: SessionDep,
        temporal: TemporalDep,
        settings: SettingsDep,
        idempotency_key: Annotated[str | None, Header(min_length=8, max_length=100)] = None,
    ) -> CaseView | ActionAccepted:
        row, principal = case
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{action} is for: {', '.join(sorted(roles))}")
        rid = await idempotent(session, principal, idempotency_key, f"{action}:{tracking_no}", body)
        command = to_command(body, request_id=rid, actor=principal.actor)
        sent = await send(
            temporal,
            row.workflow_id,
            signal=action.value,
            command=command,
            check=ActionCheck(action=action, actor=principal.actor),
            wait_seconds=settings.action_wait_seconds,
        )
        if not sent.applied:
            response.status_code = status.HTTP_202_ACCEPTED
            return ActionAccepted(request_id=sent.request_id, detail="sent; the case has not applied it yet")
        return case_view(await _state(temporal, row.workflow_id), row.workflow_id, principal.role)

    endpoint.__name__ = action.value
    endpoint.__doc__ = summary
    return endpoint


def _plain(command_type: type[Command]) -> Callable[..., Command]:
    return lambda body, **meta: command_type(**body.model_dump(), **meta)


def _findings(body: FindingsIn, **meta: Any) -> Command:
    fields = body.model_dump(exclude={"measures"})
    return SubmitFindings(
        **fields, measures=[OrderedMeasure(**m.model_dump()) for m in body.measures], **meta
    )


ACTIONS: list[tuple[str, Action, type[Input], Callable[..., Command], str]] = [
    ("response", Action.RESPOND, ResponseIn, _plain(Respond), "The enterprise responds"),
    ("proposal", Action.PROPOSE, ProposalIn, _plain(Propose), "The enterprise proposes a resolution"),
    ("acceptance", Action.ACCEPT, AcceptIn, _plain(Accept), "The consumer accepts the proposal"),
    ("dispute", Action.DISPUTE, DisputeIn, _plain(Dispute), "The consumer disputes the proposal"),
    ("withdrawal", Action.WITHDRAW, WithdrawIn, _plain(Withdraw), "The consumer withdraws the complaint"),
    ("rejection", Action.REJECT, RejectIn, _plain(Reject), "A supervisor rejects: duplicate or out of scope"),
    ("escalation", Action.ESCALATE, EscalateIn, _plain(Escalate), "A supervisor opens an investigation"),
    (
        "evidence-requests",
        Action.REQUEST_EVIDENCE,
        EvidenceRequestIn,
        _plain(RequestEvidence),
        "The investigator asks the enterprise for evidence",
    ),
    (
        "evidence",
        Action.SUBMIT_EVIDENCE,
        EvidenceIn,
        _plain(SubmitEvidence),
        "The enterprise submits evidence",
    ),
    (
        "site-visits",
        Action.RECORD_SITE_VISIT,
        SiteVisitIn,
        _plain(RecordSiteVisit),
        "The investigator records an on-site visit",
    ),
    ("findings", Action.SUBMIT_FINDINGS, FindingsIn, _findings, "The investigator records findings"),
    (
        "rectification",
        Action.SUBMIT_RECTIFICATION,
        RectificationIn,
        _plain(SubmitRectification),
        "The enterprise hands in its rectification report",
    ),
]

for path, action, body_type, to_command, summary in ACTIONS:
    router.add_api_route(
        f"/{{tracking_no}}/{path}",
        _action_endpoint(action, body_type, to_command, summary),
        methods=["POST"],
        response_model=CaseView,
        summary=summary,
        responses={
            202: {"model": ActionAccepted},
            409: {"description": "the action does not fit the case now"},
        },
    )
