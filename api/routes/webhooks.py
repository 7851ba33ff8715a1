"""An enterprise's webhook endpoints: register (the signing secret is in the answer, once),
list, rotate the secret, remove."""

from typing import Annotated

from fastapi import APIRouter, Path

from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from services import webhooks
from services.fields import ROW_ID_MAX, CreditCode
from services.webhooks import EndpointIn, EndpointOut, EndpointWithSecret

router = APIRouter(prefix="/api/enterprises/{code}/webhooks", tags=["notifications"])
CodePath = Annotated[CreditCode, Path(description="unified social credit code")]
EndpointId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]


@router.get("", response_model=list[EndpointOut], responses=answers(401, 403, 404), summary="The endpoints")
async def list_endpoints(ctx: ContextDep, principal: SignedIn, code: CodePath) -> list[EndpointOut]:
    return await webhooks.list_endpoints(ctx, principal=principal, code=code)


@router.post(
    "",
    response_model=EndpointWithSecret,
    status_code=201,
    responses=answers(401, 403, 404, 409),
    summary="Register an endpoint (at most 5): its signing secret is shown in this answer only",
)
async def register(
    ctx: ContextDep, principal: SignedIn, code: CodePath, body: EndpointIn
) -> EndpointWithSecret:
    return await webhooks.register(ctx, principal=principal, code=code, endpoint=body)


@router.post(
    "/{endpoint_id}/rotation",
    response_model=EndpointWithSecret,
    responses=answers(401, 403, 404),
    summary="A new signing secret; the previous one still signs for 24 hours",
)
async def rotate(
    ctx: ContextDep, principal: SignedIn, code: CodePath, endpoint_id: EndpointId
) -> EndpointWithSecret:
    return await webhooks.rotate(ctx, principal=principal, code=code, endpoint_id=endpoint_id)


@router.delete(
    "/{endpoint_id}", status_code=204, responses=answers(401, 403, 404), summary="Remove an endpoint"
)
async def remove(ctx: ContextDep, principal: SignedIn, code: CodePath, endpoint_id: EndpointId) -> None:
    await webhooks.remove(ctx, principal=principal, code=code, endpoint_id=endpoint_id)
