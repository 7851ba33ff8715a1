"""The public's pages: file a complaint, follow it with its tracking number and access code
and answer it, read the public notices and an enterprise's record. No sign-in."""

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from domain.enums import Action, Category, Channel, DesiredOutcome
from services import auth, cases, files, intake, metrics, notices
from services.actions import AcceptIn, DisputeIn, WithdrawIn
from services.errors import Conflict, FieldError, Invalid, NotFound, Unauthorized
from services.fields import CreditCode, Input
from services.outputs import PageRequest
from services.principal import Principal
from web.core import cookies
from web.core.files import Sha256, file_response
from web.core.forms import in_beijing, key_of, new_key, parse
from web.core.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.core.labels import label
from web.core.pages import EXPIRED, Page, PageDep, csrf_ok, form, local
from web.core.route import PageRoute
from web.core.watch import WATCH_SECONDS, watch

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CONSUMER_ACTIONS = {"accept": Action.ACCEPT, "dispute": Action.DISPUTE, "withdraw": Action.WITHDRAW}
CONSUMER_BODIES: dict[Action, type[Input]] = {
    Action.ACCEPT: AcceptIn,
    Action.DISPUTE: DisputeIn,
    Action.WITHDRAW: WithdrawIn,
}
CASE_COOKIE_SECONDS = 24 * 3600


@router.get("/", response_class=HTMLResponse)
async def home(page: PageDep) -> Response:
    if page.user is not None:
        return page.redirect("/staff")
    return page.render("public/home.html")


@router.get("/lang/{code}")
async def switch_language(page: PageDep, code: str, next: str = "/") -> Response:
    response = RedirectResponse(local(next), status_code=303)
    if code in LANGUAGES:
        cookies.set_cookie(page.request, response, LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600)
    return response


# --- filing --------------------------------------------------------------------------------------


def complaint_form(page: Page, *, clerk: bool = False) -> dict[str, Any]:
    """What the complaint form offers to choose from, in the page's language."""
    lang = page.lang
    return {
        "clerk": clerk,
        "channels": [(c.value, label(lang, "channel", c)) for c in Channel if c is not Channel.WEB],
        "categories": [(c.value, label(lang, "category", c)) for c in Category],
        "outcomes": [(o.value, label(lang, "desired_outcome", o)) for o in DesiredOutcome],
    }


@router.get("/complaints/new", response_class=HTMLResponse)
async def new_complaint(page: PageDep) -> Response:
    return page.render(
        "public/file.html",
        action="/complaints/new",
        key=new_key(),
        values=FormData(),
        errors={},
        **complaint_form(page),
    )


async def file_from_form(page: Page, data: FormData, principal: Principal | None, action: str) -> Response:
    """File the complaint the form holds, as the JSON API would; the form again with each
    field's reason if it does not hold, and nothing filed."""
    clerk = principal is not None
    again = {
        "action": action,
        "key": key_of(data) or new_key(),
        "values": data,
        **complaint_form(page, clerk=clerk),
    }
    if not csrf_ok(page, data):
        return page.render(
            "public/file.html",
            status=400,
            errors={},
            problem=page._(EXPIRED),
            **again,
        )
    complaint, errors = parse(
        intake.ComplaintCreate, in_beijing(data, ["received_at"] if clerk else []), optional=["platform"]
    )
    if complaint is None:
        return page.render("public/file.html", status=422, errors=page.errors(errors), **again)
    try:
        filed = await intake.file_complaint(
            page.ctx, principal=principal, complaint=complaint, idempotency_key=key_of(data)
        )
    except Invalid as refused:
        return page.render("public/file.html", status=422, errors=page.errors(refused.errors), **again)
    return page.render("public/receipt.html", status=201, receipt=filed.receipt)


@router.post("/complaints/new", response_class=HTMLResponse)
async def file_complaint(page: PageDep) -> Response:
    return await file_from_form(page, await form(page.request), None, "/complaints/new")


# --- following ------------------------------------------------------------------------------------


def _case_principal(page: Page) -> tuple[str, Principal] | None:
    data = cookies.unsign(page.ctx.settings.secret, cookies.CASE, page.request.cookies.get(cookies.CASE))
    if not data or not isinstance(data.get("no"), str) or not isinstance(data.get("code"), str):
        return None
    try:
        return data["no"], auth.consumer(page.ctx, data["no"], data["code"])
    except Unauthorized:
        return None


@router.get("/track", response_class=HTMLResponse)
async def track_form(page: PageDep) -> Response:
    if _case_principal(page) is not None:
        return page.redirect("/track/case")
    return page.render("public/track.html", values=FormData())


