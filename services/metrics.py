"""The evaluation system by enterprise, region, category and period, as figures or CSV. An
enterprise sees its own figures only."""

import csv
import io
import re
from datetime import date, datetime, timedelta

from pydantic import Field

from db.metrics import compute
from db.models import Enterprise
from domain.enums import Category, Role
from domain.metrics import DIMENSIONS, FIGURE_NAMES, Metrics, MetricsRow, Period, parse_period
from services.context import Context
from services.errors import Forbidden, NotFound, invalid
from services.outputs import DISPLAY_TZ, Output
from services.principal import Principal

READERS = frozenset({Role.ENTERPRISE, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
# The schema's pattern for `group_by`: dimensions separated by commas, none named twice (the
# lookahead refuses a name found again later on).
_DIMENSION = "(?:" + "|".join(DIMENSIONS) + ")"
GROUP_BY_PATTERN = rf"^(?!.*({'|'.join(DIMENSIONS)}).*\1)(?:{_DIMENSION}(?: *, *{_DIMENSION})*)?$"


def dimensions(value: str) -> tuple[str, ...]:
    """`enterprise,region` as the dimensions to group by; ValueError naming what is wrong."""
    chosen = tuple(d.strip() for d in value.split(",")) if value else ()
    unknown = [d for d in chosen if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: use {', '.join(DIMENSIONS)}")
    if len(set(chosen)) != len(chosen):
        raise ValueError("a dimension is named twice")
    if not re.fullmatch(GROUP_BY_PATTERN, value):
        raise ValueError("name the dimensions separated by commas, e.g. enterprise,region")
    return chosen


async def get_metrics(
    ctx: Context,
    *,
    principal: Principal,
    period: str,
    group_by: str,
    enterprise: str | None,
    region: str | None,
    category: Category | None,
) -> Metrics:
    """Response time, resolution, success, satisfaction, volume, violations, scorecard."""
    principal.require(READERS)
    try:
        chosen: Period = parse_period(period)
    except ValueError as exc:
        raise invalid("period", str(exc), where="query") from exc
    try:
        by = dimensions(group_by)
    except ValueError as exc:
        raise invalid("group_by", str(exc), where="query") from exc
    if principal.role is Role.ENTERPRISE:
        if not principal.org:
            raise Forbidden("this enterprise account names no enterprise")
        if enterprise and enterprise != principal.org:
            raise NotFound(f"no metrics for {enterprise}")
        enterprise = principal.org
    return await compute(
        ctx.session,
        await ctx.resources.policies.sync(),
        ctx.resources.calendar,
        chosen,
        by,
        enterprise=enterprise,
        region=region,
        category=category.value if category else None,
        bureau=principal.bureau,  # a bureau's staff: the figures of its area
        kept=ctx.resources.tallies,
    )


def metrics_csv(result: Metrics) -> str:
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


# --- for the public ------------------------------------------------------------------------------

TRANSPARENCY_DAYS = 365


class Transparency(Output):
    """What anyone may read of an enterprise: its complaints over the last year and how they went."""

    credit_code: str
    name: str
    since: date
    until: date
    received: int
    responded_in_time: float | None = Field(description="share answered within 24 hours")
    resolved: float | None = Field(description="share of closed cases resolved for the consumer")
    satisfaction: float | None = Field(description="mean of the third-party surveys, 1 to 5")
    evaluated: int


async def transparency(ctx: Context, *, code: str) -> Transparency:
    """An enterprise's record over the last year, for the public (the plan's public notice
    system): no case and no consumer, only counts and shares."""
    enterprise = await ctx.session.get(Enterprise, code)
    if enterprise is None or not enterprise.registered:
        raise NotFound(f"no enterprise {code}")
    today = datetime.now(DISPLAY_TZ).date()
    period = Period(today - timedelta(days=TRANSPARENCY_DAYS - 1), today + timedelta(days=1), "range")
    result = await compute(
        ctx.session,
        await ctx.resources.policies.sync(),
        ctx.resources.calendar,
        period,
        (),
        enterprise=code,
        kept=ctx.resources.tallies,
    )
    figures = result.total
    return Transparency(
        credit_code=code,
        name=enterprise.name,
        since=period.start,
        until=today,
        received=figures.volume,
        responded_in_time=figures.response_within_24h,
        resolved=figures.resolution_success_rate,
        satisfaction=figures.satisfaction,
        evaluated=figures.evaluated,
    )
