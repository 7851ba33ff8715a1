"""`GET /api/metrics`: the evaluation system by enterprise, region, category and period, as
JSON or CSV."""

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import AfterValidator

from api.deps import Principal, SessionDep, require
from api.errors import invalid
from db.metrics import compute
from db.policies import PolicyStore
from domain import identifiers
from domain.calendar import WorkingCalendar
from domain.enums import Category, Role
from domain.metrics import DIMENSIONS, FIGURE_NAMES, Metrics, MetricsRow, parse_period

router = APIRouter(tags=["metrics"])
READERS = (Role.ENTERPRISE, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


def get_policies(request: Request) -> PolicyStore:
    return request.app.state.policies


def get_calendar(request: Request) -> WorkingCalendar:
    return request.app.state.calendar


def _dimensions(value: str) -> tuple[str, ...]:
    chosen = tuple(d.strip() for d in value.split(",") if d.strip())
    unknown = [d for d in chosen if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: use {', '.join(DIMENSIONS)}")
    if len(set(chosen)) != len(chosen):
        raise ValueError("a dimension is named twice")
    return chosen


@router.get(
    "/api/metrics",
    response_model=Metrics,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Response time, resolution, success, satisfaction, volume, violations, scorecard",
)
async def get_metrics(
    session: SessionDep,
    policies: Annotated[PolicyStore, Depends(get_policies)],
    calendar: Annotated[WorkingCalendar, Depends(get_calendar)],
    period: Annotated[str, Query(description="2026-11, 2026-Q4, 2026, or 2026-11-01..2026-12-01")],
    group_by: Annotated[str, Query(description="comma-separated: enterprise, region, category")] = "",
    enterprise: Annotated[
        str | None,
        Query(description="credit code"),
        AfterValidator(lambda v: v and identifiers.credit_code(v)),
    ] = None,
    region: Annotated[
        str | None,
        Query(description="6-digit division code"),
        AfterValidator(lambda v: v and identifiers.division_code(v)),
    ] = None,
    category: Category | None = None,
    format: Literal["json", "csv"] = "json",
    principal: Principal = require(*READERS),
) -> Metrics | Response:
    try:
        chosen = parse_period(period)
        by = _dimensions(group_by)
    except ValueError as exc:
        field = "group_by" if "dimension" in str(exc) else "period"
        raise invalid(field, str(exc), where="query") from exc
    if principal.role is Role.ENTERPRISE:
        if not principal.actor.org:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this enterprise account names no enterprise")
        if enterprise and enterprise != principal.actor.org:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no metrics for {enterprise}")
        enterprise = principal.actor.org
    result = await compute(
        session,
        await policies.sync(),
        calendar,
        chosen,
        by,
        enterprise=enterprise,
        region=region,
        category=category.value if category else None,
    )
    if format == "csv":
        return Response(
            to_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="metrics-{chosen.label}.csv"'},
        )
    return result


def to_csv(result: Metrics) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", *result.group_by, *FIGURE_NAMES])
    for row in [*result.rows, MetricsRow(key={d: "(all)" for d in result.group_by}, figures=result.total)]:
        values = row.figures.model_dump()
        writer.writerow(
            [
                result.period.label,
                *(row.key[d] for d in result.group_by),
                *("" if values[n] is None else values[n] for n in FIGURE_NAMES),
            ]
        )
    return out.getvalue()
