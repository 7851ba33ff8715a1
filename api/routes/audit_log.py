"""The audit log, for auditors and admins, newest first, with filters."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.core.deps import ContextDep, SignedIn, paging
from api.core.errors import answers
from services import audit_log
from services.audit_log import AuditEntryOut, AuditFilters
from services.fields import AwareIsoDateTime
from services.outputs import Page, PageRequest

router = APIRouter(prefix="/api/audit-log", tags=["audit"])


@router.get(
    "",
    response_model=Page[AuditEntryOut],
    responses=answers(401, 403),
    summary="The audit log, newest first, with filters",
)
async def list_entries(
    ctx: ContextDep,
    principal: SignedIn,
    page: Annotated[PageRequest, Depends(paging(default_size=50, max_size=200))],
    actor: Annotated[str | None, Query(max_length=40, description="an account id, or consumer")] = None,
    object_ref: Annotated[str | None, Query(max_length=100, description="a tracking no, code or id")] = None,
    request_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[
        AwareIsoDateTime | None, Query(description="from this moment on (with its time zone)")
    ] = None,
    until: Annotated[
        AwareIsoDateTime | None,
        Query(description="before this moment (with its time zone); not before `since`"),
    ] = None,
    refused: Annotated[bool | None, Query(description="true: only answers of 400 or more")] = None,
) -> Page[AuditEntryOut]:
    filters = AuditFilters(actor, object_ref, request_id, since, until, refused)
    return await audit_log.list_entries(ctx, principal=principal, filters=filters, paging=page)
