"""Intake: the receipt, who may record what, idempotency, and bad input refused with its field."""

import asyncio
import gc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Complaint
from db.session import Database
from services import intake
from tests.support.api import Api, complaint


async def count(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Complaint)) or 0


async def test_the_receipt_holds_triage_deadlines_and_the_access_code(api: Api) -> None:
    response = await api.post("/api/complaints", complaint(description="热水壶底座冒烟,差点起火,很危险"))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (
        receipt["tracking_no"].startswith("CP")
        and receipt["workflow_id"] == f"complaint-{receipt['tracking_no']}"
    )
    assert len(receipt["access_code"]) == 10
    assert (receipt["category"], receipt["severity"], receipt["priority"]) == (
        "safety_hazard",
        "critical",
        "p1",
    )
    assert receipt["triage_rule"] == "safety-hazard" and "冒烟" in receipt["triage_reasons"][0]
    assert receipt["status"] == "investigating" and receipt["policy_version"] == "2026.5"
    due = datetime.fromisoformat(receipt["deadlines"]["resolution_due"])
    assert due.utcoffset() == timedelta(hours=8) and (due.hour, due.minute) == (0, 0)
    assert response.headers["location"] == f"/api/complaints/{receipt['tracking_no']}"


async def test_a_clerk_records_a_phone_complaint_received_earlier(api: Api) -> None:
    received = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    body = complaint(channel="phone", received_at=received.isoformat())
    assert (await api.post("/api/complaints", body)).status_code == 403
    response = await api.post("/api/complaints", body, as_="clerk")
    assert response.status_code == 201, response.text
    due = datetime.fromisoformat(response.json()["deadlines"]["response_due"])
    assert due == received + timedelta(hours=24)
    view = (await api.get(f"/api/complaints/{response.json()['tracking_no']}", as_="supervisor")).json()
    assert view["channel"] == "phone" and view["consumer"]["phone"] == "13812341234"


async def test_a_burst_larger_than_the_connection_pool_is_registered_whole(api: Api, db: Database) -> None:
    """A request gives its database connection back before it waits on the workflow: a burst of
    more intakes than the pool has connections neither waits for one nor starves the worker's
    activities in the same process (each receipt is the registered case, not a pending one)."""
    pool = db.engine.pool
    burst = pool.size() + pool._max_overflow + 5  # type: ignore[attr-defined]
    answers = await asyncio.gather(
        *(api.post("/api/complaints", complaint(channel="phone"), as_="clerk") for _ in range(burst))
    )
    assert [a.status_code for a in answers] == [201] * burst
    assert {a.json()["status"] for a in answers} == {"forwarded"}


