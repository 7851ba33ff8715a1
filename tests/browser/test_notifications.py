"""Notifications in Chromium: an enterprise reads what it was told and marks it read, a member
chooses how they are told (a wrong field named beside it), and an admin redelivers a dead letter
and reads the development sink's mail."""

import pytest

from db.models import Delivery
from db.session import Database
from settings import Settings
from tests.browser.pages import file_complaint, fill, submit
from tests.support import eventually, rows
from tests.support.browser import Site, accessible, shot
from tests.support.smtp import ScriptedSmtp, mailing


@pytest.fixture
def settings(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    return mailing(settings, smtp)


async def test_an_enterprise_reads_its_notifications(site: Site) -> None:
    person = await site.person()
    no, _ = await file_complaint(person)
    minghui = await site.staff("minghui")
    await minghui.goto("/staff/notifications")
    badge = minghui.locator("header .badge")
    assert (await badge.inner_text()).strip() != ""
    assert f"投诉{no}已转交贵企业" in await minghui.locator("main").inner_text()
    await accessible(minghui)
    await shot(minghui, "notifications")
    await submit(minghui, "全部标为已读")
    assert await minghui.locator("header .badge").count() == 0


async def test_a_member_chooses_how_they_are_told(site: Site) -> None:
    supervisor = await site.staff("supervisor")
    await supervisor.goto("/staff/preferences")
    await fill(supervisor, {"#phone": "12345"})
    await supervisor.locator("#channels-sms").check()
    await submit(supervisor, "保存", status=422)
    assert await supervisor.locator("#phone-error").is_visible()
    await accessible(supervisor)
    await shot(supervisor, "preferences-errors")
    await fill(supervisor, {"#phone": "139 0000 1111"})
    await submit(supervisor, "保存")
    assert "已保存" in await supervisor.locator("main").inner_text()


async def test_an_admin_redelivers_a_dead_letter(site: Site, smtp: ScriptedSmtp, db: Database) -> None:
    smtp.answer("550 5.1.1 mailbox unavailable")
    person = await site.person()
    await file_complaint(person)

    async def dead() -> list[Delivery]:
        return await rows(db, Delivery, Delivery.status == "dead")

    [letter] = await eventually(dead, what="the dead letter")
    admin = await site.staff("admin")
    await admin.goto("/staff/deliveries?status=dead")
    row = admin.locator(f"#delivery-{letter.id}")
    assert "550" in await row.inner_text()
    await accessible(admin)
    await shot(admin, "deliveries")
    await submit(admin, "重新投递")

    async def sent() -> bool:
        return bool(await rows(db, Delivery, Delivery.id == letter.id, Delivery.status == "sent"))

    await eventually(sent, what="the redelivery")
    await admin.goto("/staff/deliveries")
    assert "开发环境邮件接收器" in await admin.locator("main").inner_text()
