"""One send of one delivery: the recipient's address read in clear only here, at the moment of
sending (a consumer's from the case itself, or as the step that wrote the case brings it), the
message composed for its channel, and the attempt recorded with every address in it masked."""

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from activities.asking import unless_stopping
from db.models import Account, Delivery, DeliveryAttempt, Enterprise, NotificationRow, WebhookEndpoint, utcnow
from db.session import Database
from delivery import webhooks
from delivery.compose import Letter, compose, sentence
from delivery.failures import Permanent, Temporary
from delivery.mail import MailRelay
from delivery.sms import SmsGateway, SmsMessage
from domain.complaint.messages import ConsumerDetails
from domain.delivery import PERMANENT_FAILURE, AttemptResult, Channel, DeliveryRetry, DeliveryStatus
from domain.ids import complaint_workflow_id
from domain.masking import mask_email, mask_phone
from telemetry import DELIVERIES
from temporal_client import KeyRing
from workflows.complaint import ComplaintWorkflow

CONSUMER = "consumer"
WEBHOOK = "webhook:"  # a delivery's recipient: webhook:<endpoint id>
# After a first try that had no answer in time, first tries by the same way (the mail server,
# the SMS gateway, one webhook endpoint) are held back this long, handed straight to their
# retries: a server that hangs holds up one step of the cases, not each of them.
HOLD_BACK = timedelta(seconds=60)
# The consumers' details a step brings with it, by their cases' tracking numbers: its deliveries
# need not ask the case by a query.
Brought = Mapping[str, ConsumerDetails]


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


@dataclass(frozen=True)
class Tried:
    """What a delivery's first try came to: sent (now or before); else `error`, and `wait`
    before the next try, or None when it is dead-lettered."""

    sent: bool = False
    error: str = ""
    wait: timedelta | None = None


@dataclass(frozen=True)
class _Attempt:
    """What one try came to, to be recorded: sent, or failed for now (to be tried again, after
    `retry_after` if the receiver asked) or for good."""

    delivery: Delivery
    result: AttemptResult
    provider_id: str | None = None
    error: str | None = None
    retry_after: timedelta | None = None


@dataclass
class _Sending:
    """One delivery about to be sent, with what it is about."""

    delivery: Delivery
    notification: NotificationRow
    account: Account | None
    endpoint: WebhookEndpoint | None
    enterprise_name: str
    consumer: ConsumerDetails | None = None  # brought by the step, else asked of the case