@router.post("/track", response_class=HTMLResponse)
async def track(page: PageDep) -> Response:
    data = await form(page.request)
    no = str(data.get("tracking_no", "")).strip().upper()
    code = str(data.get("access_code", "")).strip()
    again = {"values": FormData([("tracking_no", no)])}
    if not csrf_ok(page, data):
        return page.render(
            "public/track.html",
            status=400,
            problem=page._(EXPIRED),
            **again,
        )
    not_found = page._("No complaint has this tracking number and access code. Check both and try again.")
    try:
        principal = auth.consumer(page.ctx, no, code)
        await cases.visible_case(page.ctx, principal, no)
    except (Unauthorized, NotFound):
        return page.render("public/track.html", status=404, problem=not_found, **again)
    value = cookies.sign(page.ctx.settings.secret, cookies.CASE, {"no": no, "code": code})
    page.cookies_to_set[cookies.CASE] = (value, CASE_COOKIE_SECONDS)
    return page.redirect("/track/case")


async def _case_page(
    page: Page,
    status: int = 200,
    errors: list[FieldError] | None = None,
    problem: str = "",
    values: FormData | None = None,
) -> Response:
    proved = _case_principal(page)
    if proved is None:
        return page.redirect("/track")
    no, principal = proved
    case = await cases.get_case(page.ctx, principal=principal, tracking_no=no)
    events = await cases.timeline(page.ctx, principal=principal, tracking_no=no)
    return page.render(
        "public/case.html",
        status=status,
        case=case,
        events=events,
        can={a.value for a in case.open_actions},
        key=new_key(),
        errors=page.errors(errors or []),
        problem=problem,
        values=values or FormData(),
        watch="/track/case/version",
    )


@router.get("/track/case", response_class=HTMLResponse)
async def case_page(page: PageDep) -> Response:
    return await _case_page(page)


@router.get("/track/case/files/{sha256}")
async def case_file(page: PageDep, sha256: Sha256) -> Response:
    proved = _case_principal(page)
    if proved is None:
        return page.redirect("/track")
    no, principal = proved
    return file_response(await files.download(page.ctx, principal=principal, tracking_no=no, sha256=sha256))


@router.get("/track/case/version")
async def case_version(page: PageDep) -> Response:
    """The case's revision as server-sent events: the page reloads when it changes."""
    proved = _case_principal(page)
    if proved is None:
        return Response(status_code=204)  # nothing to watch: the browser stops asking
    no, principal = proved
    await cases.visible_case(page.ctx, principal, no)
    return watch(
        page.request,
        cases.revisions(page.ctx.resources, principal=principal, tracking_no=no, seconds=WATCH_SECONDS),
    )


@router.post("/track/leave")
async def leave(page: PageDep) -> Response:
    page.cookies_to_set[cookies.CASE] = ("", None)
    return page.redirect("/track")


@router.post("/track/{name}", response_class=HTMLResponse)
async def consumer_action(
    page: PageDep, name: Annotated[str, Path(pattern="^(accept|dispute|withdraw)$")]
) -> Response:
    proved = _case_principal(page)
    if proved is None:
        return page.redirect("/track")
    no, principal = proved
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _case_page(page, 400, problem=page._(EXPIRED))
    action = CONSUMER_ACTIONS[name]
    rename = (
        {"withdraw_reason": "reason"} if action is Action.WITHDRAW else None
    )  # beside `reason` of a dispute
    body, errors = parse(CONSUMER_BODIES[action], data, rename=rename)
    if body is None:
        return await _case_page(page, 422, errors=errors, values=data)
    try:
        await cases.act(
            page.ctx,
            principal=principal,
            tracking_no=no,
            action=action,
            body=body,
            idempotency_key=key_of(data),
        )
    except Invalid as refused:
        return await _case_page(page, 422, errors=refused.errors, values=data)
    except Conflict as refused:
        return await _case_page(
            page, 409, problem=page._("This cannot be done now: {reason}", reason=refused.reason)
        )
    return page.redirect("/track/case")


# --- for everyone to read ---------------------------------------------------------------------------


@router.get("/notices", response_class=HTMLResponse)
async def public_notices(page: PageDep, p: int = 1) -> Response:
    listed = await notices.public_notices(
        page.ctx, enterprise=None, since=None, paging=PageRequest.within(p, 20)
    )
    return page.render("public/notices.html", notices=listed)


@router.get("/enterprises/{code}", response_class=HTMLResponse)
async def enterprise_record(page: PageDep, code: Annotated[CreditCode, Path()]) -> Response:
    record = await metrics.transparency(page.ctx, code=code)
    listed = await notices.public_notices(
        page.ctx, enterprise=code, since=None, paging=PageRequest(page=1, page_size=50)
    )
    return page.render("public/enterprise.html", record=record, notices=listed)
