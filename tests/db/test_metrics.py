"""The evaluation system against an independent computation on generated data."""

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from db.metrics import compute
from db.models import Complaint, Enterprise, SupervisionMeasure, Task, ViolationRow
from db.session import Database
from domain.metrics import parse_period
from domain.policy import parse_policy
from services.metrics import metrics_csv
from settings import DEFAULTS, Settings

CST = ZoneInfo("Asia/Shanghai")
POLICY = parse_policy((DEFAULTS / "policy.toml").read_text())
ENTERPRISES = ["91310115MA1K4B2X34", "91440300MA5F8R7T1F", "91110108MA01C6QW2G"]
REGIONS = ["310115", "440300", "110108"]
CATEGORIES = ["product_quality", "repair_service", "service_attitude"]
RESOLVED = {"resolved", "resolved_by_default", "resolved_after_rectification"}


def generate(
    seed: int = 7, n: int = 400
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    cases, evaluations, violations, measures = [], [], [], []
    for i in range(n):
        received = datetime(2026, 10, 20, tzinfo=CST) + timedelta(minutes=rng.randrange(0, 60 * 24 * 50))
        received = received.astimezone(UTC)
        responded = received + timedelta(hours=rng.uniform(0.5, 40)) if rng.random() < 0.9 else None
        resolution_due = received + timedelta(days=4)  # only compared with resolved_at below
        resolved = received + timedelta(hours=rng.uniform(5, 200)) if rng.random() < 0.7 else None
        closed = resolved is not None and rng.random() < 0.8
        outcome = (
            rng.choice(
                [
                    "resolved",
                    "resolved_by_default",
                    "not_substantiated",
                    "withdrawn",
                    "resolved_after_rectification",
                ]
            )
            if closed
            else None
        )
        no = f"CP-M-{i:04d}"
        code, region, category = rng.choice(ENTERPRISES), rng.choice(REGIONS), rng.choice(CATEGORIES)
        cases.append(
            {
                "tracking_no": no,
                "workflow_id": f"complaint-{no}",
                "revision": 1,
                "channel": "web",
                "status": "closed" if closed else "forwarded",
                "category": category,
                "severity": "moderate",
                "priority": "p3",
                "triage_rule": "default",
                "enterprise_code": code,
                "region_code": region,
                "product_name": "x",
                "consumer_name_masked": "x*",
                "consumer_phone_masked": "1**",
                "received_at": received,
                "response_due": received + timedelta(hours=24),
                "resolution_due": resolution_due,
                "next_due": None,
                "responded_at": responded,
                "proposed_at": None,
                "closed_at": resolved if closed else None,
                "outcome": outcome,
                "escalation_level": 0,
                "overdue": False,
                "investigator_id": None,
                "policy_version": "2026.2",
                "resolved_at": resolved,
                "response_breached": responded is None or responded - received > timedelta(hours=24),
                "resolution_breached": resolved is None and rng.random() < 0.5,
                "repeat_complaint": rng.random() < 0.2,
            }
        )
        if closed and rng.random() < 0.7:
            evaluations.append(
                {
                    "task_id": f"{no}-evaluation-1",
                    "kind": "evaluation",
                    "tracking_no": no,
                    "enterprise_code": code,
                    "status": "done",
                    "assignee_id": "agency-huaxin",
                    "opens_at": resolved,
                    "due": resolved,
                    "revision": 2,
                    "result": {
                        "satisfaction": rng.randint(1, 5),
                        "service_attitude": rng.randint(1, 5),
                        "resolved": rng.random() < 0.8,
                    },
                }
            )
        if rng.random() < 0.3:
            violations.append(
                {
                    "tracking_no": no,
                    "seq": 1,
                    "enterprise_code": code,
                    "kind": "late_response",
                    "at": received + timedelta(hours=24),
                    "detail": "",
                }
            )
        if rng.random() < 0.08:
            kind = rng.choice(["warning", "penalty"])
            measures.append(
                {
                    "enterprise_code": code,
                    "measure_id": f"{kind[0].upper()}{i}",
                    "kind": kind,
                    "status": rng.choice(["active", "confirmed", "dropped"]),
                    "cause": "",
                    "issued_at": received + timedelta(days=2),
                    "tracking_nos": [no],
                    "revision": 1,
                }
            )
    return cases, evaluations, violations, measures


async def store(db: Database, *tables: tuple[type, list[dict[str, Any]]]) -> None:
    async with db.transaction() as session:
        for code, region in zip(ENTERPRISES, REGIONS, strict=True):
            if await session.get(Enterprise, code) is None:
                session.add(Enterprise(credit_code=code, name=code, region_code=region))
        await session.flush()
        for model, rows in tables:
            session.add_all(model(**row) for row in rows)
            await session.flush()


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
            and v["enterprise_code"] in codes
            and v["tracking_no"] in {c["tracking_no"] for c in cases if c["enterprise_code"] in codes}
        ),
        "warnings": sum(
            1
            for m in measures
            if m["kind"] == "warning"
            and m["status"] != "dropped"
            and start <= m["issued_at"] < end
            and m["enterprise_code"] in codes
        ),
        "penalties": sum(
            1
            for m in measures
            if m["kind"] == "penalty"
            and m["status"] != "dropped"
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


async def test_the_metrics_agree_with_an_independent_computation(db: Database, settings: Settings) -> None:
    cases, evaluations, violations, measures = generate()
    await store(
        db,
        (Complaint, cases),
        (Task, evaluations),
        (ViolationRow, violations),
        (SupervisionMeasure, measures),
    )
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