class Sender:
    def __init__(self, db: Database, client: Client, outbox: Outbox) -> None:
        self.db, self.client, self.outbox = db, client, outbox
        self._held: dict[str, float] = {}  # the ways held back, until (monotonic seconds)

    async def send(self, delivery_id: int, limit: timedelta | None = None) -> None:
        """Send the delivery unless it went out before, given `limit` to answer (else the
        channel's own); a failure raised as Temporal's error, final (PERMANENT_FAILURE) or to be
        retried (after the receiver's Retry-After)."""
        s = (await self._sendings([delivery_id], {}))[delivery_id]
        if s is None:
            return
        attempt = await self._try(s, limit=limit.total_seconds() if limit is not None else None)
        await self._record([attempt])
        if attempt.result is AttemptResult.PERMANENT:
            raise ApplicationError(attempt.error or "", type=PERMANENT_FAILURE, non_retryable=True)
        if attempt.result is AttemptResult.TEMPORARY:
            raise ApplicationError(attempt.error or "", next_retry_delay=attempt.retry_after)

    async def first_tries(
        self, delivery_ids: list[int], limit: timedelta, brought: Brought | None = None
    ) -> list[Tried]:
        """The first try of each delivery, where its notification was planned, given `limit` to
        answer: all read in one query, sent together, their attempts recorded in one
        transaction. A delivery tried before (this step retried after a crash) is left to its
        retries, and one that failed for good is dead-lettered."""
        sendings = await self._sendings(delivery_ids, brought or {})
        ended = await asyncio.gather(
            *(self._first_try(sendings[i], limit) for i in delivery_ids), return_exceptions=True
        )
        tried = [t for t in ended if not isinstance(t, BaseException)]
        # What went out is recorded even when another try broke: the step is run again then,
        # and must find it sent.
        await self._record([attempt for _, attempt in tried if attempt is not None], dead_letter=True)
        if broken := next((t for t in ended if isinstance(t, BaseException)), None):
            raise broken
        return [outcome for outcome, _ in tried]

    async def _first_try(self, s: _Sending | None, limit: timedelta) -> tuple[Tried, _Attempt | None]:
        if s is None:
            return Tried(sent=True), None
        d, first_interval = s.delivery, self.outbox.retry.first_interval
        if d.status == DeliveryStatus.DEAD:
            return Tried(error=d.last_error or "dead-lettered"), None
        if d.attempts:
            return Tried(error=d.last_error or "tried before", wait=first_interval), None
        if time.monotonic() < self._held.get(_way(d), 0.0):
            held = f"held back: no answer within {limit.total_seconds():g} s a moment ago"
            return Tried(error=held, wait=first_interval), _Attempt(d, AttemptResult.TEMPORARY, error=held)
        attempt = await self._try(s, limit=limit.total_seconds())
        match attempt.result:
            case AttemptResult.SENT:
                return Tried(sent=True), attempt
            case AttemptResult.PERMANENT:
                return Tried(error=attempt.error or ""), attempt
        return Tried(error=attempt.error or "", wait=attempt.retry_after or first_interval), attempt

    async def dead_letter(self, delivery_id: int, error: str) -> None:
        async with self.db.transaction() as session:
            await _dead_letter(session, delivery_id, error)

    async def _sendings(self, delivery_ids: list[int], brought: Brought) -> dict[int, _Sending | None]:
        """Each delivery with its notification, its recipient's account and the enterprise's
        name, read together; None for one sent already (by an earlier attempt whose completion
        was lost)."""
        async with self.db.sessions() as session:
            found = (
                await session.execute(
                    select(Delivery, NotificationRow, Account, Enterprise.name)
                    .join(NotificationRow, NotificationRow.key == Delivery.notification_key)
                    .outerjoin(Account, Account.id == Delivery.recipient)
                    .outerjoin(Enterprise, Enterprise.credit_code == NotificationRow.enterprise_code)
                    .where(Delivery.id.in_(delivery_ids))
                )
            ).all()
            hooks = [
                int(d.recipient.removeprefix(WEBHOOK)) for d, *_ in found if d.recipient.startswith(WEBHOOK)
            ]
            endpoints = {
                e.id: e
                for e in (
                    await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(hooks)))
                    if hooks
                    else []
                )
            }
        if missing := set(delivery_ids) - {d.id for d, *_ in found}:
            raise ApplicationError(
                f"no delivery {', '.join(map(str, sorted(missing)))}",
                type=PERMANENT_FAILURE,
                non_retryable=True,
            )
        sendings: dict[int, _Sending | None] = {}
        for d, n, recipient, registered_name in found:
            if d.status == DeliveryStatus.SENT:
                sendings[d.id] = None
                continue
            webhook = d.recipient.startswith(WEBHOOK)
            endpoint = endpoints.get(int(d.recipient.removeprefix(WEBHOOK))) if webhook else None
            account = recipient if d.recipient != CONSUMER and not webhook else None
            name = registered_name if registered_name is not None else n.enterprise_code or ""
            consumer = brought.get(n.tracking_no) if d.recipient == CONSUMER else None
            sendings[d.id] = _Sending(d, n, account, endpoint, name, consumer)
        return sendings

    async def _try(self, s: _Sending, limit: float | None) -> _Attempt:
        """One attempt, within `limit` seconds if given, else the activity's own; what it came
        to, for the caller to record."""
        d, clear = s.delivery, list[str]()
        try:
            try:
                answer = await asyncio.wait_for(self._send(s, clear), limit)
            except TimeoutError:
                self._held[_way(d)] = time.monotonic() + HOLD_BACK.total_seconds()
                raise Temporary(f"no answer within {limit:g} s") from None
        except Temporary as failure:
            delay = timedelta(seconds=failure.retry_after) if failure.retry_after else None
            return _Attempt(d, AttemptResult.TEMPORARY, error=_masked(str(failure), clear), retry_after=delay)
        except Permanent as failure:
            return _Attempt(d, AttemptResult.PERMANENT, error=_masked(str(failure), clear))
        return _Attempt(d, AttemptResult.SENT, provider_id=_masked(answer, clear)[:200])

    async def _record(self, attempts: list[_Attempt], *, dead_letter: bool = False) -> None:
        """The attempts, in one transaction; with `dead_letter`, a delivery that failed for good
        is dead-lettered with them."""
        if not attempts:
            return
        now = utcnow()
        async with self.db.transaction() as session:
            await session.execute(
                insert(DeliveryAttempt),
                [
                    {
                        "delivery_id": a.delivery.id,
                        "at": now,
                        "result": a.result,
                        "provider_id": a.provider_id,
                        "error": a.error,
                    }
                    for a in attempts
                ],
            )
            for a in attempts:
                values: dict[str, Any] = {"attempts": Delivery.attempts + 1, "last_error": a.error}
                if a.result is AttemptResult.SENT:
                    await session.execute(
                        update(NotificationRow)
                        .where(
                            NotificationRow.key == a.delivery.notification_key,
                            NotificationRow.delivered_at.is_(None),
                        )
                        .values(delivered_at=now)
                    )
                    values |= {
                        "status": DeliveryStatus.SENT,
                        "sent_at": now,
                        "ended_at": now,
                        "provider_id": a.provider_id,
                    }
                await session.execute(update(Delivery).where(Delivery.id == a.delivery.id).values(**values))
                if dead_letter and a.result is AttemptResult.PERMANENT:
                    await _dead_letter(session, a.delivery.id, a.error or "")
        for a in attempts:
            DELIVERIES.labels(a.delivery.channel, str(a.result)).inc()

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
            consumer = s.consumer or await consumer_of(self.client, s.notification.tracking_no)
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


async def consumer_of(client: Client, tracking_no: str) -> ConsumerDetails | None:
    """The consumer's details, from the case (its history keeps them encrypted)."""
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(complaint_workflow_id(tracking_no))
    try:
        return await unless_stopping(handle.query(ComplaintWorkflow.consumer), "the case")
    except RPCError as error:
        raise ApplicationError(f"the case did not answer: {error.message}") from error


async def _dead_letter(session: AsyncSession, delivery_id: int, error: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status != DeliveryStatus.SENT)
        .values(status=DeliveryStatus.DEAD, ended_at=utcnow(), last_error=error)
    )


def _way(d: Delivery) -> str:
    """How the delivery goes: its channel, or for a webhook its endpoint."""
    return d.recipient if d.channel == Channel.WEBHOOK else d.channel


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


def _masked(text: str, clear: list[str]) -> str:
    """`text` with each clear address in it masked."""
    for value in clear:
        text = text.replace(value, mask_email(value) if "@" in value else mask_phone(value))
    return text
