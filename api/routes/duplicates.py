"""Possible duplicates: a complaint filed again through another channel, for a supervisor to
confirm (the case rejected as a duplicate of its original) or dismiss."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.core.actions import add_action_route
from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from services import duplicates
from services.case_view import CaseView
from services.context import Context
from services.duplicates import DismissIn, DuplicateOut
from services.principal import Principal

router = APIRouter(prefix="/api/duplicates", tags=["duplicates"])


@router.get(
    "",
    response_model=list[DuplicateOut],
    responses=answers(401, 403),
    summary="Possible duplicates with their originals, newest first",
)
async def list_duplicates(
    ctx: ContextDep,
    principal: SignedIn,
    status: Annotated[Literal["open", "confirmed", "dismissed"], Query()] = "open",
) -> list[DuplicateOut]:
    return await duplicates.pairs(ctx, principal=principal, status=status)


def _case(tracking_no: str) -> str:
    return tracking_no


def _signed_in(principal: SignedIn) -> Principal:
    return principal


def _confirm(ctx: Context, principal: Principal, tracking_no: str, body: Any, key: str | None) -> Any:
    return duplicates.confirm(
        ctx, principal=principal, tracking_no=tracking_no, body=body, idempotency_key=key
    )


add_action_route(
    router,
    "/{tracking_no}/confirmation",
    name="confirm_duplicate",
    summary="A supervisor confirms it: the case is rejected as a duplicate of its original",
    body=duplicates.ConfirmIn,
    target=_case,
    caller=_signed_in,
    perform=_confirm,
    response_model=CaseView,
)


@router.post(
    "/{tracking_no}/dismissal",
    response_model=DuplicateOut,
    responses=answers(401, 403, 404, 409),
    summary="A supervisor dismisses it: the two are different complaints",
)
async def dismiss(tracking_no: str, body: DismissIn, ctx: ContextDep, principal: SignedIn) -> DuplicateOut:
    return await duplicates.dismiss(ctx, principal=principal, tracking_no=tracking_no, body=body)
