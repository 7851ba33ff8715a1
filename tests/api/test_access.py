"""Every endpoint checks the role and the object."""

from tests.support import OTHER_ENTERPRISE
from tests.support.api import USERNAMES, Api, assigned_investigator, complaint, file


async def test_an_enterprise_sees_only_its_own_cases(api: Api) -> None:
    own = await file(api)
    other = await file(api, enterprise={"credit_code": OTHER_ENTERPRISE})
    assert (await api.get(f"/api/complaints/{own['tracking_no']}", as_="minghui")).status_code == 200
    assert (await api.get(f"/api/complaints/{other['tracking_no']}", as_="minghui")).status_code == 404
    listed = (await api.get("/api/complaints", as_="minghui")).json()
    assert {c["tracking_no"] for c in listed["items"]} == {own["tracking_no"]}
    asked = (await api.get(f"/api/complaints?enterprise={OTHER_ENTERPRISE}", as_="minghui")).json()
    assert asked["total"] == 0
    answer = await api.post(
        f"/api/complaints/{other['tracking_no']}/response", {"message": "x"}, as_="minghui"
    )
    assert answer.status_code == 404
    view = (await api.get(f"/api/complaints/{own['tracking_no']}", as_="minghui")).json()
    assert view["consumer"] == {
        "name": "张*",
        "phone": "138****1234",
        "id_number": None,
        "email": None,
        "address": None,
    }
    assert view["refusals"] == []


async def test_an_investigator_sees_only_assigned_cases(api: Api) -> None:
    case = await file(api, description="充电器冒烟起火,烧坏插座")
    assigned = await assigned_investigator(api, case["tracking_no"])
    other = next(u for i, u in USERNAMES.items() if i != assigned)
    assert (
        await api.get(f"/api/complaints/{case['tracking_no']}", as_=USERNAMES[assigned])
    ).status_code == 200
    assert (await api.get(f"/api/complaints/{case['tracking_no']}", as_=other)).status_code == 404
    assert (await api.get("/api/complaints", as_=other)).json()["total"] == 0


async def test_a_consumer_needs_the_access_code(api: Api) -> None:
    """A wrong code, another case's code and an unknown number are refused alike."""
    case = await file(api)
    path = f"/api/complaints/{case['tracking_no']}"
    assert (await api.get(path)).status_code == 401
    wrong = await api.get(path, headers={"X-Access-Code": "WRONGCODE2"})
    assert (await api.get(path, headers={"X-Access-Code": case["access_code"].lower()})).status_code == 200
    other = await file(api)
    theirs = await api.get(
        f"/api/complaints/{other['tracking_no']}", headers={"X-Access-Code": case["access_code"]}
    )
    unknown = await api.get("/api/complaints/CP20261201-ZZZZZZ", headers={"X-Access-Code": "WRONGCODE2"})
    refusals = [(r.status_code, r.json()["detail"].split(" with ")[1]) for r in (wrong, theirs, unknown)]
    assert refusals == [(401, "this access code")] * 3


