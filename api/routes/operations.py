"""`/metrics`: the system's metrics in Prometheus's text format, for its operators (an admin's
API key, read-only is enough), not in the API's contract."""

from fastapi import APIRouter
from fastapi.responses import Response

from api.core.deps import ContextDep, SignedIn
from services import operations
from telemetry import CONTENT_TYPE

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(ctx: ContextDep, principal: SignedIn) -> Response:
    return Response(await operations.scrape(ctx, principal=principal), media_type=CONTENT_TYPE)
