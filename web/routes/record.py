"""A case's record as evidence, for supervisors, auditors and admins: its Temporal history as
a readable timeline (who, what, when, from which request; each deadline with its calendar
basis; each escalation and violation with its cause), the files handed in with their
SHA-256, and the raw history to download as Temporal keeps it."""

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services import cases
from web.core.files import attachment
from web.core.pages import StaffPage
from web.core.route import PageRoute
from web.routes.cases import CaseNo

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def files_in(value: Any) -> list[dict[str, Any]]:
    """Every file handed in anywhere in the case (each once, by its SHA-256, in order)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            if isinstance(item.get("sha256"), str) and "name" in item:
                found.setdefault(item["sha256"], item)
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    return list(found.values())


@router.get("/staff/cases/{tracking_no}/record", response_class=HTMLResponse)
async def record_page(page: StaffPage, tracking_no: CaseNo) -> Response:
    assert page.user is not None
    history = await cases.get_history(page.ctx, principal=page.user, tracking_no=tracking_no, raw=False)
    case = await cases.get_case(page.ctx, principal=page.user, tracking_no=tracking_no)
    return page.render(
        "staff/record.html", case=case, history=history, files=files_in(case.model_dump(mode="json"))
    )


@router.get("/staff/cases/{tracking_no}/history.json")
async def raw_history(page: StaffPage, tracking_no: CaseNo) -> Response:
    """Each run of the case and of its children, its events as `temporal workflow show
    --output json` gives them (payloads encrypted, as Temporal keeps them)."""
    assert page.user is not None
    history = await cases.get_history(page.ctx, principal=page.user, tracking_no=tracking_no, raw=True)
    return attachment(
        json.dumps(history.raw, ensure_ascii=False, indent=1),
        f"{history.workflow_id}-history.json",
        "application/json",
    )
