"""Bureaus through the API: a case goes to the county bureau of the enterprise's registered
division, and a bureau's staff see and act on the cases of its area only: a county's own, a
city's of its counties, never a sibling's."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from db.models import Delivery, NotificationRow
from db.seed import ENTERPRISES
from db.session import Database
from services.outputs import DISPLAY_TZ
from settings import Settings
from tests.support import ENTERPRISE_CODE, eventually, rows
from tests.support.api import Api, file
from tests.support.smtp import ScriptedSmtp, mailing


@pytest.fixture
def settings(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    """Notifications go out by e-mail, to a server on loopback: whom each reaches is seen."""
    return mailing(settings, smtp)


SHENZHEN_ENTERPRISE = ENTERPRISES[1][0]  # registered in Nanshan, 440305
UNREGISTERED = "91440101MA5C6L8N2W"


async def _view(api: Api, no: str) -> dict[str, Any]:
    async def routed() -> dict[str, Any] | None:
        got = await api.get(f"/api/complaints/{no}", as_="supervisor")
        return got.json() if got.status_code == 200 and got.json()["bureau"] else None

    return await eventually(routed, what=f"{no} routed")


async def test_a_case_goes_to_the_bureau_of_the_enterprises_registered_division(api: Api) -> None:
    shenzhen = await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}, region_code="310115")
    view = await _view(api, shenzhen["tracking_no"])
    assert (view["bureau"], view["bureau_rule"]) == ("440305", "enterprise-division")
    assert "440305" in view["bureau_reason"]
    if shenzhen["status"] != "received":  # the receipt says so too, once registered
        assert (shenzhen["bureau"], shenzhen["bureau_rule"]) == ("440305", "enterprise-division")

    unknown = await file(
        api, enterprise={"credit_code": UNREGISTERED, "name": "广州某电器商行"}, region_code="440106"
    )
    view = await _view(api, unknown["tracking_no"])
    assert (view["bureau"], view["bureau_rule"]) == ("440106", "complaint-division")

    listed = (await api.get("/api/complaints?bureau=440300", as_="supervisor")).json()
    assert [c["tracking_no"] for c in listed["items"]] == [shenzhen["tracking_no"]]
    assert listed["items"][0]["bureau_code"] == "440305"


async def test_a_bureau_sees_and_acts_on_its_areas_cases_and_no_others(api: Api) -> None:
    nanshan = (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    pudong = (await file(api, enterprise={"credit_code": ENTERPRISE_CODE}))["tracking_no"]  # 310115
    for no in (nanshan, pudong):
        await _view(api, no)

    # Who sees which: the county its own, the city its county's, another county nothing of it.
    sees = {
        "supervisor-nanshan": {nanshan},
        "supervisor-shenzhen": {nanshan},
        "supervisor-pudong": {pudong},
        "supervisor": {nanshan, pudong},
    }
    for who, expected in sees.items():
        listed = (await api.get("/api/complaints?page_size=100", as_=who)).json()
        assert {c["tracking_no"] for c in listed["items"]} == expected, who
        for no in (nanshan, pudong):
            answers = [
                (await api.get(f"/api/complaints/{no}", as_=who)).status_code,
                (await api.get(f"/api/complaints/{no}/history", as_=who)).status_code,
            ]
            assert answers == ([200, 200] if no in expected else [404, 404]), (who, no)

    # Acting: another county's supervisor is refused as if the case were not there; the city acts.
    escalation = {"reason": "同类投诉较多"}
    refused = await api.post(f"/api/complaints/{nanshan}/escalation", escalation, as_="supervisor-pudong")
    assert refused.status_code == 404
    done = await api.post(f"/api/complaints/{nanshan}/escalation", escalation, as_="supervisor-shenzhen")
    assert done.status_code in (200, 202), done.text


async def test_an_account_belongs_to_a_bureau_the_system_serves(api: Api) -> None:
    body = {
        "username": "clerk-tianhe",
        "display_name": "天河受理员",
        "role": "clerk",
        "bureau_code": "440106",
    }
    made = await api.post("/api/accounts", body, as_="admin")
    assert made.status_code == 201, made.text
    assert made.json()["account"]["bureau_code"] == "440106"

    unknown = await api.post(
        "/api/accounts", {**body, "username": "clerk-x", "bureau_code": "320102"}, as_="admin"
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "bureau_code", "reason": "no such bureau in the bureaus the system serves"}
    ]
    enterprise = {
        "username": "ent-x",
        "display_name": "企业",
        "role": "enterprise",
        "enterprise_code": ENTERPRISE_CODE,
        "bureau_code": "440106",
    }
    refused = await api.post("/api/accounts", enterprise, as_="admin")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "bureau_code"


async def test_a_bureaus_metrics_are_its_areas_and_group_by_bureau(api: Api) -> None:
    nanshan = await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE})
    await file(api, enterprise={"credit_code": ENTERPRISE_CODE})  # Pudong's
    await _view(api, nanshan["tracking_no"])
    today = datetime.now(DISPLAY_TZ).date()
    period = f"{today - timedelta(days=1)}..{today + timedelta(days=2)}"

    async def volume(who: str, **query: str) -> dict[str, Any]:
        got = await api.get("/api/metrics", as_=who, params={"period": period, **query})
        assert got.status_code == 200, got.text
        return got.json()

    assert (await volume("supervisor-nanshan"))["total"]["volume"] == 1
    assert (await volume("supervisor-pudong"))["total"]["volume"] == 1
    everyone = await volume("supervisor", group_by="bureau")
    assert everyone["total"]["volume"] == 2
    assert sorted(r["key"]["bureau"] for r in everyone["rows"]) == ["310115", "440305"]


async def test_the_supervisors_notifications_of_a_case_reach_only_the_bureaus_that_see_it(
    api: Api, db: Database
) -> None:
    no = (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    escalated = await api.post(f"/api/complaints/{no}/escalation", {"reason": "多次投诉"}, as_="supervisor")
    assert escalated.status_code in (200, 202), escalated.text

    async def of_case(who: str) -> list[dict[str, Any]]:
        listed = (await api.get("/api/notifications?page_size=100", as_=who)).json()["items"]
        return [n for n in listed if n["tracking_no"] == no and n["recipient_kind"] == "role"]

    async def told_to_the_top() -> list[dict[str, Any]] | None:
        return await of_case("supervisor") or None

    [told, *_] = await eventually(told_to_the_top, what="a notification to the supervisors")
    assert await of_case("supervisor-nanshan") and await of_case("supervisor-shenzhen")
    assert await of_case("supervisor-pudong") == []

    async def mailed() -> set[str] | None:  # its e-mails, likewise
        [row] = await rows(db, NotificationRow, NotificationRow.id == told["id"])
        found = await rows(db, Delivery, Delivery.notification_key == row.key)
        return {d.recipient for d in found} or None

    recipients = await eventually(mailed, what="the notification's deliveries")
    assert {"sup-zhao", "sup-nanshan", "sup-shenzhen"} <= recipients and "sup-pudong" not in recipients
