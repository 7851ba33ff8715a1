"""Intake: `POST /api/complaints` starts a case's workflow and answers with its receipt."""

from fastapi import APIRouter, Response, status

from api.core.deps import ContextDep, IdempotencyKey, OptionalPrincipal
from api.core.errors import answers
from services import intake
from services.intake import ComplaintCreate, IntakeReceipt

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeReceipt,
    responses={
        202: {"model": IntakeReceipt, "description": "recorded; triage and deadlines still pending"},
        **answers(401, 403, 409, 429, 503),
    },
    summary="File a complaint (web), or record one (phone, store, platform)",
    openapi_extra={"security": [{}]},  # anyone may file on the web
)
async def file_complaint(
    body: ComplaintCreate,
    response: Response,
    ctx: ContextDep,
    principal: OptionalPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> IntakeReceipt:
    filed = await intake.file_complaint(
        ctx, principal=principal, complaint=body, idempotency_key=idempotency_key
    )
    if filed.registered:
        response.headers["Location"] = f"/api/complaints/{filed.receipt.tracking_no}"
    else:
        response.status_code = status.HTTP_202_ACCEPTED
    return filed.receipt