async def test_the_same_idempotency_key_makes_one_complaint(api: Api, db: Database) -> None:
    before = await count(db)
    key = {"Idempotency-Key": "intake-7f3a9c01"}
    first = await api.post("/api/complaints", complaint(), headers=key)
    second = await api.post("/api/complaints", complaint(), headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await count(db) == before + 1
    other = await api.post("/api/complaints", complaint(description="另一件事情,完全不同的投诉"), headers=key)
    assert other.status_code == 409
    assert other.json() == {"detail": "Idempotency-Key: was used for another request"}


async def test_an_unregistered_enterprise_needs_its_name(api: Api) -> None:
    body = complaint(enterprise={"credit_code": "91330106MA2H3L4P51"})
    response = await api.post("/api/complaints", body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "enterprise.name", "reason": "required for an enterprise not yet in the registry"}
    ]
    body["enterprise"]["name"] = "杭州某某电子商务有限公司"
    assert (await api.post("/api/complaints", body)).status_code == 201


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return body


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        (
            "enterprise.credit_code",
            "91310115MA1K4B2X35",
            "enterprise.credit_code",
            "check character is '5', GB 32100 gives '4'",
        ),
        ("enterprise.credit_code", "9131011", "enterprise.credit_code", "must be 18 characters, got 7"),
        (
            "consumer.phone",
            "12345",
            "consumer.phone",
            "must be a mainland mobile number (11 digits) or a landline with its area code",
        ),
        (
            "consumer.id_number",
            "110101199003070000",
            "consumer.id_number",
            "check character is '0', expected '3'",
        ),
        ("consumer.email", "not-an-email", "consumer.email", None),
        ("region_code", "990101", "region_code", "99 is not a province-level division"),
        ("region_code", "31011", "region_code", "must be a 6-digit administrative division code"),
        ("product.purchase_date", "2026-02-30", "product.purchase_date", None),
        ("product.purchase_date", "2099-01-01", "product.purchase_date", "is in the future"),
        ("product.amount", "-5", "product.amount", None),
        ("category", "aliens", "category", None),
        ("channel", "fax", "channel", None),
        ("description", "太短", "description", None),
        ("description", "长" * 5001, "description", None),
        ("surprise", "field", "surprise", "unknown field"),
        ("consumer.nickname", "小张", "consumer.nickname", "unknown field"),
        ("consumer.name", _DELETE, "consumer.name", "Field required"),
        ("product.amount", {"yuan": 5}, "product.amount", None),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    api: Api, db: Database, path: str, value: Any, field: str, reason: str | None
) -> None:
    before = await count(db)
    response = await api.post("/api/complaints", _set(complaint(), path, value))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if reason:
        assert errors[0]["reason"] == reason
    assert await count(db) == before


async def test_received_at_is_checked(api: Api) -> None:
    now = datetime.now(UTC)
    for value, reason in [
        ((now + timedelta(hours=1)).isoformat(), "is in the future"),
        ((now - timedelta(days=31)).isoformat(), "is more than 30 days ago"),
        ("2026-11-30T10:00:00", "must include a time zone, e.g. 2026-12-01T09:30:00+08:00"),
    ]:
        response = await api.post(
            "/api/complaints", complaint(channel="phone", received_at=value), as_="clerk"
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "received_at", "reason": reason}]


async def test_an_oversized_body_is_refused(api: Api) -> None:
    response = await api.post("/api/complaints", complaint(desired_outcome_detail="x" * 300_000))
    assert response.status_code == 413 and response.json() == {"detail": "the body is larger than 256 KiB"}

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(300):
            yield b"x" * 1024

    chunked = await api.http.post(
        "/api/complaints", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.headers["content-type"] == "application/json"
    assert chunked.headers["x-request-id"]  # within the audited, headed answers


async def test_malformed_json_is_refused(api: Api) -> None:
    response = await api.http.post(
        "/api/complaints", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


async def test_a_retried_intake_of_a_closed_case_is_the_same_case(api: Api) -> None:
    key = {"Idempotency-Key": "intake-closed-001"}
    first = (await api.post("/api/complaints", complaint(), headers=key)).json()
    withdrawn = await api.post(
        f"/api/complaints/{first['tracking_no']}/withdrawal",
        {"reason": "已和解"},
        headers={"X-Access-Code": first["access_code"]},
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "closed"
    again = await api.post("/api/complaints", complaint(), headers=key)
    assert again.status_code == 201
    assert (again.json()["tracking_no"], again.json()["status"]) == (first["tracking_no"], "closed")


async def test_a_tracking_number_already_taken_is_drawn_again_and_nothing_logged_as_lost(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Temporal refuses the start of a case whose number a case of the day holds; the intake draws
    another. The refusal leaves no error nobody took for asyncio to log."""
    taken = (await api.post("/api/complaints", complaint())).json()["tracking_no"]
    draws = iter([taken, taken])
    real = intake.new_tracking_no
    monkeypatch.setattr(intake, "new_tracking_no", lambda *args: next(draws, None) or real(*args))
    filed = await api.post("/api/complaints", complaint())
    assert filed.status_code == 201, filed.text
    assert filed.json()["tracking_no"] not in (taken, None)
    assert next(draws, "drawn") == "drawn"  # both taken numbers were tried
    gc.collect()  # a future is reported as it is collected
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
