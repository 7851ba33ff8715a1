"""Cycle reports: `GET /api/reports` and each report as JSON or CSV."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.downloads import attachment
from api.core.errors import answers
from domain.reports import CycleReport
from services import reports
from services.outputs import Page
from services.reports import ReportItem

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get(
    "",
    response_model=Page[ReportItem],
    responses=answers(401, 403),
    summary="Cycle reports, the newest first",
)
async def list_reports(ctx: ContextDep, principal: SignedIn, paging: Paging) -> Page[ReportItem]:
    return await reports.list_reports(ctx, principal=principal, paging=paging)


@router.get(
    "/{label}",
    response_model=CycleReport,
    responses={200: {"content": {"text/csv": {}}}, **answers(401, 403, 404)},
    summary="One cycle's report: each figure, the cycle before, and the change in per cent",
)
async def get_report(
    label: str, ctx: ContextDep, principal: SignedIn, format: Literal["json", "csv"] = "json"
) -> CycleReport | Response:
    report = await reports.get_report(ctx, principal=principal, label=label)
    if format == "json":
        return report
    return attachment(reports.report_csv(report), f"report-{label}.csv")
