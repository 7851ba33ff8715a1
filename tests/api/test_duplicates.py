"""A grievance filed twice, on the web and by phone: the second marked as a possible duplicate of
the first at intake (the phone compared by its keyed hash, never kept in clear), listed for the
supervisors with both cases, then confirmed (the case rejected as a duplicate, naming the
original, and counted once by later triage) or dismissed with a reason."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.models import Complaint, DuplicateSuspicion, IntakeFingerprint
from db.session import Database
from tests.support import eventually, rows
from tests.support.api import Api, complaint


async def filed(api: Api, **fields: object) -> dict:
    as_ = "clerk" if fields.get("channel", "web") != "web" else None
    answer = await api.post("/api/complaints", complaint(**fields), as_=as_)
    assert answer.status_code == 201, answer.text
    return answer.json()


def by_phone(**fields: object) -> dict:
    received = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    return {"channel": "phone", "received_at": received.isoformat(), **fields}


async def outcome(db: Database, tracking_no: str) -> str | None:
    found = await rows(db, Complaint, Complaint.tracking_no == tracking_no)
    return found[0].outcome if found else None


async def test_a_complaint_filed_again_by_phone_is_marked_and_confirmed_as_a_duplicate(
    api: Api, db: Database
) -> None:
    first = await filed(api)
    assert first["possible_duplicate_of"] is None
    # The same consumer's phone written another way, the same enterprise and product, by phone.
    again = await filed(api, **by_phone(consumer={"name": "张三", "phone": "+86 138-1234-1234"}))

    assert again["possible_duplicate_of"] == first["tracking_no"]
    assert "phone, enterprise and product" in again["duplicate_reason"]
    async with db.sessions() as session:
        keys = (await session.scalars(select(IntakeFingerprint.phone_key))).all()
    assert len(keys) == 2 and all("1234" not in k for k in keys) and len(set(keys)) == 1

    assert (await api.get("/api/duplicates", as_="minghui")).status_code == 403
    listed = await api.get("/api/duplicates", as_="auditor")
    assert listed.status_code == 200
    [pair] = listed.json()
    assert (pair["tracking_no"], pair["original"], pair["status"]) == (
        again["tracking_no"],
        first["tracking_no"],
        "open",
    )
    assert (pair["case"]["channel"], pair["original_case"]["channel"]) == ("phone", "web")
    assert pair["case"]["consumer_phone_masked"] == "138****1234"

    refused = await api.post(f"/api/duplicates/{again['tracking_no']}/confirmation", {}, as_="auditor")
    assert refused.status_code == 403
    confirmed = await api.post(
        f"/api/duplicates/{again['tracking_no']}/confirmation", {"note": "同一诉求"}, as_="supervisor"
    )
    assert confirmed.status_code in (200, 202), confirmed.text
    assert await eventually(lambda: _is(db, again["tracking_no"], "rejected_duplicate"), what="the rejection")
    view = (await api.get(f"/api/complaints/{again['tracking_no']}", as_="supervisor")).json()
    assert view["status"] == "closed" and view["outcome"] == "rejected_duplicate"
    assert await outcome(db, first["tracking_no"]) is None  # the original goes on
    [decided] = await rows(db, DuplicateSuspicion)
    assert (decided.status, decided.decided_by, decided.note) == ("confirmed", "sup-zhao", "同一诉求")
    again_confirmed = await api.post(f"/api/duplicates/{again['tracking_no']}/confirmation", {}, as_="admin")
    assert again_confirmed.status_code == 409

    # Counted once: the enterprise's third complaint finds one earlier complaint, not two, and
    # so is not raised as a repeatedly complained-of enterprise's (the threshold is two).
    third = await filed(api, consumer={"name": "李四", "phone": "139 0000 1111"})
    assert "repeat-enterprise" not in third["triage_rule"], third["triage_rule"]
    # The same consumer about another product: another complaint.
    other_product = await filed(api, product={"name": "电饭煲"})
    assert other_product["possible_duplicate_of"] is None


async def _is(db: Database, tracking_no: str, wanted: str) -> bool:
    return await outcome(db, tracking_no) == wanted


async def test_a_supervisor_dismisses_a_possible_duplicate_with_a_reason(api: Api, db: Database) -> None:
    first = await filed(api)
    again = await filed(api, **by_phone())
    assert again["possible_duplicate_of"] == first["tracking_no"]
    path = f"/api/duplicates/{again['tracking_no']}/dismissal"

    blank = await api.post(path, {"reason": " "}, as_="supervisor")
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    dismissed = await api.post(path, {"reason": "两次购买的不同水壶"}, as_="supervisor")

    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["note"] == "两次购买的不同水壶"
    assert (await api.get("/api/duplicates", as_="supervisor")).json() == []
    assert [
        p["tracking_no"] for p in (await api.get("/api/duplicates?status=dismissed", as_="admin")).json()
    ] == [again["tracking_no"]]
    assert (await api.post(path, {"reason": "再说一次"}, as_="supervisor")).status_code == 409
    assert await outcome(db, again["tracking_no"]) is None  # the case goes on
