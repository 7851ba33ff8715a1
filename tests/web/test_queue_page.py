"""The supervisor's queue: each filter finds what the API's list finds for it, in queue order,
with its counts; paging keeps the filters; a filter that cannot be read is named beside it."""

import re

import pytest
from sqlalchemy import update

from db.models import Complaint
from db.session import Database
from tests.support import eventually
from tests.support.api import Api, file
from tests.support.metrics_data import ENTERPRISES, generate, store
from tests.support.web import Browser, SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


def listed(html: str) -> list[str]:
    return re.findall(r'<td><a href="/staff/cases/([^"]+)">', html)


async def test_the_queue_filtered_as_the_api_filters_it(signed_in: SignedIn, api: Api, db: Database) -> None:
    cases, _, _, _ = generate(seed=21, n=90)
    await store(db, (Complaint, cases))
    urgent = [c["tracking_no"] for c in cases[:12]]
    async with db.transaction() as session:
        await session.execute(
            update(Complaint)
            .where(Complaint.tracking_no.in_(urgent))
            .values(priority="p1", escalation_level=2, overdue=True, channel="phone", status="investigating")
        )
    supervisor = await signed_in("supervisor")
    for query, api_query in [
        ("priority=p1", "priority=p1"),
        ("escalated=2&channel=phone", "escalated=2&channel=phone"),
        ("overdue=yes&status=investigating", "overdue=true&status=investigating"),
        (
            f"enterprise={ENTERPRISES[0]}&category=repair_service",
            f"enterprise={ENTERPRISES[0]}&category=repair_service",
        ),
        (
            "since=2026-11-01&until=2026-11-30",
            "received_since=2026-11-01T00:00:00%2B08:00&received_until=2026-12-01T00:00:00%2B08:00",
        ),
    ]:
        page = await supervisor.get(f"/staff?{query}")
        assert page.status_code == 200, (query, page.text)
        found = (await api.get(f"/api/complaints?{api_query}&page_size=25", as_="supervisor")).json()
        assert listed(page.text) == [c["tracking_no"] for c in found["items"]], query
        assert f"共 {found['total']} 件" in page.text, query
    first = await supervisor.get("/staff?priority=p1&overdue=yes")
    assert sorted(listed(first.text)) == sorted(urgent) and "12 件已超时" in first.text

    # a second page keeps the filters
    page = await supervisor.get("/staff?status=forwarded")
    more = re.search(r'href="(/staff\?p=2[^"]*)"', page.text)
    assert more and "status=forwarded" in more.group(1).replace("&amp;", "&")
    second = (await supervisor.get(more.group(1).replace("&amp;", "&"))).text
    expected = (
        await api.get("/api/complaints?status=forwarded&page_size=25&page=2", as_="supervisor")
    ).json()
    assert listed(second) == [c["tracking_no"] for c in expected["items"]]


async def test_a_queue_filter_that_cannot_be_read_is_named_beside_it(signed_in: SignedIn) -> None:
    supervisor = await signed_in("supervisor")
    page = await supervisor.get("/staff?region=31&priority=urgent&since=2026-12-02&until=2026-12-01")
    assert page.status_code == 422
    assert field_error(page.text, "region") == "须为6位行政区划代码"
    assert field_error(page.text, "priority") == "请从选项中选择"
    assert field_error(page.text, "until") == "不得早于起始日期"
    assert 'value="31"' in page.text  # what was typed stays


async def test_a_case_is_escalated_from_its_row_and_a_bad_rejection_is_named_on_its_page(
    signed_in: SignedIn, api: Api
) -> None:
    first, second = (await file(api))["tracking_no"], (await file(api))["tracking_no"]
    supervisor = await signed_in("supervisor")
    queue = "/staff?status=forwarded"
    await eventually(lambda: _listed_at(supervisor, queue, first, second), what="both in the queue")
    page = (await supervisor.get(queue)).text
    assert (
        f'action="/staff/cases/{first}/escalate"' in page
        and 'name="back" value="/staff?status=forwarded"' in page
    )
    escalated = await supervisor.submit(
        f"/staff/cases/{first}/escalate",
        {"escalate_reason": "同一批次已有多起投诉", "back": queue},
        form_at=queue,
    )
    assert escalated.status_code == 200 and str(escalated.url).endswith(queue)  # back to the queue
    case = (await api.get(f"/api/complaints/{first}", as_="supervisor")).json()
    assert case["status"] == "investigating"
    refused = await supervisor.submit(
        f"/staff/cases/{second}/reject", {"reject_reason": "duplicate", "back": queue}, form_at=queue
    )
    assert refused.status_code == 422  # shown on the case's page, the reason beside its field
    assert field_error(refused.text, "duplicate_of") and f"/staff/cases/{second}/reject" in refused.text
    offsite = await supervisor.submit(
        f"/staff/cases/{second}/reject",
        {"reject_reason": "out_of_scope", "back": "https://elsewhere.example/"},
        form_at=queue,
    )
    assert str(offsite.url).endswith(f"/staff/cases/{second}")  # a return elsewhere is not followed


async def _listed_at(browser: Browser, path: str, *numbers: str) -> bool:
    page = (await browser.get(path)).text
    return all(f"/staff/cases/{n}" in page for n in numbers)
