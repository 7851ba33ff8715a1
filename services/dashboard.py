"""The supervisor's dashboard: the evaluation system over a period — each day, week or month
of it, each enterprise, region or category — against the period before, as figures or CSV."""

import csv
import io

from sqlalchemy import select

from db.metrics import compute, compute_over_time
from db.models import Enterprise
from db.session import one_moment
from domain.enums import Category, Role
from domain.metrics import (
    DIMENSIONS,
    FIGURE_NAMES,
    GRAINS,
    MAX_BUCKETS,
    Figures,
    Metrics,
    MetricsRow,
    Period,
    PeriodOut,
    SeriesPoint,
    buckets,
    change,
    parse_period,
)
from services.context import Context
from services.errors import invalid
from services.metrics import metrics_csv
from services.outputs import Output
from services.principal import Principal

VIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


class Dashboard(Output):
    period: PeriodOut
    previous: PeriodOut
    grain: str
    group_by: str
    total: Figures
    previous_total: Figures
    change: dict[str, float | None]  # each figure against the period before, in per cent
    series: list[SeriesPoint]  # each day, week or month of the period
    rows: list[MetricsRow]  # each enterprise, region or category
    names: dict[str, str]  # each enterprise's name by its credit code, or each bureau's by its code


def _out(period: Period) -> PeriodOut:
    return PeriodOut(label=period.label, start=str(period.start), end=str(period.end))


async def get_dashboard(
    ctx: Context,
    *,
    principal: Principal,
    period: str,
    grain: str = "day",
    group_by: str = "enterprise",
    region: str | None = None,
    category: Category | None = None,
) -> Dashboard:
    principal.require(VIEWERS)
    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise invalid("period", str(exc), where="query") from exc
    if grain not in GRAINS:
        raise invalid("grain", f"use {', '.join(GRAINS)}", where="query")
    if len(buckets(chosen, grain)) > MAX_BUCKETS:
        raise invalid("grain", f"more than {MAX_BUCKETS} points: choose a longer grain", where="query")
    if group_by not in DIMENSIONS:
        raise invalid("group_by", f"use {', '.join(DIMENSIONS)}", where="query")
    policy = await ctx.resources.policies.sync()
    calendar = ctx.resources.calendar
    where = {"region": region, "category": category.value if category else None, "bureau": principal.bureau}
    kept = ctx.resources.tallies
    async with one_moment(ctx.session):  # the period and the one before, as the same moment had them
        now, series = await compute_over_time(
            ctx.session, policy, calendar, chosen, (group_by,), grain, **where, kept=kept
        )
        before = await compute(ctx.session, policy, calendar, chosen.previous(), (), **where, kept=kept)
    current, previous = now.total.model_dump(), before.total.model_dump()
    names: dict[str, str] = {}
    if group_by == "enterprise" and now.rows:
        codes = [r.key["enterprise"] for r in now.rows]
        found = await ctx.session.execute(
            select(Enterprise.credit_code, Enterprise.name).where(Enterprise.credit_code.in_(codes))
        )
        names = {code: name for code, name in found.all()}
    if group_by == "bureau" and now.rows:
        tree = ctx.settings.bureau_tree()
        names = {r.key["bureau"]: tree.competent(r.key["bureau"]).name for r in now.rows if r.key["bureau"]}
    return Dashboard(
        period=now.period,
        previous=_out(chosen.previous()),
        grain=grain,
        group_by=group_by,
        total=now.total,
        previous_total=before.total,
        change={name: change(current[name], previous[name]) for name in FIGURE_NAMES},
        series=series,
        rows=now.rows,
        names=names,
    )


def series_csv(dashboard: Dashboard) -> str:
    """Each day, week or month of the period with every figure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([dashboard.grain, "start", "end", *FIGURE_NAMES])
    for point in dashboard.series:
        values = point.figures.model_dump()
        writer.writerow(
            [
                point.label,
                point.start,
                point.end,
                *("" if values[n] is None else values[n] for n in FIGURE_NAMES),
            ]
        )
    return out.getvalue()


def groups_csv(dashboard: Dashboard) -> str:
    """Each enterprise, region or category with every figure, and the whole period's."""
    return metrics_csv(
        Metrics(
            period=dashboard.period, group_by=[dashboard.group_by], rows=dashboard.rows, total=dashboard.total
        )
    )
