"""E-mail as the people told receive it: a real SMTP server takes each notification once, in
the recipient's language, with both parts and a link that holds no personal data; its failures
retried or dead-lettered as their codes say, and an escalation that reached no supervisor
raised to the admins."""

import contextlib
from dataclasses import replace
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update
from temporalio.api.enums.v1 import EventType
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

import activities.delivery
import activities.sending
from activities.delivery import Notifier
from db.models import Account, Delivery, DeliveryAttempt, NotificationRow
from db.session import Database
from delivery.sms import SmsMessage
from domain.ids import notification_workflow_id
from settings import Settings
from tests.support import ENTERPRISE_CODE, eventually, rows
from tests.support.api import Api, file
from tests.support.outbox import ended, notify
from tests.support.smtp import ScriptedSmtp
from worker import build_worker, outbox

pytestmark = pytest.mark.sqlite_only

ENTERPRISE_MAIL = "minghui@demo.aftersales.example"


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_the_enterprise_is_told_of_a_new_complaint_in_chinese(
    api: Api, smtp: ScriptedSmtp, db: Database
) -> None:
    receipt = await file(api)
    no = receipt["tracking_no"]
    await ended(db, ":forwarded:enterprise:" + ENTERPRISE_CODE)
    [message] = await eventually(lambda: smtp.to(ENTERPRISE_MAIL), what="the mail")
    assert message["Subject"] == f"【售后服务监管】投诉{no}已转交贵企业，请在24小时内响应"
    assert message["From"].addresses[0].addr_spec == "noreply@aftersales.example"
    assert message["Auto-Submitted"] == "auto-generated" and message["Message-ID"].startswith("<delivery-")
    text, html = parts(message)
    link = f"https://aftersales.example/staff/cases/{no}"
    assert link in text and f'href="{link}"' in html and "请勿直接回复" in text
    [delivery] = await rows(db, Delivery, Delivery.notification_key.contains(":forwarded:"))
    assert (delivery.status, delivery.attempts, delivery.address_masked) == (
        "sent",
        1,
        "m******@demo.aftersales.example",
    )
    [attempt] = await rows(db, DeliveryAttempt, DeliveryAttempt.delivery_id == delivery.id)
    assert attempt.result == "sent" and "queued as" in (attempt.provider_id or "")
    assert receipt["access_code"] not in text + html and "138" not in text + html


