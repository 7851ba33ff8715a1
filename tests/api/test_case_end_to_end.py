"""A whole case through the HTTP API, on a real Temporal dev server."""

from tests.support.api import Api, complaint


async def test_a_complaint_from_intake_to_closing(api: Api) -> None:
    filed = await api.post("/api/complaints", complaint())
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    no, code = receipt["tracking_no"], receipt["access_code"]
    assert receipt["status"] == "forwarded" and receipt["priority"] == "p3"
    assert receipt["deadlines"]["response_due"] and receipt["deadlines"]["resolution_due"]

    consumer = {"X-Access-Code": code}
    view = (await api.get(f"/api/complaints/{no}", headers=consumer)).json()
    assert view["consumer"]["phone"] == "138****1234"
    assert [a["action"] for a in view["awaiting"]] == ["respond", "propose a resolution"]

    responded = await api.post(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, as_="minghui")
    assert responded.status_code == 200, responded.text
    assert responded.json()["status"] == "responded"
    proposed = await api.post(
        f"/api/complaints/{no}/proposal", {"measures": ["replace"], "detail": "免费更换新品"}, as_="minghui"
    )
    assert proposed.json()["status"] == "proposed"
    accepted = await api.post(f"/api/complaints/{no}/acceptance", {}, headers=consumer)
    assert accepted.status_code == 200 and accepted.json()["status"] == "evaluating"
