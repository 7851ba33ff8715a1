"""The cycle reports: the list, newest first, and each report as a printable page — every
figure against the cycle before, charted by bureau's area, bureau, enterprise, region and
category beside its table — and as CSV."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from domain.reports import CycleReport, ScopeFigures
from services import reports
from services.errors import FieldError, Invalid
from services.outputs import PageRequest
from web.core import charts, labels
from web.core.charts import mean, share
from web.core.files import attachment
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Label = Annotated[str, Path(pattern=r"^[0-9]{4}(-Q[1-4]|-[0-9]{2})?$")]
SCOPES = ("area", "bureau", "enterprise", "region", "category")


async def _list(
    page: Page,
    p: int = 1,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    period: str = "",
    problem: str = "",
) -> Response:
    assert page.user is not None
    listed = await reports.list_reports(page.ctx, principal=page.user, paging=PageRequest.within(p, 24))
    return page.render(
        "staff/reports.html",
        status=status,
        listed=listed,
        makes=page.user.role in reports.MAKERS,
        errors=page.errors(errors or []),
        values=FormData([("period", period)] if period else []),
        problem=problem,
    )


@router.get("/staff/reports", response_class=HTMLResponse)
async def reports_page(page: StaffPage, p: int = 1) -> Response:
    return await _list(page, p)


@router.post("/staff/reports", response_class=HTMLResponse)
async def make_report(page: StaffPage) -> Response:
    """A report for the month, quarter or year asked for, made now."""
    assert page.user is not None
    data = await form(page.request)
    period = str(data.get("period", "")).strip()
    if not csrf_ok(page, data):
        return await _list(page, status=400, period=period, problem=page._(EXPIRED))
    if not period:
        return await _list(page, status=422, errors=[FieldError("period", "is required")])
    try:
        label = await reports.make_report(page.ctx, principal=page.user, period=period)
    except Invalid as refused:
        return await _list(page, status=422, errors=refused.errors, period=period)
    return page.redirect(f"/staff/reports/{label}")


def _name(page: Page, scope: str, key: str, names: dict[str, str]) -> str:
    """A row's name: a category's words, an enterprise's or a bureau's name, a region's code."""
    if scope == "category":
        return labels.label(page.lang, "category", key)
    return key if scope == "region" else names.get(key, key)


def _chart(
    page: Page, report: CycleReport, scope: str, rows: list[ScopeFigures], names: dict[str, str]
) -> Markup:
    """Answered within 24 hours, this cycle against the one before, by `scope`."""
    groups = [
        (
            _name(page, scope, r.key, names),
            [
                charts.Bar(report.label, r.current.response_within_24h, share(r.current.response_within_24h)),
                charts.Bar(
                    report.previous_label,
                    r.previous.response_within_24h,
                    share(r.previous.response_within_24h),
                ),
            ],
        )
        for r in rows
    ]
    title = page._(
        "Answered within 24 hours, {label} against {previous}, {by}",
        label=report.label,
        previous=report.previous_label,
        by=labels.label(page.lang, "grouping", scope),
    )
    return charts.rows(title, groups, top=1.0, percent=True)


@router.get("/staff/reports/{label}.csv")
async def report_csv(page: StaffPage, label: Label) -> Response:
    assert page.user is not None
    report = await reports.get_report(page.ctx, principal=page.user, label=label)
    return attachment(reports.report_csv(report), f"report-{report.label}.csv")


@router.get("/staff/reports/{label}", response_class=HTMLResponse)
async def report_page(page: StaffPage, label: Label) -> Response:
    assert page.user is not None
    report = await reports.get_report(page.ctx, principal=page.user, label=label)
    names = await reports.names(page.ctx, report)
    total = next(s for s in report.scopes if s.scope == "total")
    scopes = {scope: [s for s in report.scopes if s.scope == scope] for scope in SCOPES}
    return page.render(
        "staff/report.html",
        report=report,
        total=total,
        scopes={scope: rows for scope, rows in scopes.items() if rows},
        charts={scope: _chart(page, report, scope, rows, names) for scope, rows in scopes.items() if rows},
        name=lambda scope, key: _name(page, scope, key, names),
        share=share,
        mean=mean,
    )
