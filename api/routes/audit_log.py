"""The audit log, for auditors and admins, newest first, with filters."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.core.deps import ContextDep, SignedIn, paging
from api.core.downloads import attachment
from api.core.errors import answers
from domain.enums import Role
from services import audit_log
from services.audit_log import AuditEntryOut, AuditFilters
from services.fields import AwareIsoDateTime
from services.outputs import Page, PageRequest

router = APIRouter(prefix="/api/audit-log", tags=["audit"])
ROLES = "^(" + "|".join([*(r.value for r in Role), "anonymous"]) + ")$"


@router.get(
    "",
    response_model=Page[AuditEntryOut],
    responses={200: {"content": {"text/csv": {}}}, **answers(401, 403)},
    summary="The audit log, newest first, with filters; as CSV",
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
    role: Annotated[str | None, Query(pattern=ROLES, description="the actor's role, or anonymous")] = None,
    action: Annotated[
        str | None,
        Query(min_length=1, max_length=120, description='found in the method and route, e.g. "findings"'),
    ] = None,
    reads: Annotated[
        bool | None, Query(description="true: only reads of personal data; false: only writes")
    ] = None,
    format: Annotated[
        Literal["json", "csv"], Query(description="csv: every entry found (at most 100,000), not a page")
    ] = "json",
) -> Page[AuditEntryOut] | Response:
    filters = AuditFilters(
        actor, object_ref, request_id, since, until, refused, role=role, action=action, reads=reads
    )
    if format == "csv":
        return attachment(audit_log.entries_csv(ctx, principal=principal, filters=filters), "audit-log.csv")
    return await audit_log.list_entries(ctx, principal=principal, filters=filters, paging=page)
