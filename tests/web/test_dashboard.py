"""The supervisor's dashboard: the same figures as the metrics API for the same period, each
chart drawn from its table, the tables as CSV, and nobody else's to see."""

import re
from datetime import datetime
from typing import Any

from db.models import Complaint, Task, ViolationRow
from db.session import Database
from settings import Settings
from tests.support.api import Api
from tests.support.metrics_data import CST, ENTERPRISES, a_transfer, generate, store
from tests.support.statements import committed_apart, each_statement
from tests.support.web import SignedIn, field_error


def table(html: str, table_id: str) -> dict[str, list[str]]:
    """Each row of the table: its first cell (or its data-key) → the other cells' text."""
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    found = {}
    for row in re.findall(r"<tr(.*?)</tr>", body, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        key = re.search(r'data-key="([^"]+)"', row)
        found[key.group(1) if key else cells[0]] = cells[1:]
    return found


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


async def test_the_dashboard_shows_the_metrics_apis_figures_for_the_same_period(
    signed_in: SignedIn, api: Api, db: Database
) -> None:
    cases, evaluations, violations, _ = generate(seed=3, n=120)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    query = "period=2026-11&grain=week&group_by=enterprise"
    supervisor = await signed_in("supervisor")
    page = await supervisor.get(f"/staff/dashboard?{query}")
    assert page.status_code == 200, page.text
    html = page.text

    metrics = (await api.get("/api/metrics?period=2026-11&group_by=enterprise", as_="supervisor")).json()
    groups = table(html, "groups")
    assert sorted(groups) == sorted(ENTERPRISES) == [r["key"]["enterprise"] for r in metrics["rows"]]
    for row in metrics["rows"]:
        cells, f = groups[row["key"]["enterprise"]], row["figures"]
        assert cells[:4] == [
            str(f["volume"]),
            share(f["response_within_24h"]),
            share(f["resolution_within_3_days"]),
            share(f["resolution_success_rate"]),
        ]

    # over time: November's weeks from Monday, the first and last cut to the month
    series = table(html, "series")
    assert list(series) == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert sum(int(cells[0]) for cells in series.values()) == metrics["total"]["volume"] > 0
    chart = html.split('id="over-time"')[1].split("</svg>")[0]
    assert chart.count('<rect class="s0"') == len(series)  # a column per week, drawn from the table

    # against October, as the metrics API gives October
    october = (await api.get("/api/metrics?period=2026-10", as_="supervisor")).json()["total"]
    comparison = html.split('class="table comparison"')[1].split("</table>")[0]
    received = re.search(
        r"<tr>\s*<th scope=\"row\">受理投诉</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", comparison
    )
    assert received and received.groups() == (str(metrics["total"]["volume"]), str(october["volume"]))

    # the tables as CSV: the groups' the same as the metrics API's
    csv = await supervisor.get(f"/staff/dashboard/groups.csv?{query}")
    assert csv.headers["content-type"].startswith("text/csv")
    assert (
        csv.text
        == (
            await api.get("/api/metrics?period=2026-11&group_by=enterprise&format=csv", as_="supervisor")
        ).text
    )
    weeks = (await supervisor.get(f"/staff/dashboard/series.csv?{query}")).text.splitlines()
    assert weeks[0].startswith("week,start,end,volume,") and len(weeks) == 1 + len(series)


async def test_the_period_and_the_one_before_are_read_as_one_moment_had_them(
    api: Api, db: Database, settings: Settings
) -> None:
    """A transfer of an October case committed once November's figures are being read is in
    neither period's figures of that request: the changes compare two periods of one moment."""
    cases = generate(seed=5, n=300)[0]
    await store(db, (Complaint, cases))
    transfer = a_transfer(cases, datetime(2026, 10, 1, tzinfo=CST), datetime(2026, 11, 1, tzinfo=CST))
    transferred: list[str] = []

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not transferred and "FROM complaints" in statement:  # November's first read
            committed_apart(settings.database, transfer)
            transferred.append(statement)

    async def previous() -> dict[str, Any]:
        answer = await api.get("/api/dashboard?period=2026-11", as_="supervisor")
        assert answer.status_code == 200, answer.text
        figures: dict[str, Any] = answer.json()["previous_total"]
        return figures

    before = await previous()
    with each_statement(db, between):
        during = await previous()
    after = await previous()
    assert transferred and during == before
    assert after["transferred"] == before["transferred"] + 1


async def test_a_period_the_dashboard_cannot_read_is_refused_beside_its_field(signed_in: SignedIn) -> None:
    auditor = await signed_in("auditor")
    page = await auditor.get("/staff/dashboard?period=November")
    assert page.status_code == 422
    assert (
        field_error(page.text, "period")
        == "请写成月份（2026-11）、季度（2026-Q4）、年份（2026）或 2026-11-01..2026-12-01"
    )
    assert 'value="November"' in page.text and 'id="groups"' not in page.text
    long = await auditor.get("/staff/dashboard?period=2024-01-01..2026-01-01&grain=day")
    assert (
        long.status_code == 422
        and field_error(long.text, "grain") == "超过 400 个数据点：请选择更长的时间粒度"
    )


async def test_only_supervisors_admins_and_auditors_see_the_dashboard(signed_in: SignedIn) -> None:
    for username in ("supervisor", "admin", "auditor"):
        home = (await (await signed_in(username)).get("/staff")).text
        assert 'href="/staff/dashboard"' in home, username
    for username in ("minghui", "clerk"):
        reader = await signed_in(username)
        assert 'href="/staff/dashboard"' not in (await reader.get("/staff")).text
        page = await reader.get("/staff/dashboard?period=2026-11")
        assert page.status_code in (403, 404) and 'id="groups"' not in page.text, username
        assert (await reader.get("/staff/dashboard/groups.csv?period=2026-11")).status_code in (403, 404)


async def test_the_dashboard_compares_the_channels_as_the_metrics_api_does(
    signed_in: SignedIn, api: Api, db: Database
) -> None:
    cases, evaluations, violations, _ = generate(seed=5, n=80)
    for n, case in enumerate(cases):
        case["channel"] = ("web", "phone", "store", "platform")[n % 4]
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    supervisor = await signed_in("supervisor")
    page = await supervisor.get("/staff/dashboard?period=2026-11&grain=month&group_by=channel")
    assert page.status_code == 200, page.text
    metrics = (await api.get("/api/metrics?period=2026-11&group_by=channel", as_="supervisor")).json()
    groups = table(page.text, "groups")
    by_api = {r["key"]["channel"]: r["figures"]["volume"] for r in metrics["rows"]}
    assert len(by_api) >= 2 and {k: int(v[0]) for k, v in groups.items()} == by_api
    assert "按渠道" in page.text and "电话" in page.text  # the channels named in the page's words
    same = (
        await api.get("/api/dashboard?period=2026-11&grain=month&group_by=channel", as_="supervisor")
    ).json()
    assert {r["key"]["channel"]: r["figures"]["volume"] for r in same["rows"]} == by_api


async def test_a_city_compares_its_counties_own_clocks_chart_beside_table(
    signed_in: SignedIn, api: Api, db: Database
) -> None:
    cases, evaluations, violations, _ = generate(seed=5, n=120)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    city = await signed_in("supervisor-shenzhen")
    page = await city.get("/staff/dashboard?period=2026-11&grain=month&group_by=bureau")
    assert page.status_code == 200, page.text
    query = "/api/metrics?period=2026-11&group_by=bureau"
    metrics = (await api.get(query, as_="supervisor-shenzhen")).json()
    rows = {r["key"]["bureau"]: r["figures"] for r in metrics["rows"]}
    assert sorted(rows) == ["440305", "440306"]  # the city's counties, and no other bureau
    shown = table(page.text, "bureaus")
    assert sorted(shown) == sorted(rows)
    for code, f in rows.items():
        median = f["transfer_days_median"]
        assert shown[code] == [
            share(f["acceptance_in_time"]),
            str(f["acceptance_deemed"]),
            str(f["not_admitted"]),
            str(f["transferred"]),
            "—" if median is None else f"{median:g}",
            str(f["mediation_timed_out"]),
        ]
    clocks = page.text.split('id="bureau-clocks"')[1].split("</section>")[0]
    assert "7个工作日内作出受理决定" in clocks and clocks.count("<rect") >= 2  # the chart beside it
    assert "深圳市市场监督管理局南山监管局" in clocks
    assert 'id="bureaus"' not in (await city.get("/staff/dashboard?period=2026-11&group_by=region")).text
