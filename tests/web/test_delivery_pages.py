"""The admins' deliveries page: the dead letters with their masked address and error, tried
again from the page; nobody else's to see."""

import pytest
from temporalio.testing import WorkflowEnvironment

from db.models import Delivery
from db.session import Database
from delivery.sms import FileSmsSink, SmsMessage
from settings import Settings
from tests.support import eventually, rows
from tests.support.smtp import ScriptedSmtp, mailing
from tests.support.web import Browser, SignedIn, filed

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def settings(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    return mailing(settings, smtp)


async def test_an_admin_redelivers_a_dead_letter_from_the_page(
    browser: Browser, signed_in: SignedIn, smtp: ScriptedSmtp, db: Database, dev_env: WorkflowEnvironment
) -> None:
    smtp.answer("550 5.1.1 <minghui@demo.aftersales.example>: no such user")
    case = await filed(browser)

    async def dead() -> Delivery | None:
        found = await rows(
            db, Delivery, Delivery.notification_key.contains(":forwarded:"), Delivery.status == "dead"
        )
        return found[0] if found else None

    letter = await eventually(dead, what="the dead letter")
    admin = await signed_in("admin")
    page = (await admin.get("/staff/deliveries?status=dead")).text
    assert f'id="delivery-{letter.id}"' in page and "m******@demo.aftersales.example" in page
    assert "minghui@demo" not in page and "投递失败" in page and case["tracking_no"] in page
    again = await admin.submit(
        f"/staff/deliveries/{letter.id}/redeliver", {}, form_at="/staff/deliveries?status=dead"
    )
    assert again.status_code == 200 and str(again.url).endswith("/staff/deliveries?status=pending")
    beyond = await admin.submit(f"/staff/deliveries/{2**53}/redeliver", {}, form_at="/staff/deliveries")
    assert beyond.status_code == 404 and "未找到" in beyond.text
    far = await admin.get(f"/staff/deliveries?p={10**22}")  # a page past any list's end
    assert far.status_code == 200 and f'id="delivery-{letter.id}"' not in far.text

    async def sent() -> bool:
        return bool(await rows(db, Delivery, Delivery.id == letter.id, Delivery.status == "sent"))

    await eventually(sent, what="the redelivered mail")
    assert len(smtp.to("minghui@demo.aftersales.example")) == 1
    supervisor = await signed_in("supervisor")
    assert (await supervisor.get("/staff/deliveries")).status_code == 403
    assert "/staff/deliveries" not in (await supervisor.get("/staff")).text


async def test_in_development_the_admin_reads_the_text_messages_kept(
    signed_in: SignedIn, settings: Settings
) -> None:
    text = "投诉CP-1：企业提出了解决方案，请答复"
    await FileSmsSink(settings.sms_file).send(SmsMessage("13812341234", "SMS_1", {"no": "CP-1"}, text))
    page = (await (await signed_in("admin")).get("/staff/deliveries")).text
    assert "开发环境短信文件中的短信" in page and "138****1234" in page and text in page
    assert "13812341234" not in page
