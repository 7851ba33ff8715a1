"""Enterprise supervision: the record, the parties' steps on warnings and penalties, and the
list of enterprises under supervision."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.core.actions import Perform, add_action_route
from api.core.deps import ContextDep, Paging, SignedIn, signed_in
from api.core.errors import answers
from domain.enums import SupervisionAction
from services import supervision
from services.context import Context
from services.fields import CreditCode
from services.outputs import Page
from services.principal import Principal
from services.supervision import ACTIONS, SupervisedItem, SupervisionRecord

router = APIRouter(tags=["enterprises"])
CodePath = Annotated[CreditCode, Path(description="unified social credit code")]
TargetPath = Annotated[str, Path(max_length=16, description="the warning's or the penalty's id")]


@router.get(
    "/api/enterprises/{code}/supervision",
    response_model=SupervisionRecord,
    responses=answers(401, 403, 404, 503),
    summary="An enterprise's supervision record: level, warnings, penalties, decisions",
)
async def get_supervision(code: CodePath, ctx: ContextDep, principal: SignedIn) -> SupervisionRecord:
    return await supervision.get_record(ctx, principal=principal, code=code)


@router.get(
    "/api/enterprises",
    response_model=Page[SupervisedItem],
    responses=answers(401, 403),
    summary="Enterprises under supervision, the most closely watched first",
)
async def list_supervised(
    ctx: ContextDep, principal: SignedIn, paging: Paging, min_level: Annotated[int, Query(ge=0, le=3)] = 0
) -> Page[SupervisedItem]:
    return await supervision.list_supervised(ctx, principal=principal, min_level=min_level, paging=paging)


PATHS: dict[SupervisionAction, str] = {
    SupervisionAction.SUBMIT_STATEMENT: "penalties/{target}/statement",
    SupervisionAction.REQUEST_HEARING: "penalties/{target}/hearing-request",
    SupervisionAction.SCHEDULE_HEARING: "penalties/{target}/hearing",
    SupervisionAction.RECORD_HEARING: "penalties/{target}/hearing-record",
    SupervisionAction.DECIDE_PENALTY: "penalties/{target}/decision",
    SupervisionAction.RECORD_PAYMENT: "penalties/{target}/payment",
    SupervisionAction.VERIFY_SUSPENSION: "penalties/{target}/verification",
    SupervisionAction.SUBMIT_ORDER_REPORT: "warnings/{target}/rectification",
    SupervisionAction.VERIFY_ORDER: "warnings/{target}/verification",
}


def _record(code: CodePath, target: TargetPath) -> tuple[str, str]:
    return code, target


def _perform(action: SupervisionAction) -> Perform:
    def perform(
        ctx: Context, principal: Principal, named: tuple[str, str], body: Any, key: str | None
    ) -> Any:
        code, target = named
        return supervision.act(
            ctx, principal=principal, code=code, action=action, target=target, body=body, idempotency_key=key
        )

    return perform


for action, path in PATHS.items():
    add_action_route(
        router,
        f"/api/enterprises/{{code}}/{path}",
        name=action.value,
        summary=ACTIONS[action].summary,
        body=ACTIONS[action].body,
        target=_record,
        caller=signed_in,
        perform=_perform(action),
        response_model=SupervisionRecord,
    )
