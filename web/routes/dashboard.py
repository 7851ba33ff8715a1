"""The supervisor's dashboard: complaints over time and by enterprise, region or category,
each chart with its table beside it and a CSV of it, against the period before."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from domain.metrics import DIMENSIONS, Figures
from services import dashboard
from services.errors import Invalid
from services.outputs import DISPLAY_TZ
from web.core import charts, labels
from web.core.charts import mean, share
from web.core.files import attachment
from web.core.pages import Page, StaffPage
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
GRAINS = labels.LABELS["grain"]  # value → its words
GROUPS = {d: labels.LABELS["grouping"][d] for d in DIMENSIONS}


def _namer(page: Page, d: dashboard.Dashboard) -> Callable[[str], str]:
    """A group's name on the page: an enterprise's name, a category's or a channel's word, a
    region's code."""
    if d.group_by in ("enterprise", "bureau"):
        return lambda code: d.names.get(code, code)
    if d.group_by in ("category", "channel"):
        return lambda value: labels.label(page.lang, d.group_by, value)
    return str


def _charts(page: Page, d: dashboard.Dashboard, name: Callable[[str], str]) -> dict[str, Markup]:
    """The dashboard's charts, drawn from the same figures as its tables: bureaus compared also
    by their own clocks."""
    _, by = page._, page._(GROUPS[d.group_by])

    def bars(f: Figures, fields: tuple[str, ...], text: Callable[[float | None], str]) -> list[charts.Bar]:
        return [charts.Bar(field, getattr(f, field), text(getattr(f, field))) for field in fields]

    groups = [(name(r.key[d.group_by]), r.figures) for r in d.rows]
    drawn: dict[str, Markup] = {}
    if d.group_by == "bureau":  # the bureaus' own clocks, side by side
        drawn["bureaus"] = charts.rows(
            _("Acceptance decided within 7 working days, {by}", by=by),
            [(g, bars(f, ("acceptance_in_time",), share)) for g, f in groups],
            top=1.0,
            percent=True,
        )
    return drawn | {
        "received": charts.columns(
            _("Complaints received, {grain}", grain=_(GRAINS[d.grain])),
            [charts.Bar(p.label, p.figures.volume, str(p.figures.volume)) for p in d.series],
        ),
        "in_time": charts.rows(
            _("Answered within 24 hours and resolved within 3 working days, {by}", by=by),
            [(g, bars(f, ("response_within_24h", "resolution_within_3_days"), share)) for g, f in groups],
            top=1.0,
            percent=True,
        ),
        "liked": charts.rows(
            _("Satisfaction and service attitude (1 to 5), {by}", by=by),
            [(g, bars(f, ("satisfaction", "service_attitude"), mean)) for g, f in groups],
            top=5.0,
        ),
    }


def _period(period: str) -> str:
    """The period asked for; this month (Beijing time) when none is."""
    return period.strip() or datetime.now(DISPLAY_TZ).strftime("%Y-%m")


@router.get("/staff/dashboard", response_class=HTMLResponse)
async def dashboard_page(
    page: StaffPage, period: str = "", grain: str = "day", group_by: str = "enterprise"
) -> Response:
    assert page.user is not None
    chosen = {"period": _period(period), "grain": grain, "group_by": group_by}
    form: dict[str, Any] = {"values": FormData(chosen), "grains": GRAINS, "groups": GROUPS}
    try:
        d = await dashboard.get_dashboard(
            page.ctx, principal=page.user, period=chosen["period"], grain=grain, group_by=group_by
        )
    except Invalid as refused:
        return page.render(
            "staff/dashboard.html", status=422, d=None, errors=page.errors(refused.errors), **form
        )
    name = _namer(page, d)
    return page.render(
        "staff/dashboard.html",
        d=d,
        errors={},
        charts=_charts(page, d, name),
        share=share,
        mean=mean,
        name=name,
        query=urlencode(chosen),
        **form,
    )


@router.get("/staff/dashboard/{table}.csv")
async def dashboard_csv(
    page: StaffPage,
    table: Annotated[str, Path(pattern="^(series|groups)$")],
    period: str = "",
    grain: str = "day",
    group_by: str = "enterprise",
) -> Response:
    assert page.user is not None
    d = await dashboard.get_dashboard(
        page.ctx, principal=page.user, period=_period(period), grain=grain, group_by=group_by
    )
    text = dashboard.series_csv(d) if table == "series" else dashboard.groups_csv(d)
    return attachment(text, f"dashboard-{d.period.label}-{table}.csv")
