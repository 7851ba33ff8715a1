"""A case as the staff who work it see it: its record and deadlines, what it awaits, its
timeline, and the forms of the actions the reader may take now (the domain's rules decide
which: `CaseView.open_actions`)."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import Action, DeclineGround, Measure, Offence, RejectionReason, Verdict
from services import cases, duplicates, files
from services.actions import ACTIONS
from services.errors import Conflict, FieldError, Invalid
from web.core.files import Sha256, file_response, uploaded
from web.core.forms import key_of, new_key, parse
from web.core.labels import label
from web.core.pages import EXPIRED, Page, StaffPage, csrf_ok, form
from web.core.route import PageRoute
from web.core.watch import WATCH_SECONDS, watch

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CaseNo = Annotated[str, Path(pattern=r"^[A-Z0-9-]{4,32}$")]
STAFF_ACTIONS = "|".join(a.value for a in Action if a not in (Action.ACCEPT, Action.DISPUTE, Action.WITHDRAW))
# A form's field as the use case's input names it, where the two differ.
RENAMES: dict[Action, dict[str, str]] = {
    Action.ESCALATE: {"escalate_reason": "reason"},
    Action.ADMIT: {"admit_note": "note"},
    Action.DECLINE: {"decline_note": "note"},
    Action.TRANSFER: {"transfer_reason": "reason"},
    Action.REJECT: {"reject_reason": "reason", "reject_note": "note"},
    Action.PROPOSE: {"propose_detail": "detail", "propose_amount": "amount"},
}
LISTS = {Action.PROPOSE: ["measures"], Action.SUBMIT_EVIDENCE: ["documents"]}
PAID = frozenset({Measure.REFUND.value, Measure.COMPENSATION.value})


def _choices(page: Page) -> dict[str, list[tuple[str, str]]]:
    lang = page.lang
    return {
        "measures": [(m.value, label(lang, "measure", m)) for m in Measure],
        "verdicts": [(v.value, label(lang, "verdict", v)) for v in Verdict],
        "offences": [(o.value, label(lang, "offence", o)) for o in Offence],
        "rejections": [(r.value, label(lang, "rejection", r)) for r in RejectionReason],
        "grounds": [(g.value, label(lang, "decline_ground", g)) for g in DeclineGround],
    }


async def _case_page(
    page: Page,
    no: str,
    *,
    status: int = 200,
    active: Action | None = None,
    errors: list[FieldError] | None = None,
    values: FormData | None = None,
    problem: str = "",
) -> Response:
    assert page.user is not None
    case = await cases.get_case(page.ctx, principal=page.user, tracking_no=no)
    events = await cases.timeline(page.ctx, principal=page.user, tracking_no=no)
    return page.render(
        "staff/case.html",
        status=status,
        case=case,
        events=events,
        duplicates=await duplicates.of_case(page.ctx, no, page.user),
        can={a.value for a in case.open_actions},
        active=active.value if active else "",
        errors=page.errors(errors or []),
        values=values or FormData(),
        problem=problem,
        key=new_key(),
        watch=f"/staff/cases/{no}/version",
        **_choices(page),
    )


@router.get("/staff/cases/{tracking_no}", response_class=HTMLResponse)
async def case_page(page: StaffPage, tracking_no: CaseNo) -> Response:
    return await _case_page(page, tracking_no)


@router.get("/staff/cases/{tracking_no}/files/{sha256}")
async def case_file(page: StaffPage, tracking_no: CaseNo, sha256: Sha256) -> Response:
    assert page.user is not None
    return file_response(
        await files.download(page.ctx, principal=page.user, tracking_no=tracking_no, sha256=sha256)
    )


@router.get("/staff/cases/{tracking_no}/version")
async def case_version(page: StaffPage, tracking_no: CaseNo) -> Response:
    assert page.user is not None
    await cases.visible_case(page.ctx, page.user, tracking_no)
    revisions = cases.revisions(
        page.ctx.resources, principal=page.user, tracking_no=tracking_no, seconds=WATCH_SECONDS
    )
    return watch(page.request, revisions)


def _findings_form(data: FormData) -> FormData:
    """The findings form's measures (ticked kinds, one amount for a refund or compensation) as the
    use case's list of measures."""
    kinds = [k for k in data.getlist("measure") if isinstance(k, str) and k]
    amount = str(data.get("measure_amount", "")).strip()
    items = [(k, v) for k, v in data.multi_items() if k not in ("measure", "measure_amount")]
    for i, kind in enumerate(kinds):
        items.append((f"measures.{i}.kind", kind))
        if kind in PAID and amount:
            items.append((f"measures.{i}.amount", amount))
    return FormData(items)


@router.get("/staff/queue/version")
async def queue_version(page: StaffPage) -> Response:
    """The queue's revision as server-sent events: the queue page shows itself anew when it grows."""
    assert page.user is not None
    revisions = cases.queue_revisions(page.ctx.resources, principal=page.user, seconds=WATCH_SECONDS)
    return watch(page.request, revisions)


@router.post("/staff/cases/{tracking_no}/{action}", response_class=HTMLResponse)
async def act(
    page: StaffPage, tracking_no: CaseNo, action: Annotated[str, Path(pattern=f"^({STAFF_ACTIONS})$")]
) -> Response:
    assert page.user is not None
    chosen = Action(action)
    data = await form(page.request)
    if not csrf_ok(page, data):
        return await _case_page(page, tracking_no, status=400, problem=page._(EXPIRED))
    fields = _findings_form(data) if chosen is Action.SUBMIT_FINDINGS else data
    body, errors = parse(ACTIONS[chosen].body, fields, LISTS.get(chosen, ()), rename=RENAMES.get(chosen))
    if body is None:
        return await _case_page(page, tracking_no, status=422, active=chosen, errors=errors, values=data)
    try:
        await files.act_with_files(
            page.ctx,
            principal=page.user,
            tracking_no=tracking_no,
            action=chosen,
            body=body,
            idempotency_key=key_of(data),
            uploads=await uploaded(data),
        )
    except Invalid as refused:
        return await _case_page(
            page, tracking_no, status=422, active=chosen, errors=refused.errors, values=data
        )
    except Conflict as refused:
        problem = page._("This cannot be done now: {reason}", reason=refused.reason)
        return await _case_page(page, tracking_no, status=409, problem=problem)
    if chosen is Action.TRANSFER and not await cases.still_visible(page.ctx, page.user, tracking_no):
        return page.redirect("/staff")  # passed to a bureau this reader does not oversee
    return page.redirect(_back(data) or f"/staff/cases/{tracking_no}")


def _back(data: FormData) -> str | None:
    """Where a form sent from another page (the queue) returns once done: a staff page only."""
    back = data.get("back")
    if isinstance(back, str) and back.startswith("/staff") and not any(c in back for c in "\\\r\n"):
        return back
    return None
