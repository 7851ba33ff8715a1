"""Enterprise supervision: the record, the parties' steps on warnings and penalties, and the
list of enterprises under supervision."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from api.core.deps import ContextDep, IdempotencyKey, Paging, SignedIn
from api.core.errors import answers
from domain.enums import SupervisionAction
from services import supervision
from services.fields import CreditCode
from services.outputs import ActionAccepted, Page
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
    SupervisionAction.DECIDE_PENALTY: "penalties/{target}/decision",
    SupervisionAction.SUBMIT_ORDER_REPORT: "warnings/{target}/rectification",
    SupervisionAction.VERIFY_ORDER: "warnings/{target}/verification",
}


def _endpoint(action: SupervisionAction) -> Callable[..., Any]:
    body_type = ACTIONS[action].body

    async def endpoint(
        code: CodePath,
        target: TargetPath,
        body: body_type,  # type: ignore[valid-type]
        response: Response,
        ctx: ContextDep,
        principal: SignedIn,
        idempotency_key: IdempotencyKey = None,
    ) -> SupervisionRecord | ActionAccepted:
        done = await supervision.act(
            ctx,
            principal=principal,
            code=code,
            action=action,
            target=target,
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
        f"/api/enterprises/{{code}}/{path}",
        _endpoint(action),
        methods=["POST"],
        response_model=SupervisionRecord,
        summary=ACTIONS[action].summary,
        responses={202: {"model": ActionAccepted}, **answers(401, 403, 404, 409, 413, 503)},
    )
