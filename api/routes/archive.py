"""The history archive: closed cases' Temporal histories, hash-chained; auditors verify it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.errors import answers
from services import archive
from services.archive import ChainOut, EntryOut
from services.outputs import Page

router = APIRouter(prefix="/api/archive", tags=["archive"])


@router.get(
    "/verify",
    response_model=ChainOut,
    responses=answers(401, 403),
    summary="Check every entry: none edited, reordered or deleted",
)
async def verify(
    ctx: ContextDep,
    principal: SignedIn,
    head: Annotated[
        str | None, Query(pattern="^[0-9a-f]{64}$", description="a head an earlier verification reported")
    ] = None,
) -> ChainOut:
    return await archive.verify(ctx, principal=principal, head=head)


@router.get(
    "",
    response_model=Page[EntryOut],
    responses=answers(401, 403),
    summary="Archived cases, in the chain's order",
)
async def list_entries(ctx: ContextDep, principal: SignedIn, paging: Paging) -> Page[EntryOut]:
    return await archive.list_entries(ctx, principal=principal, paging=paging)


@router.get(
    "/{tracking_no}",
    responses=answers(401, 403, 404),
    summary="A case's archived histories (payloads as Temporal holds them)",
)
async def get_entry(tracking_no: str, ctx: ContextDep, principal: SignedIn) -> dict[str, Any]:
    return await archive.get_entry(ctx, principal=principal, tracking_no=tracking_no)
