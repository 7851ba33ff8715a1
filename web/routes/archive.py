"""The history archive for auditors and admins (supervisors read it): the hourly archiving's
runs, the chain of archived cases with its head, and a verification on demand — none edited,
reordered or deleted, nor cut from the end when given a head kept from before."""

import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from services import archive
from services.errors import FieldError
from services.outputs import PageRequest
from web.core.pages import StaffPage
from web.core.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
HEAD = re.compile(r"[0-9a-f]{64}")


@router.get("/staff/archive", response_class=HTMLResponse)
async def archive_page(page: StaffPage, p: int = 1, verify: bool = False, head: str = "") -> Response:
    assert page.user is not None
    head = head.strip().lower()
    errors: list[FieldError] = []
    result = None
    if verify:
        if head and not HEAD.fullmatch(head):
            errors.append(
                FieldError("head", "is not in the expected form", "query", kind="string_pattern_mismatch")
            )
        else:
            result = await archive.verify(page.ctx, principal=page.user, head=head or None)
    entries = await archive.list_entries(page.ctx, principal=page.user, paging=PageRequest.within(p, 50))
    return page.render(
        "staff/archive.html",
        status=422 if errors else 200,
        schedule=await archive.schedule(page.ctx, principal=page.user),
        entries=entries,
        head=await archive.chain_head(page.ctx, principal=page.user),
        result=result,
        errors=page.errors(errors),
        values=FormData({"head": head}),
        may_verify=page.user.role in archive.VERIFIERS,
    )
