"""A staff member's notifications page: the unread count in the header, each notification in the
page's words with its link, marked read one by one or all at once, and only the reader's own."""

import pytest

from tests.support import eventually
from tests.support.web import Browser, SignedIn, field_error, filed

pytestmark = pytest.mark.sqlite_only


async def test_the_enterprise_reads_its_notifications_and_marks_them_read(
    browser: Browser, signed_in: SignedIn
) -> None:
    case = await filed(browser)
    no = case["tracking_no"]
    enterprise = await signed_in("minghui")

    async def listed() -> str | None:
        page = (await enterprise.get("/staff/notifications?unread=true")).text
        return page if f"投诉{no}已转交贵企业" in page else None

    page = await eventually(listed, what="the notification on the page")
    assert f'href="/staff/cases/{no}"' in page and 'class="badge"' in page and "条未读" in page
    other = await signed_in("xunjie")
    assert no not in (await other.get("/staff/notifications")).text

    read = await enterprise.submit(
        "/staff/notifications/read", {}, form_at="/staff/notifications?unread=true"
    )
    assert read.status_code == 200 and str(read.url).endswith("/staff/notifications")
    assert (
        'class="badge"' not in read.text
        and "没有未读通知" in (await enterprise.get("/staff/notifications?unread=true")).text
    )
    english = await enterprise.get("/staff/notifications", headers={"Accept-Language": "en"})
    assert f"Complaint {no} is forwarded to you: respond within 24 hours" in english.text


async def test_marking_read_without_the_form_token_changes_nothing(
    browser: Browser, signed_in: SignedIn
) -> None:
    case = await filed(browser)
    enterprise = await signed_in("minghui")

    async def unread() -> bool:
        return case["tracking_no"] in (await enterprise.get("/staff/notifications?unread=true")).text

    await eventually(unread, what="the unread notification")
    forged = await enterprise.http.post("/staff/notifications/read", data={"csrf": "forged"})
    assert forged.status_code == 400 and "已过期" in forged.text
    # A number that names no notification is not taken for "all of them".
    for wrong in ("", "x", "²", "0", str(2**53), str(2**63), "1" * 30):
        named = await enterprise.submit(
            "/staff/notifications/read", {"id": wrong}, form_at="/staff/notifications"
        )
        assert named.status_code == 404 and "未找到" in named.text, wrong
    assert await unread()


async def test_a_member_chooses_how_they_are_told_with_each_bad_field_named(signed_in: SignedIn) -> None:
    supervisor = await signed_in("supervisor")
    form = (await supervisor.get("/staff/preferences")).text
    assert 'value="supervisor@demo.aftersales.example"' in form and "通知方式" in form
    wrong = await supervisor.submit(
        "/staff/preferences", {"email": "", "phone": "12345", "locale": "zh_CN", "channels": ["email", "sms"]}
    )
    assert wrong.status_code == 422
    assert "手机号码" in field_error(wrong.text, "phone")
    kept = await supervisor.submit(
        "/staff/preferences",
        {"email": "zhao@scjg.example.cn", "phone": "139 0000 1111", "locale": "en", "channels": ["sms"]},
    )
    assert kept.status_code == 200 and "已保存" in kept.text
    again = (await supervisor.get("/staff/preferences", headers={"Accept-Language": "zh-CN"})).text
    assert 'value="13900001111"' in again and 'value="sms" checked' in again
