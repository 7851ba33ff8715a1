"""Bulk import on a page, for the intake clerks: an export (CSV or XLSX) and, for an export not
laid out as the template, its mapping file; a dry run or the import; its progress as it goes,
its summary, and the rows it refused with each field and reason, to read or to download."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.imports import FIELDS, SOURCE_ID, template
from services import import_runs
from services.errors import FieldError, Invalid
from services.files import size
from services.imports import REQUIRED, Problem, problem_report
from web.core.files import attachment, uploaded
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.reasons import translate
from web.core.route import PageRoute
from web.core.watch import WATCH_SECONDS, watch

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOWN_PROBLEMS = 100


async def _form(
    page: Page, *, status: int = 200, errors: list[FieldError] | None = None, values: FormData | None = None
) -> Response:
    assert page.user is not None
    mapping = template()
    return page.render(
        "staff/imports.html",
        status=status,
        runs=await import_runs.runs(page.ctx, principal=page.user),
        columns=[(f, mapping.columns[f]) for f in (SOURCE_ID, *FIELDS)],
        required=set(REQUIRED),
        limit=size(import_runs.MAX_BYTES),
        errors=page.errors(errors or []),
        values=values or page.empty,
    )


@router.get("/staff/imports", response_class=HTMLResponse)
async def imports_page(page: StaffPage) -> Response:
    return await _form(page)


@router.post("/staff/imports", response_class=HTMLResponse)
async def begin(page: StaffPage) -> Response:
    assert page.user is not None
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _form(page, status=400, errors=[FieldError("file", page._(EXPIRED))])
    files, mappings = await uploaded(data, "file"), await uploaded(data, "mapping")
    try:
        run = await import_runs.begin(
            page.ctx,
            principal=page.user,
            upload=files[0] if files else None,
            mapping=mappings[0] if mappings else None,
            dry_run=data.get("dry_run") == "yes",
        )
    except Invalid as exc:
        return await _form(page, status=422, errors=exc.errors, values=data)
    return page.redirect(f"/staff/imports/{run.id}")


@router.get("/staff/imports/template.csv")
async def template_file(page: StaffPage) -> Response:
    """The template's heading row, to fill in."""
    assert page.user is not None
    headings = ",".join(template().columns.values())
    return attachment("\ufeff" + headings + "\r\n", "import-template.csv")


@router.get("/staff/imports/{run_id}", response_class=HTMLResponse)
async def run_page(page: StaffPage, run_id: str) -> Response:
    assert page.user is not None
    run = await import_runs.get_run(page.ctx, principal=page.user, run_id=run_id)
    problems = await import_runs.problems(page.ctx, principal=page.user, run_id=run_id, limit=SHOWN_PROBLEMS)
    return page.render(
        "staff/import_run.html",
        run=run,
        revision=import_runs.revision(run),
        problems=[_translated(page, p) for p in problems],
        shown=SHOWN_PROBLEMS,
    )


@router.get("/staff/imports/{run_id}/version")
async def run_version(page: StaffPage, run_id: str) -> Response:
    """The run's progress as server-sent events: its page shows itself anew as it moves."""
    assert page.user is not None
    await import_runs.get_run(page.ctx, principal=page.user, run_id=run_id)
    return watch(page.request, import_runs.revisions(page.ctx.resources.db, run_id, seconds=WATCH_SECONDS))


@router.get("/staff/imports/{run_id}/problems.csv")
async def problems_file(page: StaffPage, run_id: str) -> Response:
    """The refused rows (row, field, column, reason), the reasons in the page's language."""
    assert page.user is not None
    problems = await import_runs.problems(page.ctx, principal=page.user, run_id=run_id)
    lines = problem_report(_translated(page, p) for p in problems)
    return attachment("".join(lines), f"{run_id}-refused.csv")


def _translated(page: Page, problem: Problem) -> Problem:
    reason = translate(FieldError(problem.field, problem.reason, kind=problem.kind), page.lang)
    return Problem(problem.row, problem.field, problem.column, reason, problem.kind)
