"""Cycle reports: the list, newest first, each report with every figure against the cycle before,
as figures or CSV, and a report made on demand for any month, quarter or year."""

import csv
import io
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeGuard

from sqlalchemy import select

from db.models import CycleReportRow, Enterprise
from domain.bureaus import area_prefix, covers
from domain.enums import Role
from domain.metrics import FIGURE_NAMES, Figures, parse_period
from domain.reports import CycleReport, ScopeFigures, compare
from services.context import Context
from services.errors import NotFound, invalid
from services.outputs import DISPLAY_TZ, LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from workflows.report import CycleReportWorkflow, ReportInput

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
MAKERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


class ReportItem(Output):
    label: str
    cycle: str
    period_start: str
    period_end: str
    previous_label: str
    headline: str
    as_of: LocalTime
    policy_version: str


def _item(principal: Principal) -> Callable[[CycleReportRow], ReportItem]:
    def item(row: CycleReportRow) -> ReportItem:
        headline = row.headline
        if _of_an_area(principal.bureau):
            report = CycleReport.model_validate(row.body)
            headline = report.model_copy(
                update={"scopes": [_area_total(report, principal.bureau)]}
            ).headline()
        return ReportItem(
            label=row.label,
            cycle=row.cycle,
            period_start=str(row.period_start),
            period_end=str(row.period_end),
            previous_label=row.previous_label,
            headline=headline,
            as_of=row.as_of,
            policy_version=row.policy_version,
        )

    return item


async def list_reports(ctx: Context, *, principal: Principal, paging: PageRequest) -> Page[ReportItem]:
    principal.require(READERS)
    statement = select(CycleReportRow).order_by(CycleReportRow.period_start.desc())
    return await paginate(ctx.session, statement, paging, _item(principal))


async def get_report(ctx: Context, *, principal: Principal, label: str) -> CycleReport:
    """The report as its reader may read it: a bureau's staff read their area's figures as the
    total, and of the rest the bureaus, areas, regions and enterprises their area holds. The
    categories and channels are the whole system's figures, so they are left out for them (the
    dashboard gives them for the area)."""
    principal.require(READERS)
    row = await ctx.session.get(CycleReportRow, label)
    if row is None:
        raise NotFound(f"no report for {label}")
    report = CycleReport.model_validate(row.body)
    bureau = principal.bureau
    if not _of_an_area(bureau):
        return report
    codes = [s.key for s in report.scopes if s.scope == "enterprise"]
    found = await ctx.session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(codes)))
    inside = {e.credit_code for e in found if covers(bureau, e.division)}
    kept = [
        s
        for s in report.scopes
        if (s.scope in ("bureau", "area", "region") and covers(bureau, s.key))
        or (s.scope == "enterprise" and s.key in inside)
    ]
    return report.model_copy(update={"scopes": [_area_total(report, bureau), *kept]})


def _of_an_area(bureau: str | None) -> TypeGuard[str]:
    """A bureau below the top: its staff read its area's part of a report."""
    return bureau is not None and bool(area_prefix(bureau))


def _area_total(report: CycleReport, bureau: str) -> ScopeFigures:
    """The area's figures as the report's total; none for a report made before it had areas."""
    mine = next((s for s in report.scopes if s.scope == "area" and s.key == bureau), None)
    if mine is None:
        return compare("total", "", Figures(), Figures())
    return mine.model_copy(update={"scope": "total", "key": ""})


def report_csv(report: CycleReport) -> str:
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


async def names(ctx: Context, report: CycleReport) -> dict[str, str]:
    """The names of the enterprises the report names, by credit code, and of its bureaus, by code."""
    tree = ctx.settings.bureau_tree()
    named = {
        s.key: bureau.name
        for s in report.scopes
        if s.scope in ("bureau", "area") and (bureau := tree.get(s.key)) is not None
    }
    codes = [s.key for s in report.scopes if s.scope == "enterprise"]
    if codes:
        found = await ctx.session.execute(
            select(Enterprise.credit_code, Enterprise.name).where(Enterprise.credit_code.in_(codes))
        )
        named |= {code: name for code, name in found.all()}
    return named


async def make_report(ctx: Context, *, principal: Principal, period: str) -> str:
    """The report of a month, quarter or year, made now by the cycle report's own workflow
    (stored, replacing one of the same period, and the supervisors told); its label."""
    principal.require(MAKERS)
    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise invalid("period", str(exc)) from exc
    if chosen.kind == "range":
        raise invalid("period", "must be a month (2026-11), a quarter (2026-Q3) or a year (2026)")
    today = datetime.now(DISPLAY_TZ).date()
    if chosen.start > today:
        raise invalid("period", "has not begun")
    made = await ctx.temporal.execute_workflow(
        CycleReportWorkflow.run,
        ReportInput(period=chosen.label),
        id=f"cycle-report-{chosen.label}-{secrets.token_hex(4)}",
        task_queue=ctx.settings.task_queue,
        execution_timeout=timedelta(minutes=5),
    )
    ctx.audit.detail = f"cycle report {made.label} made on demand"
    return made.label
