"""Delivering a notification: who receives it by which channel (a row per delivery, written
once), each send with its attempt recorded, the dead letters, and an escalation that reached
no one raised to the admins. Addresses are read in clear only here, at the moment of sending
(a consumer's from the case itself); rows and errors hold them masked."""

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from db.models import (
    Account,
    Delivery,
    DeliveryAttempt,
    Enterprise,
    NotificationRow,
    WebhookEndpoint,
    utcnow,
)
from db.session import Database
from db.writes import insert_missing
from delivery import webhooks
from delivery.compose import Letter, compose, sentence
from delivery.failures import Permanent, Temporary
from delivery.mail import MailRelay
from delivery.sms import SmsGateway, SmsMessage
from domain.complaint.messages import ConsumerDetails
from domain.delivery import (
    ESCALATIONS,
    PERMANENT_FAILURE,
    AttemptResult,
    Channel,
    DeadLetter,
    DeliveryRetry,
    DeliveryStatus,
    NotificationDelivery,
    Planned,
    Undelivered,
)
from domain.enums import RecipientKind, Role
from domain.ids import ActivityName, complaint_workflow_id, notification_workflow_id
from domain.masking import mask_email, mask_phone
from temporal_client import KeyRing
from workflows.complaint import ComplaintWorkflow
from workflows.delivery import NotificationWorkflow

CONSUMER = "consumer"
WEBHOOK = "webhook:"  # a delivery's recipient: webhook:<endpoint id>


@dataclass(frozen=True)
class Outbox:
    """How notifications go out: by e-mail (None: not at all), SMS (None: not at all) and the
    enterprises' webhooks; the site's address for links; how long a delivery keeps trying."""

    mail: MailRelay | None
    sender: str
    reply_to: str
    public_url: str
    retry: DeliveryRetry
    ring: KeyRing
    sms: SmsGateway | None = None
    sms_templates: dict[str, str] = field(default_factory=dict)
    development: bool = False


