"""Generated read-model data for the evaluation system's tests."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Update, update

from db.models import Complaint, Enterprise
from db.session import Database
from domain.metrics import counted

CST = ZoneInfo("Asia/Shanghai")


ENTERPRISES = ["91310115MA1K4B2X34", "91440300MA5F8R7T1F", "91110108MA01C6QW2G"]


REGIONS = ["310115", "440300", "110108"]


CATEGORIES = ["product_quality", "repair_service", "service_attitude"]


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
        transfers = rng.choice([0, 0, 0, 1, 2])
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
                # Shenzhen's cases handled by its two county bureaus in turn, the others by their own.
                "bureau_code": ("440305", "440306")[i % 2] if region == "440300" else region,
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
                "policy_version": "2026.3",
                "resolved_at": resolved,
                "response_breached": responded is None or responded - received > timedelta(hours=24),
                "resolution_breached": resolved is None and rng.random() < 0.5,
                "repeat_complaint": rng.random() < 0.2,
                "admission": rng.choice([None, "admitted", "admitted", "declined", "deemed"]),
                "transfers": transfers,
                "transferred_at": received + timedelta(hours=rng.uniform(1, 150)) if transfers else None,
                "mediation_timed_out": rng.random() < 0.05,
            }
        )
        cases[-1] |= counted(cases[-1])  # as the projection writes a case's row
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
                    # a case found to repeat another: its violation counts no more
                    "withdrawn_at": received + timedelta(days=3) if i % 5 == 0 else None,
                }
            )
        if rng.random() < 0.08:
            kind = rng.choice(["warning", "penalty"])
            measures.append(
                {
                    "enterprise_code": code,
                    "measure_id": f"{kind[0].upper()}{i}",
                    "kind": kind,
                    "status": "withdrawn" if i % 4 == 0 else rng.choice(["active", "confirmed", "dropped"]),
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


def a_transfer(cases: list[dict[str, Any]], since: datetime, until: datetime) -> Update:
    """The transfer to Futian, an hour after its receipt, of one of the generated cases received
    from `since` to `until` that is open, in Nanshan and never moved, written as the projection
    writes a case: with a higher revision."""
    moved = next(
        c
        for c in cases
        if since <= c["received_at"] < until
        and c["bureau_code"] == "440305"
        and not c["transfers"]
        and not c["resolved_at"]
    )
    return (
        update(Complaint)
        .where(Complaint.tracking_no == moved["tracking_no"])
        .values(
            bureau_code="440306",
            transfers=1,
            transferred_at=moved["received_at"] + timedelta(hours=1),
            revision=Complaint.revision + 1,
        )
    )
