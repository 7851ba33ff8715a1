"""The audit log for auditors and admins: who did what to which object, with what outcome,
filtered by actor, role, action, case, days (Beijing time) and kind, paged, and as CSV."""

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.enums import Role
from services import audit_log
from services.errors import FieldError, Invalid
from services.outputs import DISPLAY_TZ, PageRequest
from web.core.files import attachment
from web.core.forms import day_in
from web.core.pages import Page, StaffPage
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = ("actor", "role", "action", "object_ref", "since", "until", "kind", "outcome")
ROLES = [r.value for r in Role] + ["anonymous"]
PAGE_SIZE = 50


def _filters(values: FormData) -> audit_log.AuditFilters:
    """The form's filters; Invalid naming each field that cannot be read."""
    errors: list[FieldError] = []
    since, until = day_in(values, "since", errors), day_in(values, "until", errors)
    if since and until and until < since:
        errors.append(FieldError("until", "must not be before since", "query"))
    role = str(values.get("role", ""))
    if role and role not in ROLES:
        errors.append(FieldError("role", "must be one of the choices offered", "query"))
    if errors:
        raise Invalid(errors)

    def text(name: str) -> str | None:
        return str(values.get(name, "")).strip()[:120] or None

    kind, outcome = values.get("kind"), values.get("outcome")
    return audit_log.AuditFilters(
        actor=text("actor"),
        object_ref=text("object_ref"),
        since=datetime.combine(since, time(0), DISPLAY_TZ) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(0), DISPLAY_TZ) if until else None,
        refused={"refused": True, "answered": False}.get(str(outcome)),
        role=role or None,
        action=text("action"),
        reads={"reads": True, "writes": False}.get(str(kind)),
    )


def _values(request: Request) -> FormData:
    return FormData([(k, v) for k, v in request.query_params.multi_items() if k in FIELDS])


def _render(page: Page, values: FormData, **shown: Any) -> Response:
    return page.render("staff/audit.html", values=values, roles=ROLES, **shown)


@router.get("/staff/audit", response_class=HTMLResponse)
async def audit_page(page: StaffPage, p: int = 1) -> Response:
    assert page.user is not None
    values = _values(page.request)
    try:
        filters = _filters(values)
        listed = await audit_log.list_entries(
            page.ctx,
            principal=page.user,
            filters=filters,
            paging=PageRequest.within(p, PAGE_SIZE),
        )
    except Invalid as refused:
        return _render(page, values, status=422, listed=None, errors=page.errors(refused.errors), query="")
    query = urlencode([(k, v) for k, v in values.multi_items() if v])
    return _render(page, values, listed=listed, errors={}, query=query)


@router.get("/staff/audit.csv")
async def audit_csv(page: StaffPage) -> Response:
    assert page.user is not None
    lines = audit_log.entries_csv(page.ctx, principal=page.user, filters=_filters(_values(page.request)))
    return attachment(lines, "audit-log.csv")
