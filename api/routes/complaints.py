"""Reading cases, and every action on a case."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.core.deps import CaseReader, ContextDep, IdempotencyKey, Paging, SignedIn
from api.core.errors import answers
from domain.enums import Action, CaseStatus, Category, Priority
from services import cases
from services.actions import ACTIONS
from services.case_view import CaseView
from services.cases import CaseFilters, CaseListItem
from services.fields import CreditCode, DivisionCode
from services.history import CaseHistory
from services.outputs import ActionAccepted, Page

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
    enterprise: Annotated[CreditCode | None, Query(description="credit code")] = None,
    overdue: bool | None = None,
    priority: Priority | None = None,
    region: Annotated[DivisionCode | None, Query(description="6-digit division code")] = None,
    category: Category | None = None,
) -> Page[CaseListItem]:
    filters = CaseFilters(status_, enterprise, overdue, priority, region, category)
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
    Action.REQUEST_EVIDENCE: "evidence-requests",
    Action.SUBMIT_EVIDENCE: "evidence",
    Action.RECORD_SITE_VISIT: "site-visits",
    Action.SUBMIT_FINDINGS: "findings",
    Action.SUBMIT_RECTIFICATION: "rectification",
}


def _action_endpoint(action: Action) -> Callable[..., Any]:
    body_type = ACTIONS[action].body

    async def endpoint(
        tracking_no: str,
        body: body_type,  # type: ignore[valid-type]
        response: Response,
        ctx: ContextDep,
        principal: CaseReader,
        idempotency_key: IdempotencyKey = None,
    ) -> CaseView | ActionAccepted:
        done = await cases.act(
            ctx,
            principal=principal,
            tracking_no=tracking_no,
            action=action,
            body=body,
            idempotency_key=idempotency_key,
        )
        if isinstance(done, ActionAccepted):
            response.status_code = status.HTTP_202_ACCEPTED
        return done

    endpoint.__name__ = action.value
    endpoint.__doc__ = ACTIONS[action].summary
    return endpoint


for action, path in PATHS.items():
    router.add_api_route(
        f"/{{tracking_no}}/{path}",
        _action_endpoint(action),
        methods=["POST"],
        response_model=CaseView,
        summary=ACTIONS[action].summary,
        responses={202: {"model": ActionAccepted}, **answers(401, 403, 404, 409, 413, 503)},
    )
