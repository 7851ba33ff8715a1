"""Public notices: the penalties published, for anyone."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.core.deps import ContextDep, Paging
from services import notices
from services.fields import CreditCode, IsoDate
from services.notices import NoticeOut
from services.outputs import Page

router = APIRouter(tags=["public"])


@router.get(
    "/api/public-notices",
    response_model=Page[NoticeOut],
    summary="Published penalties (public; no consumer's personal data)",
)
async def public_notices(
    ctx: ContextDep,
    paging: Paging,
    enterprise: Annotated[CreditCode | None, Query()] = None,
    since: Annotated[IsoDate | None, Query(description="published on or after (Beijing date)")] = None,
) -> Page[NoticeOut]:
    return await notices.public_notices(ctx, enterprise=enterprise, since=since, paging=paging)