async def test_an_account_that_prefers_english_is_told_in_english(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    async with db.transaction() as session:
        await session.execute(update(Account).where(Account.id == "sup-zhao").values(locale="en"))
    await notify(dev_env, settings, db, "response_overdue", "supervisor")
    [message] = await eventually(lambda: smtp.to("supervisor@demo.aftersales.example"), what="the mail")
    # Folded before its first word (as Python folds a long one): a reader unfolds it.
    subject = "[Aftersales Supervision] Complaint CP-T-1: no response in time; escalated"
    assert message["Subject"].strip() == subject
    text, _ = parts(message)
    assert "As recorded: Case CP-T-1: response_overdue" in text


async def test_a_busy_server_is_tried_again_and_the_mail_goes_once(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.answer("451 4.3.0 try again later", "421 4.3.2 busy")
    key = await notify(dev_env, settings, db, "escalated", "admin")
    [delivery] = await ended(db, key)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    attempts = await rows(db, DeliveryAttempt, DeliveryAttempt.delivery_id == delivery.id)
    assert [a.result for a in sorted(attempts, key=lambda a: a.id)] == ["temporary", "temporary", "sent"]
    assert len(smtp.to("admin@demo.aftersales.example")) == 1


async def test_a_mail_that_goes_at_once_costs_no_workflow(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    key = await notify(dev_env, settings, db, "escalated", "admin")
    [delivery] = await rows(db, Delivery, Delivery.notification_key == key)  # sent before notify returned
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert len(smtp.to("admin@demo.aftersales.example")) == 1
    with pytest.raises(RPCError) as no_run:
        await dev_env.client.get_workflow_handle(notification_workflow_id(key)).describe()
    assert no_run.value.status is RPCStatusCode.NOT_FOUND


async def test_a_first_try_failed_for_now_is_retried_by_a_workflow_that_waits_first(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.answer("451 4.3.0 try again later")
    key = await notify(dev_env, settings, db, "escalated", "admin")
    [tried] = await rows(db, Delivery, Delivery.notification_key == key)
    assert (tried.status, tried.attempts) == ("pending", 1)  # the first try made before notify returned
    handle = dev_env.client.get_workflow_handle(notification_workflow_id(key))
    assert await handle.result() == 1
    kinds = [EventType.Name(e.event_type) async for e in handle.fetch_history_events()]
    assert kinds.index("EVENT_TYPE_TIMER_STARTED") < kinds.index("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")
    assert kinds.count("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED") == 1  # the retry, not the first try again
    [delivery] = await ended(db, key)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(smtp.to("admin@demo.aftersales.example")) == 1


async def test_a_first_try_with_no_answer_in_time_holds_back_the_next_and_leaves_both_to_retries(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    settings = settings.model_copy(update={"delivery_attempt_seconds": 1.0})
    notifier = Notifier(dev_env.client, settings.delivery_task_queue, outbox(settings), db)
    smtp.released.clear()  # the server greets no one
    first = await notify(dev_env, settings, db, "escalated", "admin", notifier)  # after its second
    second = await notify(dev_env, settings, db, "task_failed", "admin", notifier)  # at once
    [waited] = await rows(db, Delivery, Delivery.notification_key == first)
    [held] = await rows(db, Delivery, Delivery.notification_key == second)
    assert (waited.status, waited.attempts, waited.last_error) == ("pending", 1, "no answer within 1 s")
    assert (held.status, held.attempts) == ("pending", 1)
    assert held.last_error == "held back: no answer within 1 s a moment ago"
    smtp.released.set()
    assert [d.status for d in await ended(db, first) + await ended(db, second)] == ["sent", "sent"]
    assert len(smtp.to("admin@demo.aftersales.example")) == 2
    assert notifier.outbox.mail is not None
    await notifier.outbox.mail.close()


async def test_a_retry_with_no_answer_ends_within_its_attempt_so_no_two_tries_overlap(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    """Temporal starts the next try once an attempt's time is up, whether or not the last one
    still waits: a try gives up just before, so no two tries of a delivery ever wait on the
    server together, and once it answers the mail goes once."""
    settings = settings.model_copy(
        update={
            "delivery_attempt_seconds": 3.0,
            "delivery_first_retry_seconds": 1.0,
            "delivery_max_attempts": 20,
        }
    )
    smtp.released.clear()  # the server greets no one
    async with build_worker(dev_env.client, settings, db):
        key = await notify(dev_env, settings, db, "escalated", "admin")
        handle = dev_env.client.get_workflow_handle(notification_workflow_id(key))

        async def retried() -> bool:
            with contextlib.suppress(RPCError):  # the run not started yet
                pending = (await handle.describe()).raw_description.pending_activities
                return bool(pending) and pending[0].attempt >= 3
            return False

        await eventually(retried, what="the third try of the retries")
        smtp.released.set()
        [delivery] = await ended(db, key)
        attempts = await rows(db, DeliveryAttempt, DeliveryAttempt.delivery_id == delivery.id)
    assert delivery.status == "sent" and len(smtp.to("admin@demo.aftersales.example")) == 1
    gave_up = [a.error for a in attempts if a.result == "temporary"]
    assert len(gave_up) >= 3 and all(e and e.startswith("no answer within ") for e in gave_up)


async def test_a_refused_address_is_not_tried_again_and_the_error_keeps_it_masked(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.answer("550 5.1.1 <admin@demo.aftersales.example>: user unknown")
    key = await notify(dev_env, settings, db, "escalated", "admin")
    [delivery] = await ended(db, key)
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert delivery.last_error and "550" in delivery.last_error
    assert "admin@demo" not in delivery.last_error and "a****@demo.aftersales.example" in delivery.last_error
    assert smtp.received == []


async def test_a_server_down_then_up_loses_nothing(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.stop()
    key = await notify(dev_env, settings, db, "escalated", "admin")

    async def tried() -> bool:
        found = await rows(db, Delivery, Delivery.notification_key == key)
        return bool(found) and found[0].attempts >= 1

    await eventually(tried, what="a first attempt on the server that is down")
    smtp.start()
    [delivery] = await ended(db, key)
    assert delivery.status == "sent" and delivery.attempts >= 2
    assert len(smtp.to("admin@demo.aftersales.example")) == 1


async def test_an_escalation_no_supervisor_received_goes_to_the_admins(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.answer(*["452 4.2.2 mailbox full"] * 4)  # every attempt the policy allows
    key = await notify(dev_env, settings, db, "response_overdue", "supervisor")
    [delivery] = await ended(db, key)
    assert (delivery.status, delivery.attempts) == ("dead", 4)
    raised = await ended(db, f"{key}:undelivered")
    assert [d.recipient for d in raised] == ["admin-1"]
    [message] = await eventually(lambda: smtp.to("admin@demo.aftersales.example"), what="the admins' mail")
    assert message["Subject"] == "【售后服务监管】升级通知未能送达"
    async with db.sessions() as session:
        row = await session.scalar(select(NotificationRow).where(NotificationRow.key == f"{key}:undelivered"))
    assert row is not None and "mailbox full" in row.subject and "supervisor@" not in row.subject


async def test_an_admin_sees_a_dead_letter_and_redelivers_it(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    smtp.answer("554 5.7.1 rejected for policy reasons")
    key = await notify(dev_env, settings, db, "escalated", "admin")
    [delivery] = await ended(db, key)
    dead = (await api.get("/api/deliveries?status=dead", as_="admin")).json()["items"]
    [listed] = [d for d in dead if d["id"] == delivery.id]
    assert listed["address_masked"] == "a****@demo.aftersales.example" and "554" in listed["last_error"]
    assert (await api.get("/api/deliveries", as_="supervisor")).status_code == 403
    sent_one = await api.post(f"/api/deliveries/{delivery.id}/redeliver", {}, as_="admin")
    assert sent_one.status_code == 202, sent_one.text

    async def sent() -> dict | None:
        detail = (await api.get(f"/api/deliveries/{delivery.id}", as_="admin")).json()
        return detail if detail["status"] == "sent" else None

    detail = await eventually(sent, what="the redelivery")
    assert [t["result"] for t in detail["tries"]] == ["permanent", "sent"]
    assert len(smtp.to("admin@demo.aftersales.example")) == 1
    again = await api.post(f"/api/deliveries/{delivery.id}/redeliver", {}, as_="admin")
    assert again.status_code == 409 and "only a dead letter" in again.text
    assert (await api.post("/api/deliveries/999999/redeliver", {}, as_="admin")).status_code == 404
    beyond = await api.post(f"/api/deliveries/{2**53}/redeliver", {}, as_="admin")  # past any row id
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "path.delivery_id"


async def test_the_consumer_is_told_the_enterprise_answered_in_plain_words(
    api: Api, smtp: ScriptedSmtp, db: Database
) -> None:
    receipt = await file(api)
    no = receipt["tracking_no"]
    answered = await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    assert answered.status_code == 200
    [message] = await eventually(lambda: smtp.to("zhang@example.com"), what="the consumer's mail")
    assert message["Subject"] == f"【售后服务监管】投诉{no}：企业已答复"
    text, html = parts(message)
    assert "https://aftersales.example/track" in text and "系统记录" not in text + html
    assert receipt["access_code"] not in text + html and no not in message["X-Aftersales-Topic"]
    [delivery] = await rows(db, Delivery, Delivery.recipient == "consumer", Delivery.channel == "email")
    assert delivery.address_masked == "z****@example.com"


async def test_a_step_brings_the_consumers_address_and_the_case_is_not_asked(
    api: Api, smtp: ScriptedSmtp, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step that tells the consumer brings their address: the mail goes at its first try,
    and the case is not asked for it by a query."""
    asked: list[str] = []

    async def not_to_be_asked(client: object, tracking_no: str) -> None:
        asked.append(tracking_no)
        raise AssertionError("the case was asked for its consumer")

    for module in (activities.delivery, activities.sending):
        monkeypatch.setattr(module, "consumer_of", not_to_be_asked)
    no = (await file(api))["tracking_no"]
    answered = await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    assert answered.status_code == 200
    [message] = await eventually(lambda: smtp.to("zhang@example.com"), what="the consumer's mail")
    assert message["Subject"] == f"【售后服务监管】投诉{no}：企业已答复"

    async def finished() -> list[Delivery] | None:  # its attempt is recorded once the server took it
        found = await rows(db, Delivery, Delivery.recipient == "consumer", Delivery.channel == "email")
        return found if found and found[0].status != "pending" else None

    [delivery] = await eventually(finished, what="the consumer's delivery ended")
    assert (delivery.status, delivery.attempts) == ("sent", 1) and asked == []


class BrokenGateway:
    """An SMS gateway whose client breaks in a way no channel's rules foresee."""

    def __init__(self) -> None:
        self.broken = True
        self.sent: list[SmsMessage] = []

    async def send(self, message: SmsMessage) -> str:
        if self.broken:
            raise RuntimeError("the gateway's client broke")
        self.sent.append(message)
        return f"sms-{len(self.sent)}"


async def test_a_step_whose_one_try_breaks_keeps_the_record_of_what_went_out(
    dev_env: WorkflowEnvironment, worker: object, settings: Settings, db: Database, smtp: ScriptedSmtp
) -> None:
    """The first tries of a step are recorded together: the e-mail that went out is recorded
    though the SMS beside it broke, so the step, run again, sends only the SMS."""
    async with db.transaction() as session:
        await session.execute(
            update(Account)
            .where(Account.role == "admin")
            .values(channels=["email", "sms"], phone="13912345678")
        )
    gateway = BrokenGateway()
    notifier = Notifier(
        dev_env.client, settings.delivery_task_queue, replace(outbox(settings), sms=gateway), db
    )
    with pytest.raises(RuntimeError, match="broke"):
        await notify(dev_env, settings, db, "escalated", "admin", notifier)
    key = f"test:{settings.task_queue}:escalated:admin"
    mail, sms = sorted(await rows(db, Delivery, Delivery.notification_key == key), key=lambda d: d.channel)
    assert (mail.channel, mail.status, mail.attempts) == ("email", "sent", 1)
    assert (sms.channel, sms.status, sms.attempts) == ("sms", "pending", 0)
    gateway.broken = False
    await notifier.start([key])  # the step, run again
    mail, sms = sorted(await rows(db, Delivery, Delivery.notification_key == key), key=lambda d: d.channel)
    assert (mail.status, mail.attempts, sms.status, sms.attempts) == ("sent", 1, "sent", 1)
    assert len(smtp.to("admin@demo.aftersales.example")) == 1 and len(gateway.sent) == 1
    assert notifier.outbox.mail is not None
    await notifier.outbox.mail.close()
