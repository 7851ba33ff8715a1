"""What-if on a page, for the supervisors: the simulation's form (volume, the parties' behaviour,
the policy's changes), its progress while it runs, and its result against the policy in force,
charted beside its table."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from services import whatif
from services.errors import Conflict, FieldError
from web.core import charts
from web.core.forms import parse
from web.core.i18n import N_
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute
from web.core.watch import WATCH_SECONDS, watch

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# The figures charted: shares of the complaints, the policy in force's bar beside the changed one's.
CHARTED = (
    ("response_within_24h", N_("Answered within 24 hours")),
    ("resolution_within_3_days", N_("Resolved within 3 working days")),
    ("resolution_success_rate", N_("Mediation success")),
)


async def _form(
    page: Page,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    now = whatif.asked_now(page.ctx)
    return page.render(
        "staff/whatif.html",
        status=status,
        runs=whatif.runs(page.ctx, principal=page.user),
        now=now,
        values=values or FormData([(k, str(v)) for k, v in now.items()]),
        errors=page.errors(errors or []),
        problem=problem,
    )


@router.get("/staff/whatif", response_class=HTMLResponse)
async def whatif_page(page: StaffPage) -> Response:
    return await _form(page)


@router.post("/staff/whatif", response_class=HTMLResponse)
async def start(page: StaffPage) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _form(page, status=400, problem=page._(EXPIRED))
    asked, errors = parse(whatif.WhatIfIn, data)
    if asked is None:
        return await _form(page, status=422, errors=errors, values=data)
    try:
        run = whatif.start(page.ctx, principal=page.user, asked=asked)
    except Conflict:
        busy = page._("A what-if is running: wait for it to finish.")
        return await _form(page, status=409, values=data, problem=busy)
    return page.redirect(f"/staff/whatif/{run.id}")


@router.get("/staff/whatif/{run_id}", response_class=HTMLResponse)
async def run_page(page: StaffPage, run_id: str) -> Response:
    assert page.user is not None
    run = whatif.get_run(page.ctx, principal=page.user, run_id=run_id)
    compared = run.compared() if run.state == "done" else None
    chart: Markup | None = None
    if compared is not None:
        chart = charts.rows(
            page._("The policy in force and the changed one, share of the complaints"),
            [
                (
                    page._(words),
                    [
                        charts.Bar(name, compared["before"][name], charts.share(compared["before"][name])),
                        charts.Bar(name, compared["now"][name], charts.share(compared["now"][name])),
                    ],
                )
                for name, words in CHARTED
            ],
            top=1.0,
            percent=True,
        )
    return page.render(
        "staff/whatif_run.html",
        run=run,
        revision=whatif.revision(run),
        compared=compared,
        chart=chart,
        share=charts.share,
        mean=charts.mean,
    )


@router.get("/staff/whatif/{run_id}/version")
async def run_version(page: StaffPage, run_id: str) -> Response:
    """The run's progress as server-sent events: its page shows itself anew as it moves."""
    assert page.user is not None
    run = whatif.get_run(page.ctx, principal=page.user, run_id=run_id)
    return watch(page.request, whatif.revisions(run, seconds=WATCH_SECONDS))
