"""Reading cases, and every action on a case."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.core.actions import Perform, add_action_route
from api.core.deps import CaseReader, ContextDep, Paging, SignedIn, case_reader
from api.core.errors import answers
from domain.enums import Action, CaseStatus, Category, Channel, Priority, Severity
from services import cases
from services.actions import ACTIONS
from services.case_view import CaseView
from services.cases import CaseFilters, CaseListItem
from services.context import Context
from services.fields import AwareIsoDateTime, CreditCode, DivisionCode
from services.history import CaseHistory
from services.outputs import Page
from services.principal import Principal

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


@router.get(
    "",
    response_model=Page[CaseListItem],
    responses=answers(401, 403),
    summary="Cases in queue order: priority, then deadline",
)
async def list_complaints(
    ctx: ContextDep,
    principal: SignedIn,
    paging: Paging,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    enterprise: Annotated[CreditCode | None, Query()] = None,
    overdue: bool | None = None,
    priority: Priority | None = None,
    region: Annotated[DivisionCode | None, Query()] = None,
    bureau: Annotated[
        DivisionCode | None, Query(description="a bureau's division code: the cases of its area")
    ] = None,
    category: Category | None = None,
    severity: Severity | None = None,
    escalated: Annotated[
        int | None, Query(ge=0, le=100, description="at this escalation level or above")
    ] = None,
    channel: Channel | None = None,
    received_since: Annotated[
        AwareIsoDateTime | None, Query(description="received from this moment on (with its time zone)")
    ] = None,
    received_until: Annotated[
        AwareIsoDateTime | None, Query(description="received before this moment (with its time zone)")
    ] = None,
) -> Page[CaseListItem]:
    filters = CaseFilters(
        status=status_,
        enterprise=enterprise,
        overdue=overdue,
        priority=priority,
        region=region,
        bureau=bureau,
        category=category,
        severity=severity,
        escalated=escalated,
        channel=channel,
        since=received_since,
        until=received_until,
    )
    return await cases.queue(ctx, principal=principal, filters=filters, paging=paging)


@router.get(
    "/{tracking_no}",
    response_model=CaseView,
    responses=answers(401, 404, 503),
    summary="A case: status, deadlines, what it awaits",
)
async def get_complaint(tracking_no: str, ctx: ContextDep, principal: CaseReader) -> CaseView:
    return await cases.get_case(ctx, principal=principal, tracking_no=tracking_no)


@router.get(
    "/{tracking_no}/history",
    response_model=CaseHistory,
    responses=answers(401, 403, 404, 503),
    summary="The case's timeline from its Temporal history, with the raw history",
)
async def get_history(
    tracking_no: str, ctx: ContextDep, principal: CaseReader, raw: bool = True
) -> CaseHistory:
    return await cases.get_history(ctx, principal=principal, tracking_no=tracking_no, raw=raw)


# --- actions: one route each, from the table of actions ----------------------------------------

PATHS: dict[Action, str] = {
    Action.RESPOND: "response",
    Action.PROPOSE: "proposal",
    Action.ACCEPT: "acceptance",
    Action.DISPUTE: "dispute",
    Action.WITHDRAW: "withdrawal",
    Action.REJECT: "rejection",
    Action.ESCALATE: "escalation",
    Action.ADMIT: "admission",
    Action.DECLINE: "declination",
    Action.TRANSFER: "transfer",
    Action.REQUEST_EVIDENCE: "evidence-requests",
    Action.SUBMIT_EVIDENCE: "evidence",
    Action.RECORD_SITE_VISIT: "site-visits",
    Action.SUBMIT_FINDINGS: "findings",
    Action.SUBMIT_RECTIFICATION: "rectification",
}


def _case(tracking_no: str) -> str:
    return tracking_no


def _perform(action: Action) -> Perform:
    def perform(ctx: Context, principal: Principal, tracking_no: str, body: Any, key: str | None) -> Any:
        return cases.act(
            ctx, principal=principal, tracking_no=tracking_no, action=action, body=body, idempotency_key=key
        )

    return perform


for action, path in PATHS.items():
    add_action_route(
        router,
        f"/{{tracking_no}}/{path}",
        name=action.value,
        summary=ACTIONS[action].summary,
        body=ACTIONS[action].body,
        target=_case,
        caller=case_reader,
        perform=_perform(action),
        response_model=CaseView,
    )
