"""`GET /api/metrics`: JSON and CSV, by dimension, for those who may read them."""

import re
from itertools import permutations, product

from db.models import Complaint, Task, ViolationRow
from db.session import Database
from domain.metrics import DIMENSIONS
from tests.support.api import Api
from tests.support.metrics_data import ENTERPRISES, generate, store


async def test_metrics_as_json_and_csv(api: Api, db: Database) -> None:
    cases, evaluations, violations, _ = generate(seed=3, n=120)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    got = await api.get("/api/metrics?period=2026-11&group_by=enterprise", as_="supervisor")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["period"] == {"label": "2026-11", "start": "2026-11-01", "end": "2026-12-01"}
    assert [r["key"]["enterprise"] for r in body["rows"]] == sorted(ENTERPRISES)
    assert sum(r["figures"]["volume"] for r in body["rows"]) == body["total"]["volume"] > 0
    assert 0 <= body["total"]["score"] <= 100

    csv = await api.get("/api/metrics?period=2026-11&group_by=region,category&format=csv", as_="auditor")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("period,region,category,volume,")

    own = (await api.get("/api/metrics?period=2026-11&group_by=enterprise", as_="minghui")).json()
    assert [r["key"]["enterprise"] for r in own["rows"]] == [ENTERPRISES[0]]
    assert (
        await api.get(f"/api/metrics?period=2026-11&enterprise={ENTERPRISES[1]}", as_="minghui")
    ).status_code == 404
    assert (await api.get("/api/metrics?period=2026-11", as_="clerk")).status_code == 403


async def test_bad_metrics_parameters_name_the_field(api: Api) -> None:
    for query, field in [
        ("period=November", "query.period"),
        ("period=2026-11&group_by=city", "query.group_by"),
        ("period=2026-11&format=xml", "query.format"),
        ("period=2026-13", "query.period"),
        ("", "query.period"),
        ("period=2026-11&region=12", "query.region"),
    ]:
        got = await api.get(f"/api/metrics?{query}", as_="supervisor")
        assert got.status_code == 422, (query, got.text)
        assert "errors" in got.json(), (query, got.text)
        assert got.json()["errors"][0]["field"] == field, query


def groupings() -> list[tuple[str, bool]]:
    """Ways to write `group_by`, each with whether it names dimensions, each once."""
    tried = [("", True), (",", False), ("enterprise,", False), (" enterprise", False), ("city", False)]
    for n in range(1, len(DIMENSIONS) + 1):
        for chosen in permutations(DIMENSIONS, n):
            tried += [(",".join(chosen), True), (" , ".join(chosen), True)]
    for chosen in product(DIMENSIONS, repeat=3):
        tried.append((",".join(chosen), len(set(chosen)) == 3))
    return tried


async def test_the_schema_says_which_groupings_the_server_takes(api: Api) -> None:
    """The pattern names each dimension once however many are chosen (every order of one to
    five), and refuses one named twice, as the server does."""
    [group_by] = [
        p for p in api.app.openapi()["paths"]["/api/metrics"]["get"]["parameters"] if p["name"] == "group_by"
    ]
    pattern = group_by["schema"]["pattern"]
    assert len(pattern) < 400  # not each order of the dimensions written out
    for text, fits in groupings():
        assert (re.search(pattern, text) is not None) is fits, repr(text)
    for text in ("bureau,channel,category,region,enterprise", "region , category", "region,category,region"):
        got = await api.get("/api/metrics", params={"period": "2026-11", "group_by": text}, as_="supervisor")
        assert (got.status_code == 200) is (re.search(pattern, text) is not None), (text, got.text)


async def test_the_dashboard_over_time_and_against_the_period_before(api: Api, db: Database) -> None:
    cases, evaluations, violations, _ = generate(seed=5, n=150)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    got = await api.get("/api/dashboard?period=2026-11&grain=day&group_by=category", as_="auditor")
    assert got.status_code == 200, got.text
    body = got.json()
    november = (await api.get("/api/metrics?period=2026-11&group_by=category", as_="auditor")).json()
    october = (await api.get("/api/metrics?period=2026-10", as_="auditor")).json()
    assert body["total"] == november["total"] and body["rows"] == november["rows"]
    assert body["previous"]["label"] == "2026-10" and body["previous_total"] == october["total"]
    assert len(body["series"]) == 30 and body["series"][0]["start"] == "2026-11-01"
    assert sum(p["figures"]["volume"] for p in body["series"]) == body["total"]["volume"] > 0
    volume = body["total"]["volume"], october["total"]["volume"]
    assert body["change"]["volume"] == (
        round(100 * (volume[0] - volume[1]) / volume[1], 1) if volume[1] else None
    )
    csv = await api.get("/api/dashboard?period=2026-11&grain=month&format=series.csv", as_="supervisor")
    assert csv.text.splitlines()[1].startswith("2026-11,2026-11-01,2026-12-01,")
    assert (await api.get("/api/dashboard?period=2026-11", as_="minghui")).status_code == 403
    for query, field in [
        ("period=2026-11&grain=hour", "query.grain"),
        ("period=2026-11&group_by=product", "query.group_by"),
        ("period=2024-01-01..2026-01-01&grain=day", "query.grain"),
        ("period=2026-11-30..2026-11-01", "query.period"),
    ]:
        refused = await api.get(f"/api/dashboard?{query}", as_="supervisor")
        assert refused.status_code == 422, (query, refused.text)
        assert refused.json()["errors"][0]["field"] == field, query
