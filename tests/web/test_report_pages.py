"""The cycle reports' pages: the list, and a report whose tables hold the figures of the
report the API serves, each scope charted beside its table, and its CSV the API's."""

import re
from datetime import UTC, datetime

import pytest

from activities.reports import ReportActivities
from db.models import Complaint, Task, ViolationRow
from db.policies import PolicyStore
from db.session import Database
from domain.reports import ReportRequest
from settings import Settings
from tests.support.api import Api
from tests.support.metrics_data import ENTERPRISES, generate, store
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


async def _november_reported(db: Database, settings: Settings) -> None:
    """Generated cases in the read model, and the report of November made from them."""
    cases, evaluations, violations, _ = generate(seed=11, n=160)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    made = ReportActivities(db, PolicyStore(settings.policy_file, db), settings.working_calendar())
    await made.record_cycle_report(
        await made.compute_cycle_report(
            ReportRequest(period="2026-11", as_of=datetime(2026, 12, 1, 1, tzinfo=UTC))
        )
    )


async def test_a_cycle_report_as_a_page_with_its_tables_charts_and_csv(
    signed_in: SignedIn, api: Api, db: Database, settings: Settings
) -> None:
    await _november_reported(db, settings)
    supervisor = await signed_in("supervisor")
    listing = (await supervisor.get("/staff/reports")).text
    assert 'href="/staff/reports/2026-11"' in listing and "2026-10" in listing

    page = await supervisor.get("/staff/reports/2026-11")
    assert page.status_code == 200, page.text
    served = (await api.get("/api/reports/2026-11", as_="auditor")).json()
    by_enterprise = {s["key"]: s for s in served["scopes"] if s["scope"] == "enterprise"}
    table = page.text.split('<table class="table" id="enterprise">')[1].split("</table>")[0]
    rows = dict(re.findall(r'<tr data-key="(\w+)">(.*?)</tr>', table, re.S))
    assert sorted(rows) == sorted(ENTERPRISES) == sorted(by_enterprise)
    for code, row in rows.items():
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        figures = by_enterprise[code]["current"]
        assert cells[0] == str(figures["volume"]) and cells[2] == share(figures["response_within_24h"])
    section = page.text.split('id="scope-enterprise"')[1].split("</svg>")[0]
    assert section.count('<rect class="s0"') + section.count('<rect class="s1"') >= len(
        rows
    )  # this cycle and the last
    csv = await supervisor.get("/staff/reports/2026-11.csv")
    assert csv.text == (await api.get("/api/reports/2026-11?format=csv", as_="auditor")).text
    assert (await supervisor.get("/staff/reports/2019-01")).status_code == 404

    for username in ("minghui", "clerk"):
        reader = await signed_in(username)
        assert (await reader.get("/staff/reports/2026-11")).status_code == 403, username


async def test_a_supervisor_makes_the_report_of_a_chosen_period_now(
    signed_in: SignedIn, api: Api, db: Database
) -> None:
    cases, evaluations, violations, _ = generate(seed=9, n=60)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    supervisor = await signed_in("supervisor")
    for period, reason in (
        ("2026-11-01..2026-11-15", "须为月（2026-11）、季度（2026-Q3）或年（2026）"),
        ("2099-01", "尚未开始"),
    ):
        refused = await supervisor.submit("/staff/reports", {"period": period})
        assert refused.status_code == 422 and field_error(refused.text, "period") == reason
    assert (await api.get("/api/reports/2026-10", as_="supervisor")).status_code == 404  # nothing made
    made = await supervisor.submit("/staff/reports", {"period": "2026-10"})
    assert made.status_code == 200 and str(made.url).endswith("/staff/reports/2026-10")
    report = (await api.get("/api/reports/2026-10", as_="supervisor")).json()
    assert report["previous_label"] == "2026-09" and report["label"] in made.text
    auditor = await signed_in("auditor")
    assert 'action="/staff/reports"' not in (await auditor.get("/staff/reports")).text  # reads only
    assert (
        await auditor.submit("/staff/reports", {"period": "2026-10"}, form_at="/staff/reports")
    ).status_code == 403


async def test_a_bureau_reads_its_areas_part_of_a_report_its_counties_side_by_side(
    signed_in: SignedIn, api: Api, db: Database, settings: Settings
) -> None:
    await _november_reported(db, settings)
    everything = (await api.get("/api/reports/2026-11", as_="supervisor")).json()
    city = (await api.get("/api/reports/2026-11", as_="supervisor-shenzhen")).json()
    scopes = {(s["scope"], s["key"]): s for s in everything["scopes"]}
    counties = [s for s in city["scopes"] if s["scope"] == "bureau"]
    assert [s["key"] for s in counties] == ["440305", "440306"]  # the city's counties, no other bureau
    total = city["scopes"][0]
    assert total["scope"] == "total" and total["current"] == scopes[("area", "440300")]["current"]
    for who, area in (("supervisor-shenzhen", "440300"), ("supervisor-pudong", "310115")):
        for label, side in (("2026-11", "current"), ("2026-10", "previous")):  # as the metrics give them
            metrics = (await api.get(f"/api/metrics?period={label}", as_=who)).json()
            assert metrics["total"] == scopes[("area", area)][side], (who, label)
    assert total["current"]["volume"] == sum(s["current"]["volume"] for s in counties) > 0
    assert total["current"]["volume"] < scopes[("total", "")]["current"]["volume"]
    kept = {(s["scope"], s["key"]) for s in city["scopes"][1:]}
    assert kept == {
        ("area", "440300"),
        ("area", "440305"),
        ("area", "440306"),
        ("bureau", "440305"),
        ("bureau", "440306"),
        ("region", "440300"),
        ("enterprise", "91440300MA5F8R7T1F"),  # registered in Shenzhen; the others are elsewhere
    }
    county = (await api.get("/api/reports/2026-11", as_="supervisor-pudong")).json()
    assert county["scopes"][0]["current"] == scopes[("area", "310115")]["current"]
    assert {(s["scope"], s["key"]) for s in county["scopes"][1:]} == {
        ("area", "310115"),
        ("bureau", "310115"),
        ("region", "310115"),
        ("enterprise", "91310115MA1K4B2X34"),
    }
    listed = (await api.get("/api/reports", as_="supervisor-shenzhen")).json()["items"]
    assert [i["label"] for i in listed] == ["2026-11"]

    page = (await (await signed_in("supervisor-shenzhen")).get("/staff/reports/2026-11")).text
    assert "深圳市市场监督管理局南山监管局" in page and 'id="bureau"' in page and 'id="category"' not in page
    assert "上海" not in page
    region = page.split('<table class="table" id="region">')[1].split("</table>")[0]
    assert re.search(r'<th scope="row">\s*440300\s*</th>', region)  # a region by its code
