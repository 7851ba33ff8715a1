"""Where the notifications went, for the admins: every delivery and its attempts, the dead
letters, and their redelivery."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.errors import answers
from domain.delivery import DeliveryStatus
from services import deliveries
from services.deliveries import DeliveryDetail, DeliveryOut
from services.fields import ROW_ID_MAX
from services.outputs import Page

router = APIRouter(prefix="/api/deliveries", tags=["notifications"])
DeliveryId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]


@router.get(
    "",
    response_model=Page[DeliveryOut],
    responses=answers(401, 403),
    summary="Deliveries, newest first; the dead letters with status=dead",
)
async def list_deliveries(
    ctx: ContextDep,
    principal: SignedIn,
    paging: Paging,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Page[DeliveryOut]:
    return await deliveries.list_deliveries(ctx, principal=principal, status=status, paging=paging)


@router.get(
    "/{delivery_id}",
    response_model=DeliveryDetail,
    responses=answers(401, 403, 404),
    summary="One delivery with each of its attempts",
)
async def get_delivery(ctx: ContextDep, principal: SignedIn, delivery_id: DeliveryId) -> DeliveryDetail:
    return await deliveries.get_delivery(ctx, principal=principal, delivery_id=delivery_id)


@router.post(
    "/{delivery_id}/redeliver",
    response_model=DeliveryDetail,
    status_code=202,
    responses=answers(401, 403, 404, 409, 503),
    summary="Try a dead letter again",
)
async def redeliver(ctx: ContextDep, principal: SignedIn, delivery_id: DeliveryId) -> DeliveryDetail:
    return await deliveries.redeliver(ctx, principal=principal, delivery_id=delivery_id)
