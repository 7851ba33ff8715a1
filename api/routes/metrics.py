"""`GET /api/metrics`: the evaluation system by enterprise, region, category and period, as
JSON or CSV; `GET /api/dashboard`: the same over time and against the period before."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.core.deps import ContextDep, SignedIn
from api.core.downloads import attachment
from api.core.errors import answers
from domain.enums import Category
from domain.metrics import Metrics
from services import dashboard, metrics
from services.fields import CreditCode, DivisionCode

router = APIRouter(tags=["metrics"])
Period = Annotated[
    str,
    Query(
        description="a month (2026-11), a quarter (2026-Q4), a year (2026), or days "
        "(2026-11-01..2026-12-01, the end excluded)",
        json_schema_extra={"format": "period"},
    ),
]


@router.get(
    "/api/metrics",
    response_model=Metrics,
    responses={200: {"content": {"text/csv": {}}}, **answers(401, 403, 404)},
    summary="Response time, resolution, success, satisfaction, volume, violations, scorecard",
)
async def get_metrics(
    ctx: ContextDep,
    principal: SignedIn,
    period: Period,
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
        return attachment(metrics.metrics_csv(result), f"metrics-{result.period.label}.csv")
    return result


@router.get(
    "/api/dashboard",
    response_model=dashboard.Dashboard,
    responses={200: {"content": {"text/csv": {}}}, **answers(401, 403)},
    summary="The figures of each day, week or month and of each enterprise, region, category or "
    "channel, against the period before",
)
async def get_dashboard(
    ctx: ContextDep,
    principal: SignedIn,
    period: Period,
    grain: Literal["day", "week", "month"] = "day",
    group_by: Literal["enterprise", "region", "category", "channel", "bureau"] = "enterprise",
    region: Annotated[DivisionCode | None, Query()] = None,
    category: Category | None = None,
    format: Annotated[
        Literal["json", "series.csv", "groups.csv"],
        Query(description="JSON, or one of its two tables as CSV"),
    ] = "json",
) -> dashboard.Dashboard | Response:
    result = await dashboard.get_dashboard(
        ctx,
        principal=principal,
        period=period,
        grain=grain,
        group_by=group_by,
        region=region,
        category=category,
    )
    if format == "json":
        return result
    table = dashboard.series_csv(result) if format == "series.csv" else dashboard.groups_csv(result)
    name = f"dashboard-{result.period.label}-{format.removesuffix('.csv')}.csv"
    return attachment(table, name)