async def test_tokens_are_checked(api: Api) -> None:
    assert (await api.get("/api/me")).status_code == 401
    assert (await api.get("/api/me", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await api.get("/api/me", headers={"Authorization": "Basic abc"})).status_code == 401
    me = (await api.get("/api/me", as_="evaluator1")).json()
    assert (me["role"], me["agency_id"]) == ("evaluator", "agency-huaxin")


async def test_roles_that_may_not_act_are_refused(api: Api) -> None:
    case = await file(api)
    no = case["tracking_no"]
    assert (await api.get("/api/complaints", as_="evaluator1")).status_code == 403
    assert (await api.get(f"/api/complaints/{no}", as_="evaluator1")).status_code == 404
    assert (
        await api.post(f"/api/complaints/{no}/rejection", {"reason": "out_of_scope"}, as_="auditor")
    ).status_code == 403
    assert (
        await api.post(f"/api/complaints/{no}/response", {"message": "x"}, as_="supervisor")
    ).status_code == 403
    assert (await api.post(f"/api/complaints/{no}/withdrawal", {}, as_="clerk")).status_code == 403
    assert (await api.post("/api/complaints", complaint(), as_="minghui")).status_code == 403
    assert (await api.get(f"/api/complaints/{no}/history", as_="minghui")).status_code == 403
    assert (
        await api.get(f"/api/complaints/{no}/history", headers={"X-Access-Code": case["access_code"]})
    ).status_code == 403
    assert (await api.get(f"/api/complaints/{no}", as_="clerk")).status_code == 200
    view = (await api.get(f"/api/complaints/{no}", as_="auditor")).json()
    assert view["status"] == "forwarded"


async def test_an_action_that_does_not_fit_answers_409_with_the_reason(api: Api) -> None:
    case = await file(api)
    no, consumer = case["tracking_no"], {"X-Access-Code": case["access_code"]}
    early = await api.post(f"/api/complaints/{no}/acceptance", {}, headers=consumer)
    assert early.status_code == 409
    assert early.json()["detail"] == (
        "accept does not fit a case that is forwarded (it awaits enterprise: "
        "respond; enterprise: propose a resolution)"
    )
    await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    again = await api.post(f"/api/complaints/{no}/response", {"message": "再联系"}, as_="minghui")
    assert again.status_code == 409 and again.json()["detail"].startswith("the enterprise already responded")


async def test_an_idempotency_key_applies_an_action_once(api: Api) -> None:
    case = await file(api)
    no, key = case["tracking_no"], {"Idempotency-Key": "respond-0001"}
    first = await api.post(
        f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui", headers=key
    )
    second = await api.post(
        f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui", headers=key
    )
    assert first.status_code == second.status_code == 200
    assert second.json()["response"]["content"] == {"message": "已联系"}
    assert second.json()["refusals"] == []


async def test_bad_action_input_names_the_field(api: Api) -> None:
    case = await file(api)
    no = case["tracking_no"]
    empty = await api.post(f"/api/complaints/{no}/proposal", {"measures": [], "detail": "x"}, as_="minghui")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "measures"
    dup = await api.post(f"/api/complaints/{no}/rejection", {"reason": "duplicate"}, as_="supervisor")
    assert dup.json()["errors"] == [
        {"field": "duplicate_of", "reason": "a rejection as duplicate names the case it duplicates"}
    ]
    bad = await api.get("/api/complaints?status=lost&page=0", as_="supervisor")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"query.status", "query.page"}
    region = await api.get("/api/complaints?region=123", as_="supervisor")
    assert region.json()["errors"][0] == {
        "field": "query.region",
        "reason": "must be a 6-digit administrative division code",
    }


async def test_an_idempotency_key_is_bound_to_its_action_and_body(api: Api) -> None:
    case = await file(api)
    no, key = case["tracking_no"], {"Idempotency-Key": "key-bound-0001"}
    assert (
        await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui", headers=key)
    ).status_code == 200
    other_body = await api.post(
        f"/api/complaints/{no}/response", {"message": "换个说法"}, as_="minghui", headers=key
    )
    other_action = await api.post(
        f"/api/complaints/{no}/proposal",
        {"measures": ["repair"], "detail": "维修"},
        as_="minghui",
        headers=key,
    )
    for refused in (other_body, other_action):
        assert refused.status_code == 409
        assert refused.json() == {"detail": "Idempotency-Key: was used for another request"}
    view = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
    assert view["status"] == "responded" and view["proposal"] is None
    # Another account's key of the same name is its own.
    other = await file(api, enterprise={"credit_code": OTHER_ENTERPRISE})
    assert (
        await api.post(
            f"/api/complaints/{other['tracking_no']}/response", {"message": "收到"}, as_="xunjie", headers=key
        )
    ).status_code == 200
