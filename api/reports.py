"""Cycle reports: `GET /api/reports` and each report as JSON or CSV."""

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from sqlalchemy import func, select

from api.deps import Principal, SessionDep, require
from api.schemas import LocalTime, Output, Page
from db.models import CycleReportRow
from domain.enums import Role
from domain.metrics import FIGURE_NAMES
from domain.reports import CycleReport

router = APIRouter(prefix="/api/reports", tags=["reports"])
READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


class ReportItem(Output):
    label: str
    cycle: str
    period_start: str
    period_end: str
    previous_label: str
    headline: str
    as_of: LocalTime
    policy_version: str


@router.get("", response_model=Page[ReportItem], summary="Cycle reports, the newest first")
async def list_reports(
    session: SessionDep,
    principal: Principal = require(*READERS),
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ReportItem]:
    total = await session.scalar(select(func.count()).select_from(CycleReportRow)) or 0
    rows = (
        await session.execute(
            select(CycleReportRow)
            .order_by(CycleReportRow.period_start.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    items = [
        ReportItem(
            label=r.label,
            cycle=r.cycle,
            period_start=str(r.period_start),
            period_end=str(r.period_end),
            previous_label=r.previous_label,
            headline=r.headline,
            as_of=r.as_of,
            policy_version=r.policy_version,
        )
        for r in rows
    ]
    return Page[ReportItem](items=items, total=total, page=page, page_size=page_size)


@router.get(
    "/{label}",
    response_model=CycleReport,
    responses={200: {"content": {"text/csv": {}}}},
    summary="One cycle's report: each figure, the cycle before, and the change in per cent",
)
async def get_report(
    label: str,
    session: SessionDep,
    principal: Principal = require(*READERS),
    format: Literal["json", "csv"] = "json",
) -> CycleReport | Response:
    row = await session.get(CycleReportRow, label)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no report for {label}")
    report = CycleReport.model_validate(row.body)
    if format == "json":
        return report
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{label}.csv"'},
    )


def to_csv(report: CycleReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["scope", "key", "figure", report.label, report.previous_label, "change_percent"])
    for scope in report.scopes:
        now, before = scope.current.model_dump(), scope.previous.model_dump()
        for name in FIGURE_NAMES:
            change = scope.changes.get(name)
            writer.writerow(
                [scope.scope, scope.key, name, _cell(now[name]), _cell(before[name]), _cell(change)]
            )
    return out.getvalue()


def _cell(value: object) -> object:
    return "" if value is None else value
