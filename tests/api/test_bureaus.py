"""Bureaus through the API: a case goes to the county bureau of the enterprise's registered
division, and a bureau's staff see and act on the cases of its area only: a county's own, a
city's of its counties, never a sibling's."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from db.models import Delivery, NotificationRow
from db.seed import ENTERPRISES
from db.session import Database
from services.outputs import DISPLAY_TZ
from settings import Settings
from tests.support import ENTERPRISE_CODE, eventually, rows
from tests.support.api import REPORT, Api, complaint, file
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


async def test_the_bureau_accepts_or_declines_within_its_window_and_no_other_bureau_may(api: Api) -> None:
    accepted = (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    declined = (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    for no in (accepted, declined):
        view = await _view(api, no)
        [window] = [d for d in view["deadlines"] if d["kind"] == "acceptance"]
        assert window["window"] == "7 working days" and window["state"] == "pending"

    elsewhere = await api.post(f"/api/complaints/{accepted}/admission", {}, as_="supervisor-pudong")
    assert elsewhere.status_code == 404
    done = await api.post(
        f"/api/complaints/{accepted}/admission", {"note": "属本局管辖"}, as_="supervisor-nanshan"
    )
    assert done.status_code in (200, 202), done.text
    bad = await api.post(
        f"/api/complaints/{declined}/declination", {"ground": "too_late"}, as_="supervisor-nanshan"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ground"
    ground = {"ground": "handled_elsewhere", "note": "已由仲裁机构受理"}
    done = await api.post(f"/api/complaints/{declined}/declination", ground, as_="supervisor-shenzhen")
    assert done.status_code in (200, 202), done.text

    async def decided(no: str, outcome: str) -> dict[str, Any] | None:
        view = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
        return view if (view.get("admission") or {}).get("outcome") == outcome else None

    view = await eventually(lambda: decided(accepted, "admitted"), what="the complaint accepted")
    assert view["admission"]["by"] == "sup-nanshan" and view["status"] != "closed"
    assert {d["kind"]: d["window"] for d in view["deadlines"]}["mediation"] == "45 working days"
    view = await eventually(lambda: decided(declined, "declined"), what="the complaint declined")
    assert (view["status"], view["outcome"], view["admission"]["ground"]) == (
        "closed",
        "not_admitted",
        "handled_elsewhere",
    )
    again = await api.post(f"/api/complaints/{accepted}/declination", ground, as_="supervisor-nanshan")
    assert again.status_code == 409 and "acceptance was decided" in again.text


async def test_undecided_for_7_working_days_a_case_counts_as_accepted_and_the_city_is_told(
    ts_api: Api, ts_env: WorkflowEnvironment
) -> None:
    no = (await file(ts_api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    await _view(ts_api, no)
    await ts_env.sleep(timedelta(days=14))  # past 7 working days, whatever the holidays

    async def deemed() -> dict[str, Any] | None:
        view = (await ts_api.get(f"/api/complaints/{no}", as_="supervisor")).json()
        return view if (view.get("admission") or {}).get("outcome") == "deemed" else None

    await eventually(deemed, what="the complaint deemed accepted")
    today = datetime.now(DISPLAY_TZ).date()
    period = {"period": f"{today - timedelta(days=1)}..{today + timedelta(days=2)}"}

    async def counted() -> dict[str, Any] | None:
        got = (await ts_api.get("/api/metrics", as_="supervisor-shenzhen", params=period)).json()
        return got["total"] if got["total"]["acceptance_deemed"] else None

    figures = await eventually(counted, what="the deemed acceptance in the city's figures")
    assert (figures["acceptance_deemed"], figures["acceptance_in_time"]) == (1, 0.0)

    async def told(who: str) -> set[tuple[str, str]]:
        listed = (await ts_api.get("/api/notifications?page_size=100", as_=who)).json()["items"]
        mine = [n for n in listed if n["tracking_no"] == no and n["recipient_kind"] == "bureau"]
        return {(n["topic"], n["recipient_ref"]) for n in mine}

    async def the_city_told() -> set[tuple[str, str]] | None:
        return await told("supervisor-shenzhen") or None

    assert await eventually(the_city_told, what="the bureau above told") == {("acceptance_overdue", "440300")}
    nanshan = await told("supervisor-nanshan")
    assert {("acceptance_warning", "440305"), ("acceptance_overdue", "440305")} <= nanshan
    assert await told("supervisor-pudong") == set() and await told("supervisor") == set()


async def test_a_bureau_not_competent_transfers_the_case_and_the_other_bureau_takes_it(api: Api) -> None:
    no = (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"]
    before = await _view(api, no)
    move, path = {"to_bureau": "310115", "reason": "经营场所在浦东"}, f"/api/complaints/{no}/transfer"
    assert (await api.post(path, move, as_="supervisor-pudong")).status_code == 404
    got = await api.post(path, {**move, "to_bureau": "320102"}, as_="supervisor-nanshan")
    reason = "no such bureau in the bureaus the system serves"
    assert got.status_code == 422 and got.json()["errors"] == [{"field": "to_bureau", "reason": reason}]
    got = await api.post(path, {**move, "to_bureau": "440305"}, as_="supervisor-nanshan")
    assert got.status_code == 409 and "handles the case now" in got.text
    done = await api.post(path, move, as_="supervisor-nanshan")
    assert done.status_code in (200, 202), done.text

    async def moved() -> dict[str, Any] | None:
        got = await api.get(f"/api/complaints/{no}", as_="supervisor-pudong")
        return got.json() if got.status_code == 200 else None

    view = await eventually(moved, what="the case in Pudong's hands")
    assert (view["bureau"], view["bureau_rule"]) == ("310115", "transfer")
    acceptance = [d for d in view["deadlines"] if d["kind"] == "acceptance"]
    assert [d["state"] for d in acceptance] == ["closed", "pending"]
    response = [d for d in view["deadlines"] if d["kind"] == "response"]
    assert response == [d for d in before["deadlines"] if d["kind"] == "response"]  # the enterprise's runs on
    assert (await api.get(f"/api/complaints/{no}", as_="supervisor-nanshan")).status_code == 404
    listed = (await api.get("/api/complaints?bureau=310115", as_="supervisor")).json()["items"]
    assert no in [c["tracking_no"] for c in listed]


async def test_each_bureaus_own_timeliness_is_in_its_figures(api: Api) -> None:
    """Acceptance decided in time, decisions to decline, and the cases that came by transfer: counted
    where the case is handled now."""
    admitted, declined, moved = [
        (await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}))["tracking_no"] for _ in range(3)
    ]
    for no in (admitted, declined, moved):
        await _view(api, no)
    steps = [
        (f"/api/complaints/{admitted}/admission", {}),
        (f"/api/complaints/{declined}/declination", {"ground": "not_personal_consumption"}),
        (f"/api/complaints/{moved}/transfer", {"to_bureau": "310115", "reason": "经营场所在浦东"}),
    ]
    for path, body in steps:
        done = await api.post(path, body, as_="supervisor-nanshan")
        assert done.status_code in (200, 202), done.text
    today = datetime.now(DISPLAY_TZ).date()
    query = {"period": f"{today - timedelta(days=1)}..{today + timedelta(days=2)}", "group_by": "bureau"}

    async def figures() -> dict[str, dict[str, Any]] | None:
        got = (await api.get("/api/metrics", as_="supervisor", params=query)).json()
        rows = {r["key"]["bureau"]: r["figures"] for r in got["rows"]}
        settled = "310115" in rows and rows["440305"]["not_admitted"] == 1
        return rows if settled and rows["440305"]["acceptance_in_time"] == 1.0 else None

    rows = await eventually(figures, what="the bureaus' timeliness in the figures")
    nanshan, pudong = rows["440305"], rows["310115"]
    assert (nanshan["volume"], nanshan["acceptance_deemed"], nanshan["transferred"]) == (2, 0, 0)
    assert (pudong["volume"], pudong["transferred"]) == (1, 1) and pudong["transfer_days_median"] <= 1
    assert pudong["acceptance_in_time"] is None  # Pudong has not decided yet


async def test_a_bureau_reads_and_acts_on_the_supervision_of_its_areas_enterprises_only(
    ts_api: Api, ts_env: WorkflowEnvironment, db: Database
) -> None:
    """An enterprise's supervision belongs to the area the registry places it in: the demo's
    Pudong enterprise (310115) is Pudong's and the top's to supervise, not Shenzhen's."""
    await file(ts_api)  # against the Pudong enterprise, which never responds
    await ts_env.sleep(timedelta(hours=24, seconds=5))
    record = f"/api/enterprises/{ENTERPRISE_CODE}/supervision"

    async def warned() -> dict[str, Any] | None:
        got = await ts_api.get(record, as_="supervisor-pudong")
        return got.json() if got.status_code == 200 and got.json()["warnings"] else None

    assert (await eventually(warned, what="the warning"))["level"] == 1
    for elsewhere in ("supervisor-nanshan", "supervisor-shenzhen"):
        assert (await ts_api.get(record, as_=elsewhere)).status_code == 404, elsewhere
    assert (await ts_api.get(record, as_="supervisor")).status_code == 200

    async def listed(who: str) -> list[str]:
        return [e["credit_code"] for e in (await ts_api.get("/api/enterprises", as_=who)).json()["items"]]

    async def in_pudongs_list() -> list[str] | None:
        return await listed("supervisor-pudong") or None

    assert await eventually(in_pudongs_list, what="the enterprise listed") == [ENTERPRISE_CODE]
    assert await listed("supervisor-shenzhen") == []
    assert await listed("supervisor") == [ENTERPRISE_CODE]

    warning = f"/api/enterprises/{ENTERPRISE_CODE}/warnings/W1"
    assert (await ts_api.post(f"{warning}/rectification", REPORT, as_="minghui")).status_code == 200
    verify, found = f"{warning}/verification", {"effective": False, "notes": "夜间仍无人接听"}
    assert (await ts_api.post(verify, found, as_="supervisor-shenzhen")).status_code == 404
    done = await ts_api.post(verify, found, as_="supervisor-pudong")
    assert done.status_code == 200 and done.json()["penalties"], done.text

    async def told(who: str) -> set[str]:
        listed = (await ts_api.get("/api/notifications?page_size=100", as_=who)).json()["items"]
        return {
            n["topic"] for n in listed if n["enterprise_code"] == ENTERPRISE_CODE and not n["tracking_no"]
        }

    async def pudong_told() -> set[str] | None:
        topics = await told("supervisor-pudong")
        return topics if {"warning", "penalty_proposed"} <= topics else None

    await eventually(pudong_told, what="Pudong told of the warning and the proposal")
    assert await told("supervisor-shenzhen") == set()

    async def mailed() -> set[str] | None:  # the warning's e-mails to the supervisors, likewise
        notes = await rows(db, NotificationRow, NotificationRow.topic == "warning")
        [note] = [n for n in notes if n.recipient_kind == "role"]
        found = await rows(db, Delivery, Delivery.notification_key == note.key)
        return {d.recipient for d in found} or None

    recipients = await eventually(mailed, what="the warning's deliveries")
    assert {"sup-zhao", "sup-pudong"} <= recipients and not {"sup-nanshan", "sup-shenzhen"} & recipients


async def test_a_complaint_names_the_platform_its_merchant_trades_on(api: Api) -> None:
    """The platform is kept with the case; under the default policy the merchant's bureau handles it."""
    beijing = ENTERPRISES[2]
    no = (
        await file(api, enterprise={"credit_code": SHENZHEN_ENTERPRISE}, platform={"credit_code": beijing[0]})
    )["tracking_no"]
    view = await _view(api, no)
    assert (view["platform_code"], view["platform_name"]) == (beijing[0], beijing[1])
    assert (view["bureau"], view["bureau_rule"]) == ("440305", "enterprise-division")
    refused = await api.post(
        "/api/complaints", complaint(platform={"credit_code": UNREGISTERED}), as_="clerk"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "platform.name", "reason": "required for an enterprise not yet in the registry"}
    ]
