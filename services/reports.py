"""Cycle reports: the list, newest first, each report with every figure against the cycle before,
as figures or CSV, and a report made on demand for any month, quarter or year."""

import csv
import io
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import CycleReportRow, Enterprise
from domain.enums import Role
from domain.metrics import FIGURE_NAMES, parse_period
from domain.reports import CycleReport
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


def _item(row: CycleReportRow) -> ReportItem:
    return ReportItem(
        label=row.label,
        cycle=row.cycle,
        period_start=str(row.period_start),
        period_end=str(row.period_end),
        previous_label=row.previous_label,
        headline=row.headline,
        as_of=row.as_of,
        policy_version=row.policy_version,
    )


async def list_reports(ctx: Context, *, principal: Principal, paging: PageRequest) -> Page[ReportItem]:
    principal.require(READERS)
    statement = select(CycleReportRow).order_by(CycleReportRow.period_start.desc())
    return await paginate(ctx.session, statement, paging, _item)


async def get_report(ctx: Context, *, principal: Principal, label: str) -> CycleReport:
    principal.require(READERS)
    row = await ctx.session.get(CycleReportRow, label)
    if row is None:
        raise NotFound(f"no report for {label}")
    return CycleReport.model_validate(row.body)


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


async def enterprise_names(ctx: Context, report: CycleReport) -> dict[str, str]:
    """The names of the enterprises the report names, by credit code."""
    codes = [s.key for s in report.scopes if s.scope == "enterprise"]
    if not codes:
        return {}
    found = await ctx.session.execute(
        select(Enterprise.credit_code, Enterprise.name).where(Enterprise.credit_code.in_(codes))
    )
    return {code: name for code, name in found.all()}


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
