"""`GET /api/metrics`: the evaluation system by enterprise, region, category and period, as
JSON or CSV."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from domain.enums import Category
from domain.metrics import Metrics
from services import metrics
from services.fields import CreditCode, DivisionCode

router = APIRouter(tags=["metrics"])


@router.get(
    "/api/metrics",
    response_model=Metrics,
    responses={200: {"content": {"text/csv": {}}}, **answers(401, 403, 404)},
    summary="Response time, resolution, success, satisfaction, volume, violations, scorecard",
)
async def get_metrics(
    ctx: ContextDep,
    principal: SignedIn,
    period: Annotated[
        str,
        Query(
            description="a month (2026-11), a quarter (2026-Q4), a year (2026), or days "
            "(2026-11-01..2026-12-01, the end excluded)",
            json_schema_extra={"format": "period"},
        ),
    ],
    group_by: Annotated[
        str,
        Query(
            description="comma-separated, each once: enterprise, region, category",
            json_schema_extra={"pattern": metrics.GROUP_BY_PATTERN},
        ),
    ] = "",
    enterprise: Annotated[CreditCode | None, Query()] = None,
    region: Annotated[DivisionCode | None, Query()] = None,
    category: Category | None = None,
    format: Literal["json", "csv"] = "json",
) -> Metrics | Response:
    result = await metrics.get_metrics(
        ctx,
        principal=principal,
        period=period,
        group_by=group_by,
        enterprise=enterprise,
        region=region,
        category=category,
    )
    if format == "csv":
        return Response(
            metrics.metrics_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="metrics-{result.period.label}.csv"'},
        )
    return result
