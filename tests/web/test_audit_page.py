"""The audit log's page: each filter finds what it names, the days are Beijing days, the CSV
holds every entry found (as the API's CSV does), a bad filter is named beside its field, and
the page is for auditors and admins alone."""

import re
from datetime import UTC, datetime

import pytest

from db.models import AuditEntry
from db.session import Database
from tests.support.api import Api
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


def entry(i: int, actor: str, role: str, action: str, at: datetime, outcome: int = 200) -> AuditEntry:
    return AuditEntry(
        actor_id=actor,
        actor_role=role,
        action=action,
        object_ref=f"CP20261130-AUD{i:03d}",
        request_id=f"req-{i}",
        outcome=outcome,
        client="127.0.0.1",
        at=at,
    )


def found(html: str) -> list[str]:
    """The request ids of the entries listed."""
    body = html.split('id="entries"')[1].split("</table>")[0]
    return re.findall(r"<code>(req-\d+)</code>", body)


async def test_the_audit_log_filtered_paged_and_downloaded(
    signed_in: SignedIn, api: Api, db: Database
) -> None:
    async with db.transaction() as session:
        session.add_all(
            [
                # 16:30 UTC on the 30th is 00:30 on 1 December in Beijing
                entry(
                    1,
                    "sup-a",
                    "supervisor",
                    "GET /api/complaints/{tracking_no}",
                    datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
                ),
                entry(
                    2,
                    "sup-a",
                    "supervisor",
                    "POST /api/complaints/{tracking_no}/escalation",
                    datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
                ),
                entry(
                    3,
                    "ent-b",
                    "enterprise",
                    "POST /api/complaints/{tracking_no}/response",
                    datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
                    409,
                ),
                entry(
                    4,
                    "ent-b",
                    "enterprise",
                    "GET /staff/cases/{tracking_no}",
                    datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
                ),
            ]
        )
    auditor = await signed_in("auditor")

    async def ids(query: str) -> list[str]:
        page = await auditor.get(f"/staff/audit?{query}")
        assert page.status_code == 200, page.text
        return found(page.text)

    assert await ids("actor=sup-a") == ["req-2", "req-1"]  # newest first: by when written
    assert await ids("role=enterprise") == ["req-4", "req-3"]
    assert await ids("action=escalation") == ["req-2"]
    assert await ids("object_ref=CP20261130-AUD003") == ["req-3"]
    assert await ids("role=supervisor&since=2026-12-01&until=2026-12-01") == ["req-1"]  # Beijing days
    assert await ids("role=enterprise&kind=reads") == ["req-4"]  # reads of personal data
    assert await ids("role=supervisor&kind=writes") == ["req-2"]
    assert await ids("actor=ent-b&outcome=refused") == ["req-3"]

    csv = await auditor.get("/staff/audit.csv?role=enterprise")
    assert (
        csv.headers["content-type"].startswith("text/csv")
        and "attachment" in csv.headers["content-disposition"]
    )
    lines = csv.text.splitlines()
    assert lines[0].startswith("id,at,actor_id,actor_role,action,") and len(lines) == 3
    assert ",req-4," in lines[1] and ",req-3," in lines[2] and "2026-12-01T10:00:00+08:00" in lines[2]
    assert csv.text == (await api.get("/api/audit-log?role=enterprise&format=csv", as_="admin")).text


async def test_a_filter_the_page_cannot_read_is_named_beside_its_field(signed_in: SignedIn) -> None:
    auditor = await signed_in("auditor")
    page = await auditor.get("/staff/audit?since=2026-13-01")
    assert page.status_code == 422 and field_error(page.text, "since") == "须为 YYYY-MM-DD 格式的日期"
    page = await auditor.get("/staff/audit?since=2026-12-02&until=2026-12-01")
    assert page.status_code == 422 and 'id="until-error"' in page.text and 'id="entries"' not in page.text


async def test_only_auditors_and_admins_read_the_audit_log(signed_in: SignedIn) -> None:
    assert (await (await signed_in("admin")).get("/staff/audit")).status_code == 200
    for username in ("supervisor", "minghui", "clerk"):
        reader = await signed_in(username)
        assert 'href="/staff/audit"' not in (await reader.get("/staff")).text
        assert (await reader.get("/staff/audit")).status_code == 403, username
        assert (await reader.get("/staff/audit.csv")).status_code == 403, username
