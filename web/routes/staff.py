"""Staff sign in with their accounts (the API's logins) and land on their role's home page."""

from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import CaseStatus, Category, Channel, Priority, RejectionReason, Role, Severity
from services import auth, cases, duplicates, tasks
from services.auth import Login
from services.cases import CaseFilters
from services.errors import Invalid, RateLimited, Unauthorized
from services.outputs import PageRequest
from web.core import cookies
from web.core.forms import new_key, parse
from web.core.labels import label
from web.core.pages import EXPIRED, SESSION_DAYS, Page, PageDep, StaffPage, csrf_ok, form, local
from web.core.queue import FIELDS as QUEUE_FIELDS
from web.core.queue import queue_filters
from web.core.route import PageRoute
from web.routes.public import complaint_form, file_from_form

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RECORDING = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(page: PageDep, next: str = "/staff") -> Response:
    return page.render("staff/sign_in.html", next=local(next, "/staff"), values=FormData(), errors={})


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(page: PageDep) -> Response:
    data = await form(page.request)
    back = local(str(data.get("next", "")), "/staff")
    again = {"next": back, "values": FormData([("username", str(data.get("username", "")))])}
    if not csrf_ok(page, data):
        problem = page._(EXPIRED)
        return page.render("staff/sign_in.html", status=400, errors={}, problem=problem, **again)
    credentials, errors = parse(Login, data, rename={})
    if credentials is None:
        return page.render("staff/sign_in.html", status=422, errors=page.errors(errors), **again)
    try:
        principal = await auth.sign_in(page.ctx, credentials=credentials)
    except Unauthorized:
        problem = page._("The username or the password is wrong.")
        return page.render("staff/sign_in.html", status=401, errors={}, problem=problem, **again)
    except RateLimited as limited:
        problem = page._(
            "Too many attempts: wait {seconds} seconds and try again.", seconds=limited.retry_after
        )
        return page.render("staff/sign_in.html", status=429, errors={}, problem=problem, **again)
    value = cookies.sign(page.ctx.settings.secret, cookies.SESSION, {"login": principal.session_id})
    page.cookies_to_set[cookies.SESSION] = (value, SESSION_DAYS * 24 * 3600)
    return page.redirect(back)


@router.post("/sign-out")
async def sign_out(page: PageDep) -> Response:
    data = await form(page.request)
    if page.user is not None and csrf_ok(page, data):
        await auth.logout(page.ctx, principal=page.user)
    page.cookies_to_set[cookies.SESSION] = ("", None)
    return page.redirect("/")


@router.get("/staff", response_class=HTMLResponse)
async def home(page: StaffPage, p: int = 1) -> Response:
    """Each role's work: an enterprise's and an investigator's open cases, nearest deadline
    first; an investigator's verifications and an agency's surveys; everyone else's queue."""
    user = page.user
    assert user is not None
    paging = PageRequest.within(p, 25)
    listed = tasks_listed = counts = revision = None
    inbox = user.role in (Role.ENTERPRISE, Role.INVESTIGATOR)
    values = FormData([(k, v) for k, v in page.request.query_params.multi_items() if k in QUEUE_FIELDS and v])
    errors: dict[str, str] = {}
    if user.role in cases.READERS:
        try:
            filters = CaseFilters(open=True) if inbox else queue_filters(values)
        except Invalid as refused:
            errors, filters = page.errors(refused.errors), CaseFilters()
        listed = await cases.queue(
            page.ctx, principal=user, filters=filters, paging=paging, nearest_first=inbox
        )
        if not inbox:
            counts = await cases.queue_counts(page.ctx, principal=user, filters=filters)
        revision = await cases.queue_revision(page.ctx, principal=user)
    if user.role in (Role.INVESTIGATOR, Role.EVALUATOR):
        tasks_listed = await tasks.list_tasks(
            page.ctx, principal=user, kind=None, status=None, paging=PageRequest(page=1, page_size=50)
        )
    suspected = (
        await duplicates.open_among(page.ctx, [c.tracking_no for c in listed.items])
        if listed is not None and not inbox and user.role in duplicates.READERS
        else {}
    )
    return page.render(
        "staff/home.html",
        status=422 if errors else 200,
        cases=listed,
        suspected=suspected,
        tasks=tasks_listed,
        records=user.role in RECORDING,
        supervised=user.role is Role.ENTERPRISE,
        queue=not inbox,
        counts=counts,
        values=values,
        errors=errors,
        query=urlencode(list(values.multi_items())),
        choices=_queue_choices(page),
        revision=revision,
        acting=user.role in (Role.SUPERVISOR, Role.ADMIN),  # escalate or reject from the list
        rejections=[(r.value, label(page.lang, "rejection", r)) for r in RejectionReason],
        back=str(page.request.url.path) + (f"?{page.request.url.query}" if page.request.url.query else ""),
    )


def _queue_choices(page: Page) -> dict[str, list[tuple[str, str]]]:
    """The queue form's choices, each in the page's language."""

    def of(kind: str, values: Iterable[StrEnum]) -> list[tuple[str, str]]:
        return [(v.value, label(page.lang, kind, v)) for v in values]

    return {
        "status": of("status", CaseStatus),
        "priority": of("priority", Priority),
        "severity": of("severity", Severity),
        "category": of("category", Category),
        "channel": of("channel", Channel),
        "escalated": [(n, page._("level {n} or above", n=n)) for n in ("1", "2", "3")],
        "overdue": [("yes", page._("Overdue")), ("no", page._("Not overdue"))],
        "bureau": page.bureaus(),
    }


@router.get("/staff/complaints/new", response_class=HTMLResponse)
async def record_form(page: StaffPage) -> Response:
    return page.render(
        "public/file.html",
        action="/staff/complaints/new",
        key=new_key(),
        values=FormData(),
        errors={},
        **complaint_form(page, clerk=True),
    )


@router.post("/staff/complaints/new", response_class=HTMLResponse)
async def record(page: StaffPage) -> Response:
    return await file_from_form(page, await form(page.request), page.user, "/staff/complaints/new")