class Notifier:
    """Plans each notification's deliveries (a row per recipient and channel, written once) and
    starts the workflow that sends them, once: a second start of the same key is refused by
    Temporal, so a projection retried after a crash starts nothing twice. With no e-mail or SMS,
    only an enterprise's notification to an enterprise with a webhook is delivered."""

    def __init__(self, client: Client, task_queue: str, outbox: Outbox, db: Database) -> None:
        self.client, self.task_queue, self.outbox, self.db = client, task_queue, outbox, db

    async def wanted(self, keys: list[str]) -> list[str]:
        if self.outbox.mail is not None or self.outbox.sms is not None:
            return keys
        async with self.db.sessions() as session:
            found = await session.scalars(
                select(NotificationRow.key)
                .join(WebhookEndpoint, WebhookEndpoint.enterprise_code == NotificationRow.recipient_ref)
                .where(
                    NotificationRow.key.in_(keys),
                    NotificationRow.recipient_kind == RecipientKind.ENTERPRISE.value,
                    WebhookEndpoint.removed_at.is_(None),
                )
            )
            return sorted(set(found))

    async def start(self, keys: list[str]) -> None:
        """Each notification planned, then its workflow started with the plan (eagerly: a worker
        of this process takes its first task at once). One with no one to send to starts none."""
        plans = await self.plans(await self.wanted(keys))
        await asyncio.gather(*(self._launch(key, p) for key, p in plans.items() if p.delivery_ids))

    async def _launch(self, key: str, planned: Planned) -> None:
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self.client.start_workflow(
                NotificationWorkflow.run,
                NotificationDelivery(
                    key=key,
                    retry=self.outbox.retry,
                    delivery_ids=planned.delivery_ids,
                    escalation=planned.escalation,
                ),
                id=notification_workflow_id(key),
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                request_eager_start=True,
            )

    async def plan(self, key: str) -> Planned:
        """The notification's deliveries, written where missing: the same rows however often."""
        return (await self.plans([key]))[key]

    async def plans(self, keys: list[str]) -> dict[str, Planned]:
        """`plan` for several notifications at once: their recipients read together (each role,
        enterprise or agency once), their deliveries written in one transaction."""
        if not keys:
            return {}
        async with self.db.sessions() as session:
            found = await session.scalars(select(NotificationRow).where(NotificationRow.key.in_(keys)))
            notes = {n.key: n for n in found}
            if missing := [k for k in keys if k not in notes]:
                raise ApplicationError(f"no notification {', '.join(missing)}", non_retryable=True)
            parties = {(n.recipient_kind, n.recipient_ref) for n in notes.values()}
            accounts = {party: await _accounts(session, *party) for party in parties}
            endpoints = {
                ref: list(
                    await session.scalars(
                        select(WebhookEndpoint).where(
                            WebhookEndpoint.enterprise_code == ref, WebhookEndpoint.removed_at.is_(None)
                        )
                    )
                )
                for kind, ref in parties
                if kind == RecipientKind.ENTERPRISE
            }
        rows: list[dict[str, Any]] = []
        for key in keys:
            n = notes[key]
            rows += await self._consumer_rows(n)
            hooks = endpoints.get(n.recipient_ref, []) if n.recipient_kind == RecipientKind.ENTERPRISE else []
            rows += self._rows(n, accounts[(n.recipient_kind, n.recipient_ref)], hooks)
        async with self.db.transaction() as session:
            await insert_missing(session, Delivery, rows, ["notification_key", "recipient", "channel"])
            written = await session.execute(
                select(Delivery.notification_key, Delivery.id)
                .where(Delivery.notification_key.in_(keys))
                .order_by(Delivery.id)
            )
            ids: dict[str, list[int]] = {key: [] for key in keys}
            for key, delivery_id in written.all():
                ids[key].append(delivery_id)
        return {
            key: Planned(
                delivery_ids=ids[key],
                escalation=notes[key].topic in ESCALATIONS
                and (notes[key].recipient_kind, notes[key].recipient_ref)
                == (RecipientKind.ROLE, Role.SUPERVISOR),
            )
            for key in keys
        }

    async def _consumer_rows(self, n: NotificationRow) -> list[dict[str, Any]]:
        mail, sms = self.outbox.mail is not None, self.outbox.sms is not None
        if n.recipient_kind != RecipientKind.CONSUMER or not (mail or sms):
            return []
        consumer = await consumer_of(self.client, n.tracking_no)
        rows = []
        if consumer is not None and consumer.email and mail:
            rows.append(_row(n.key, CONSUMER, Channel.EMAIL, mask_email(consumer.email), "zh_CN"))
        if consumer is not None and sms:
            rows.append(_row(n.key, CONSUMER, Channel.SMS, mask_phone(consumer.phone), "zh_CN"))
        return rows

    def _rows(
        self, n: NotificationRow, accounts: list[Account], endpoints: list[WebhookEndpoint]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        mail, sms = self.outbox.mail is not None, self.outbox.sms is not None
        for account in accounts:
            if mail and account.email and Channel.EMAIL in account.channels:
                rows.append(_row(n.key, account.id, Channel.EMAIL, mask_email(account.email), account.locale))
            if sms and account.phone and Channel.SMS in account.channels:
                rows.append(_row(n.key, account.id, Channel.SMS, mask_phone(account.phone), account.locale))
        for e in endpoints:
            rows.append(_row(n.key, f"{WEBHOOK}{e.id}", Channel.WEBHOOK, webhooks.shown(e.url), "en"))
        return rows


async def _accounts(session: AsyncSession, kind: str, ref: str) -> list[Account]:
    """The active accounts a notification to (`kind`, `ref`) reaches."""
    where: Any
    match kind:
        case RecipientKind.ACCOUNT:
            where = Account.id == ref
        case RecipientKind.ROLE:
            where = Account.role == ref
        case RecipientKind.ENTERPRISE:
            where = Account.enterprise_code == ref
        case RecipientKind.AGENCY:
            where = Account.agency_id == ref
        case _:
            return []
    found = await session.scalars(select(Account).where(where, Account.active.is_(True)).order_by(Account.id))
    return list(found)


async def consumer_of(client: Client, tracking_no: str) -> ConsumerDetails | None:
    """The consumer's details, from the case (its history keeps them encrypted)."""
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(complaint_workflow_id(tracking_no))
    try:
        state = await handle.query(ComplaintWorkflow.state)
    except RPCError as error:
        raise ApplicationError(f"the case did not answer: {error.message}") from error
    return state.intake.consumer if state is not None else None


def _link(outbox: Outbox, n: NotificationRow, recipient: str) -> str:
    """The page the notification is acted on: no personal data, no access code."""
    base = outbox.public_url.rstrip("/")
    if recipient == CONSUMER:
        return f"{base}/track"
    if n.tracking_no:
        return f"{base}/staff/cases/{n.tracking_no}"
    if n.enterprise_code:
        return f"{base}/staff/enterprises/{n.enterprise_code}/supervision"
    return f"{base}/staff"


@dataclass
class _Sending:
    """One delivery about to be sent, with what it is about."""

    delivery: Delivery
    notification: NotificationRow
    account: Account | None
    endpoint: WebhookEndpoint | None
    enterprise_name: str


class DeliveryActivities:
    def __init__(self, db: Database, client: Client, outbox: Outbox, notifier: Notifier) -> None:
        self.db, self.client, self.outbox, self.notifier = db, client, outbox, notifier

    @activity.defn(name=ActivityName.PLAN_DELIVERIES)
    async def plan_deliveries(self, key: str) -> Planned:
        """The plan, for a delivery workflow started without one."""
        return await self.notifier.plan(key)

    # --- one send -----------------------------------------------------------------------------

    async def _sending(self, delivery_id: int) -> _Sending | None:
        async with self.db.sessions() as session:
            d = await session.get(Delivery, delivery_id)
            if d is None:
                raise ApplicationError(
                    f"no delivery {delivery_id}", type=PERMANENT_FAILURE, non_retryable=True
                )
            if d.status == DeliveryStatus.SENT:
                return None  # sent by an earlier attempt whose completion was lost
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == d.notification_key))
            assert n is not None
            account = endpoint = None
            if d.recipient.startswith(WEBHOOK):
                endpoint = await session.get(WebhookEndpoint, int(d.recipient.removeprefix(WEBHOOK)))
            elif d.recipient != CONSUMER:
                account = await session.get(Account, d.recipient)
            name = ""
            if n.enterprise_code:
                enterprise = await session.get(Enterprise, n.enterprise_code)
                name = enterprise.name if enterprise else n.enterprise_code
        return _Sending(d, n, account, endpoint, name)

    def _letter(self, s: _Sending) -> Letter:
        d, n = s.delivery, s.notification
        return Letter(
            delivery_id=d.id,
            key=d.notification_key,
            topic=n.topic,
            recorded=n.subject,
            tracking_no=n.tracking_no,
            enterprise_name=s.enterprise_name,
            locale=d.locale,
            link=_link(self.outbox, n, d.recipient),
            for_consumer=d.recipient == CONSUMER,
            at=n.created_at,
        )

    async def _send(self, s: _Sending, clear: list[str]) -> str:
        """Send by the delivery's channel; its answer. `clear` collects the addresses to mask."""
        d = s.delivery
        match d.channel:
            case Channel.EMAIL:
                return await self._send_mail(s, clear)
            case Channel.SMS:
                return await self._send_sms(s, clear)
            case Channel.WEBHOOK:
                return await self._send_webhook(s)
        raise Permanent(f"no channel {d.channel}")

    async def _address(self, s: _Sending, kind: str) -> str:
        """The recipient's `email` or `phone`, read now; masked in what is recorded of it."""
        if s.account is not None:
            address = getattr(s.account, kind)
        else:
            consumer = await consumer_of(self.client, s.notification.tracking_no)
            address = getattr(consumer, kind) if consumer else None
        if not address:
            raise Permanent(f"the recipient has no {kind} any more")
        return str(address)

    async def _send_mail(self, s: _Sending, clear: list[str]) -> str:
        if self.outbox.mail is None:
            raise Permanent("e-mail is not configured")
        address = await self._address(s, "email")
        clear.append(address)
        message = compose(
            self._letter(s), sender=self.outbox.sender, to=address, reply_to=self.outbox.reply_to
        )
        return await self.outbox.mail.send(message)

    async def _send_sms(self, s: _Sending, clear: list[str]) -> str:
        if self.outbox.sms is None:
            raise Permanent("SMS is not configured")
        phone = await self._address(s, "phone")
        clear.append(phone)
        letter = self._letter(s)
        topic = s.notification.topic
        params = {"no": letter.tracking_no, "name": letter.enterprise_name, "link": letter.link}
        template = self.outbox.sms_templates.get(topic, f"AFTERSALES_{topic.upper()}")
        return await self.outbox.sms.send(SmsMessage(phone, template, params, sentence(letter)))

    async def _send_webhook(self, s: _Sending) -> str:
        e, n = s.endpoint, s.notification
        if e is None or e.removed_at is not None:
            raise Permanent("the endpoint was removed")
        now = utcnow()
        secrets = [self.outbox.ring.unseal(e.secret, webhooks.SEALED_AS).decode()]
        if e.previous_secret and e.previous_until and e.previous_until > now:
            secrets.append(self.outbox.ring.unseal(e.previous_secret, webhooks.SEALED_AS).decode())
        body = {
            "type": f"aftersales.{n.topic}",
            "timestamp": n.created_at.isoformat(),
            "data": {
                "notification": n.key,
                "topic": n.topic,
                "subject": n.subject,
                "tracking_no": n.tracking_no or None,
                "enterprise_code": n.enterprise_code,
                "link": _link(self.outbox, n, s.delivery.recipient),
            },
        }
        hook = webhooks.Webhook(url=e.url, secrets=secrets, development=self.outbox.development)
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return await webhooks.deliver(hook, webhooks.message_id(n.key, e.id), content)

    @activity.defn(name=ActivityName.DELIVER)
    async def deliver(self, delivery_id: int) -> None:
        s = await self._sending(delivery_id)
        if s is None:
            return
        d, clear = s.delivery, list[str]()
        try:
            answer = await self._send(s, clear)
        except Temporary as failure:
            error = _masked(str(failure), clear)
            await self._attempt(d.notification_key, d.id, AttemptResult.TEMPORARY, error=error)
            delay = timedelta(seconds=failure.retry_after) if failure.retry_after else None
            raise ApplicationError(error, next_retry_delay=delay) from None
        except Permanent as failure:
            error = _masked(str(failure), clear)
            await self._attempt(d.notification_key, d.id, AttemptResult.PERMANENT, error=error)
            raise ApplicationError(error, type=PERMANENT_FAILURE, non_retryable=True) from None
        await self._attempt(
            d.notification_key, d.id, AttemptResult.SENT, provider_id=_masked(answer, clear)[:200]
        )

    async def _attempt(
        self,
        key: str,
        delivery_id: int,
        result: AttemptResult,
        *,
        provider_id: str | None = None,
        error: str | None = None,
    ) -> None:
        now = utcnow()
        async with self.db.transaction() as session:
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery_id, at=now, result=result, provider_id=provider_id, error=error
                )
            )
            values: dict[str, Any] = {"attempts": Delivery.attempts + 1, "last_error": error}
            if result is AttemptResult.SENT:
                await session.execute(
                    update(NotificationRow)
                    .where(NotificationRow.key == key, NotificationRow.delivered_at.is_(None))
                    .values(delivered_at=now)
                )
                values |= {
                    "status": DeliveryStatus.SENT,
                    "sent_at": now,
                    "ended_at": now,
                    "provider_id": provider_id,
                }
            await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))

    # --- when it will not go ------------------------------------------------------------------

    @activity.defn(name=ActivityName.DEAD_LETTER)
    async def dead_letter(self, letter: DeadLetter) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == letter.delivery_id, Delivery.status != DeliveryStatus.SENT)
                .values(status=DeliveryStatus.DEAD, ended_at=utcnow(), last_error=letter.error)
            )

    @activity.defn(name=ActivityName.RAISE_UNDELIVERED)
    async def raise_undelivered(self, undelivered: Undelivered) -> None:
        """The admins told that an escalation reached no supervisor: in their list, and by e-mail
        or SMS where that works for them."""
        async with self.db.transaction() as session:
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == undelivered.key))
            assert n is not None
            key = f"{undelivered.key}:undelivered"
            errors = "; ".join(sorted(set(undelivered.errors)))
            row = {
                "key": key,
                "recipient_kind": RecipientKind.ROLE.value,
                "recipient_ref": Role.ADMIN.value,
                "topic": "undelivered",
                "subject": f"Undelivered to the supervisors: {n.subject} ({errors})"[:2000],
                "tracking_no": n.tracking_no,
                "enterprise_code": n.enterprise_code,
            }
            await insert_missing(session, NotificationRow, [row], ["key"])
        await self.notifier.start([key])


def _row(key: str, recipient: str, channel: Channel, masked: str, locale: str) -> dict[str, Any]:
    return {
        "notification_key": key,
        "recipient": recipient,
        "channel": channel.value,
        "address_masked": masked,
        "locale": locale if locale in ("zh_CN", "en") else "zh_CN",
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
    }


def _masked(text: str, clear: list[str]) -> str:
    """`text` with each clear address in it masked."""
    for value in clear:
        text = text.replace(value, mask_email(value) if "@" in value else mask_phone(value))
    return text
