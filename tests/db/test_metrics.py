"""The evaluation system against an independent computation on generated data."""

import math
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import insert, select, update

from db.metrics import TallyCache, compute, compute_over_time
from db.models import Complaint, SupervisionMeasure, Task, ViolationRow
from db.session import Database, one_moment
from domain.metrics import Tally, parse_period
from domain.policy import parse_policy
from services.metrics import metrics_csv
from settings import DEFAULTS, Settings
from tests.support.metrics_data import CST, ENTERPRISES, a_transfer, generate, store
from tests.support.statements import committed_apart, each_statement

Generated = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]

POLICY = parse_policy((DEFAULTS / "policy.toml").read_text())
RESOLVED = {"resolved", "resolved_by_default", "resolved_after_rectification"}


# --- the independent computation -----------------------------------------------------------


def working_days(start: date, end: date) -> int:
    cn = holidays.China(years=range(start.year, end.year + 1))
    swapped = set(cn.weekend_workdays)
    return sum(
        1
        for k in range(1, (end - start).days + 1)
        if ((d := start + timedelta(days=k)) in swapped) or (d.weekday() < 5 and d not in cn)
    )


def rank(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[math.ceil(q * len(values)) - 1]


def mid(values: list[float]) -> float:
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def expected(
    cases: list[dict[str, Any]],
    evaluations: list[dict[str, Any]],
    violations: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    mine = [c for c in cases if start <= c["received_at"] < end]
    nos = {c["tracking_no"] for c in mine}
    evaluated = {e["tracking_no"]: e["result"] for e in evaluations if e["tracking_no"] in nos}
    hours = [(c["responded_at"] - c["received_at"]).total_seconds() / 3600 for c in mine if c["responded_at"]]
    closed_window = [c for c in mine if c["responded_at"] or c["response_breached"]]
    days = [
        working_days(c["received_at"].astimezone(CST).date(), c["resolved_at"].astimezone(CST).date())
        for c in mine
        if c["resolved_at"]
    ]
    resolution_window = [c for c in mine if c["resolved_at"] or c["resolution_breached"]]
    judged = [c for c in mine if c["status"] == "closed" and c["outcome"] != "withdrawn"]
    success = [
        c
        for c in judged
        if c["outcome"] in RESOLVED and evaluated.get(c["tracking_no"], {}).get("resolved") is not False
    ]
    sat = [r["satisfaction"] for r in evaluated.values()]
    att = [r["service_attitude"] for r in evaluated.values()]
    codes = {c["enterprise_code"] for c in mine} if mine else set()
    decided = sum(c["admission"] in ("admitted", "declined") for c in mine)
    deemed = sum(c["admission"] == "deemed" for c in mine)
    delays = [
        working_days(c["received_at"].astimezone(CST).date(), c["transferred_at"].astimezone(CST).date())
        for c in mine
        if c["transfers"]
    ]
    return {
        "volume": len(mine),
        "repeat_complaints": sum(c["repeat_complaint"] for c in mine),
        "response_hours_median": round(mid(hours), 2) if hours else None,
        "response_hours_p90": round(rank(hours, 0.9), 2) if hours else None,
        "response_within_24h": sum(
            1
            for c in closed_window
            if c["responded_at"] and c["responded_at"] - c["received_at"] <= timedelta(hours=24)
        )
        / len(closed_window),
        "resolution_days_median": mid(days),
        "resolution_days_p90": rank(days, 0.9),
        "resolution_within_3_days": sum(
            1 for c in resolution_window if c["resolved_at"] and c["resolved_at"] <= c["resolution_due"]
        )
        / len(resolution_window),
        "resolution_success_rate": len(success) / len(judged),
        "satisfaction": round(sum(sat) / len(sat), 2),
        "service_attitude": round(sum(att) / len(att), 2),
        "evaluated": len(evaluated),
        "overdue": sum(c["response_breached"] or c["resolution_breached"] for c in mine),
        "violations": sum(
            1
            for v in violations
            if start <= v["at"] < end
            and v["withdrawn_at"] is None
            and v["enterprise_code"] in codes
            and v["tracking_no"] in {c["tracking_no"] for c in cases if c["enterprise_code"] in codes}
        ),
        "warnings": sum(
            1
            for m in measures
            if m["kind"] == "warning"
            and m["status"] not in ("dropped", "withdrawn")
            and start <= m["issued_at"] < end
            and m["enterprise_code"] in codes
        ),
        "acceptance_in_time": decided / (decided + deemed),
        "acceptance_deemed": deemed,
        "not_admitted": sum(c["admission"] == "declined" for c in mine),
        "transferred": len(delays),
        "transfer_days_median": mid(delays),
        "mediation_timed_out": sum(c["mediation_timed_out"] for c in mine),
        "penalties": sum(
            1
            for m in measures
            if m["kind"] == "penalty"
            and m["status"] not in ("dropped", "withdrawn")
            and start <= m["issued_at"] < end
            and m["enterprise_code"] in codes
        ),
    }


def score(f: dict[str, Any]) -> float:
    parts = [
        (25, f["response_within_24h"]),
        (25, f["resolution_within_3_days"]),
        (20, f["resolution_success_rate"]),
        (15, (f["satisfaction"] - 1) / 4),
        (15, (f["service_attitude"] - 1) / 4),
    ]
    base = 100 * sum(w * v for w, v in parts) / 100
    deduction = min(50, 2 * f["violations"] + 5 * f["warnings"] + 10 * f["penalties"])
    return round(min(max(base - deduction, 0), 100), 1)


async def stored(db: Database, **generating: int) -> Generated:
    """Generated cases, evaluations, violations and measures, in the read model."""
    cases, evaluations, violations, measures = generated = generate(**generating)
    await store(
        db,
        (Complaint, cases),
        (Task, evaluations),
        (ViolationRow, violations),
        (SupervisionMeasure, measures),
    )
    return generated


async def test_the_metrics_agree_with_an_independent_computation(db: Database, settings: Settings) -> None:
    cases, evaluations, violations, measures = await stored(db)
    period = parse_period("2026-11")
    start, end = datetime(2026, 11, 1, tzinfo=CST), datetime(2026, 12, 1, tzinfo=CST)
    async with db.sessions() as session:
        result = await compute(session, POLICY, settings.working_calendar(), period, ("enterprise",))

    total = expected(cases, evaluations, violations, measures, start, end)
    got = result.total.model_dump()
    for name, value in total.items():
        assert got[name] == pytest.approx(value), name
    assert [row.key["enterprise"] for row in result.rows] == sorted(ENTERPRISES)
    for row in result.rows:
        code = row.key["enterprise"]
        subset = expected(
            [c for c in cases if c["enterprise_code"] == code], evaluations, violations, measures, start, end
        )
        figures = row.figures.model_dump()
        for name, value in subset.items():
            assert figures[name] == pytest.approx(value), (code, name)
        assert figures["score"] == pytest.approx(score(subset)), code
    lines = metrics_csv(result).splitlines()
    assert lines[0].startswith("period,enterprise,volume,repeat_complaints")
    assert len(lines) == 1 + len(ENTERPRISES) + 1 and lines[-1].startswith("2026-11,(all),")


async def test_metrics_filter_by_region_and_category(db: Database, settings: Settings) -> None:
    cases, evaluations, violations, _ = generate(seed=11, n=200)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    async with db.sessions() as session:
        result = await compute(
            session,
            POLICY,
            settings.working_calendar(),
            parse_period("2026-11"),
            ("region", "category"),
            region="440300",
            category="repair_service",
        )
    wanted = [
        c
        for c in cases
        if c["region_code"] == "440300"
        and c["category"] == "repair_service"
        and datetime(2026, 11, 1, tzinfo=CST) <= c["received_at"] < datetime(2026, 12, 1, tzinfo=CST)
    ]
    assert result.total.volume == len(wanted) > 0
    assert [r.key for r in result.rows] == [{"region": "440300", "category": "repair_service"}]


async def test_a_bureaus_figures_are_its_areas_and_a_city_sees_its_counties_side_by_side(
    db: Database, settings: Settings
) -> None:
    cases, _, _, _ = await stored(db, seed=5, n=300)
    period, calendar = parse_period("2026-11"), settings.working_calendar()
    async with db.sessions() as session:
        city = await compute(session, POLICY, calendar, period, ("bureau",), bureau="440300")
        counties = {
            code: await compute(session, POLICY, calendar, period, (), bureau=code)
            for code in ("440305", "440306")
        }
        everyone = await compute(session, POLICY, calendar, period, ("bureau",))

    assert [r.key["bureau"] for r in city.rows] == ["440305", "440306"]
    for row in city.rows:  # each county's row is the county's own figures
        assert row.figures == counties[row.key["bureau"]].total
    assert city.total.volume == sum(c.total.volume for c in counties.values()) > 0
    assert city.total.violations == sum(c.total.violations for c in counties.values())
    start, end = datetime(2026, 11, 1, tzinfo=CST), datetime(2026, 12, 1, tzinfo=CST)
    shenzhen = [c for c in cases if c["region_code"] == "440300" and start <= c["received_at"] < end]
    assert city.total.volume == len(shenzhen)
    assert sum(r.figures.volume for r in everyone.rows) == everyone.total.volume


async def _a_case_to_move(db: Database, settings: Settings) -> Callable[[], None]:
    """Generated cases stored, and what transfers one of November's open Nanshan cases to
    Futian, committed on a connection of its own."""
    cases, _, _, _ = await stored(db, seed=5, n=300)
    transfer = a_transfer(cases, datetime(2026, 11, 1, tzinfo=CST), datetime(2026, 12, 1, tzinfo=CST))
    return lambda: committed_apart(settings.database, transfer)


async def test_a_case_moved_while_the_figures_are_read_is_counted_in_one_place(
    db: Database, settings: Settings
) -> None:
    """The figures add up several statements: a transfer committed between two of them leaves the
    answer as it was when the first began, never the case's volume in one bureau and its
    transfer in another."""
    transfer = await _a_case_to_move(db, settings)
    period, calendar = parse_period("2026-11"), settings.working_calendar()

    async def figures() -> Any:
        async with db.sessions() as session:
            return await compute(session, POLICY, calendar, period, ("bureau",))

    statements: list[str] = []

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)
            if len(statements) == 1:  # after the figures' first read, before the rest
                transfer()

    before = await figures()
    with each_statement(db, between):
        during = await figures()
    after = await figures()
    assert len(statements) > 2
    assert during == before
    assert after != before and after.total.volume == before.total.volume


async def test_figures_read_together_in_one_moment_are_of_that_moment(
    db: Database, settings: Settings
) -> None:
    """The dashboard reads a period and the one before inside one moment: each read's own moment
    is then that one, and a transfer committed between the two is in neither."""
    transfer = await _a_case_to_move(db, settings)
    period, calendar = parse_period("2026-11"), settings.working_calendar()
    async with db.sessions() as session:
        async with one_moment(session):
            first = await compute(session, POLICY, calendar, period, ("bureau",))
            transfer()
            second = await compute(session, POLICY, calendar, period, ("bureau",))
        after = await compute(session, POLICY, calendar, period, ("bureau",))
    assert second == first
    assert after != first and after.total.volume == first.total.volume


async def test_the_figures_are_read_on_the_callers_connection_never_a_second(
    db: Database, settings: Settings
) -> None:
    """A request holds its session's connection: figures that took a second from the pool would
    leave requests that each hold one waiting on each other once the pool ran dry."""
    await stored(db, seed=5, n=50)
    held: list[int] = []

    def counted(*_: Any) -> None:
        held.append(db.engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]

    async with db.sessions() as session:
        await session.execute(select(Complaint.tracking_no).limit(1))  # the request's own read
        with each_statement(db, counted):
            found = await compute(session, POLICY, settings.working_calendar(), parse_period("2026-11"), ())
    assert found.total.volume > 0 and len(held) > 2 and set(held) == {1}


async def test_a_zone_with_summer_time_puts_each_case_on_its_own_days(
    db: Database, settings: Settings
) -> None:
    """Europe/Berlin leaves summer time on 25 October 2026, inside the generated cases' weeks: each
    day's cases, and the working days from receipt to resolution, are counted on Berlin's dates
    (SQLite, which knows no zones, reads the timestamps then; PostgreSQL converts them itself)."""
    cases, _, _, _ = await stored(db)
    berlin = ZoneInfo("Europe/Berlin")
    policy = POLICY.model_copy(update={"timezone": "Europe/Berlin"})
    period = parse_period("2026-10-20..2026-11-05")
    async with db.sessions() as session:
        now, days = await compute_over_time(
            session, policy, settings.working_calendar(), period, ("enterprise",), "day"
        )

    start, end = (datetime.combine(d, time(0), berlin) for d in (period.start, period.end))
    mine = [c for c in cases if start <= c["received_at"] < end]
    on_day = Counter(c["received_at"].astimezone(berlin).date() for c in mine)
    assert {p.start: p.figures.volume for p in days} == {
        str(d): on_day[d] for d in (period.start + timedelta(days=k) for k in range(16))
    }
    spans = [
        working_days(c["received_at"].astimezone(berlin).date(), c["resolved_at"].astimezone(berlin).date())
        for c in mine
        if c["resolved_at"]
    ]
    assert now.total.volume == len(mine) > 0
    assert now.total.resolution_days_median == pytest.approx(mid(spans))
    assert now.total.resolution_days_p90 == pytest.approx(rank(spans, 0.9))


# --- months kept while their cases are unchanged ---------------------------------------------

SPANNING = parse_period("2026-10-25..2026-12-08")  # the ends of October and December, November whole


@pytest.mark.parametrize(
    "asked",
    [
        {"by": ("enterprise",)},
        {"by": ("bureau", "category"), "bureau": "440300"},
        {"by": ("region",), "region": "440300", "category": "repair_service"},
        {"by": ("enterprise",), "grain": "week"},
    ],
    ids=["by enterprise", "a city's area", "filtered", "each week"],
)
async def test_kept_months_give_the_figures_read_afresh(
    db: Database, settings: Settings, asked: dict[str, Any]
) -> None:
    await stored(db)
    kept, calendar = TallyCache(), settings.working_calendar()
    by, grain, where = (
        asked["by"],
        asked.get("grain"),
        {k: v for k, v in asked.items() if k not in ("by", "grain")},
    )

    async def figures(cache: TallyCache | None) -> Any:
        async with db.sessions() as session:
            if grain:
                return await compute_over_time(
                    session, POLICY, calendar, SPANNING, by, grain, **where, kept=cache
                )
            return await compute(session, POLICY, calendar, SPANNING, by, **where, kept=cache)

    afresh = await figures(None)
    assert (await figures(kept)) == afresh and len(kept) == 0  # asked once: read in one pass
    assert (await figures(kept)) == afresh and len(kept) == 3  # again: read month by month, and kept
    assert (await figures(kept)) == afresh  # from what was kept


async def test_a_month_is_read_again_only_when_its_cases_have_changed(
    db: Database, settings: Settings
) -> None:
    """A month whose cases' count and sum of revisions are as they were is taken as kept: a row
    changed without a higher revision (which the projection never writes) is not seen, so the
    month was not read. A case written again, or a case added to a month, is."""
    cases, evaluations, violations, _ = await stored(db)
    kept, calendar = TallyCache(), settings.working_calendar()
    passes: list[str] = []
    read_apart = {row["tracking_no"] for row in (*evaluations, *violations)}

    def tallying(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "GROUP BY" in statement.upper() and "FROM complaints" in statement:
            passes.append(statement)

    async def figures() -> Any:
        async with db.sessions() as session:
            return await compute(session, POLICY, calendar, SPANNING, ("bureau",), kept=kept)

    first = await figures()
    assert await figures() == first and len(kept) == 3  # asked again: its months kept
    november = next(
        c["tracking_no"]
        for c in cases
        if c["received_at"] >= datetime(2026, 11, 1, tzinfo=CST)
        and c["bureau_code"] == "440305"
        and c["tracking_no"] not in read_apart  # only its own row's figures
    )
    case = update(Complaint).where(Complaint.tracking_no == november)
    async with db.transaction() as session:  # moved to Futian, its revision as it was
        await session.execute(case.values(bureau_code="440306"))
    with each_statement(db, tallying):
        assert await figures() == first
    assert passes == []  # no month read: the kept tallies, and the evaluations and violations apart

    async with db.transaction() as session:  # written again, with a higher revision
        await session.execute(case.values(revision=Complaint.revision + 1))
    with each_statement(db, tallying):
        moved_seen = await figures()
    async with db.sessions() as session:
        assert moved_seen == await compute(session, POLICY, calendar, SPANNING, ("bureau",))
    assert moved_seen != first and moved_seen.total.volume == first.total.volume
    assert len(passes) == 2  # November's cases, in their two passes

    october = next(
        c
        for c in cases
        if datetime(2026, 10, 25, tzinfo=CST) <= c["received_at"] < datetime(2026, 11, 1, tzinfo=CST)
    )
    added = {**october, "tracking_no": "TS20261030999999", "workflow_id": "complaint-TS20261030999999"}
    async with db.transaction() as session:
        await session.execute(insert(Complaint), [added])
    assert (await figures()).total.volume == first.total.volume + 1


def test_the_least_recently_used_months_go_first_past_the_cases_held() -> None:
    kept = TallyCache(cases=25)
    for month in ("2026-09", "2026-10", "2026-11"):
        kept.put(month, (9, 9), {("x",): Tally(volume=9)})  # 10 held each, with the month itself
    assert kept.get("2026-09", (9, 9)) is None and len(kept) == 2
    assert kept.get("2026-10", (9, 9)) is not None  # used last now: November goes next
    assert kept.get("2026-10", (9, 10)) is None  # another fingerprint: not this month's cases
    kept.put("2026-12", (9, 9), {("x",): Tally(volume=9)})
    assert kept.get("2026-11", (9, 9)) is None and kept.get("2026-10", (9, 9)) is not None


def test_questions_are_remembered_within_their_bound_and_forgotten_when_cleared() -> None:
    kept = TallyCache(questions=2)
    assert [kept.asked_before(q) for q in ("a", "a", "b", "c", "a")] == [False, True, False, False, False]
    kept.put("2026-11", (1, 1), {})
    kept.clear()
    assert len(kept) == 0 and kept.asked_before("c") is False
