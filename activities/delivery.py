"""Delivering a notification: who receives it by which channel (a row per delivery, written
once), the first try made at once by the step that wrote it, and a workflow only for what is
left to retry; the dead letters, and an escalation that reached no one raised to the admins."""

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.sending import CONSUMER, WEBHOOK, Brought, Outbox, Sender, Tried, consumer_of
from db.models import Account, Complaint, Delivery, Enterprise, NotificationRow, WebhookEndpoint
from db.session import Database
from db.writes import insert_missing
from delivery import webhooks
from domain.bureaus import TOP, covers
from domain.complaint.messages import ConsumerDetails
from domain.delivery import (
    ESCALATIONS,
    Channel,
    DeadLetter,
    DeliveryStatus,
    NotificationDelivery,
    Planned,
    Undelivered,
)
from domain.enums import RecipientKind, Role
from domain.ids import ActivityName, notification_workflow_id
from domain.masking import mask_email, mask_phone
from workflows.delivery import NotificationWorkflow

# How long a first try may hold up the step that made it; a slower answer is a failure for now,
# retried by the notification's workflow like any other.
FIRST_TRY_LIMIT = timedelta(seconds=5)
# What a try leaves of its attempt's time, to record its failure before Temporal retries it.
ATTEMPT_MARGIN = timedelta(seconds=5)


def time_left(info: activity.Info) -> timedelta | None:
    """How long this try may wait on the receiver: what is left of its attempt's time, less a
    margin (a tenth of the attempt at most); None when the attempt has no limit."""
    if info.start_to_close_timeout is None:
        return None
    margin = min(ATTEMPT_MARGIN, info.start_to_close_timeout / 10)
    spent = datetime.now(UTC) - info.started_time
    return max(info.start_to_close_timeout - spent - margin, timedelta(0))


class Notifier:
    """Plans each notification's deliveries (a row per recipient and channel, written once),
    tries each at once, and starts a workflow for those left to retry, once: a second start of
    the same key is refused by Temporal. A step retried after a crash plans the same rows, finds
    what went out, and hands what was tried before to the retries, so nothing is sent twice by
    it. With no e-mail or SMS, only an enterprise's notification to an enterprise with a webhook
    is delivered."""

    def __init__(self, client: Client, task_queue: str, outbox: Outbox, db: Database) -> None:
        self.client, self.task_queue, self.outbox, self.db = client, task_queue, outbox, db
        self.sender = Sender(db, client, outbox)

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

    async def start(self, keys: list[str], brought: Brought | None = None) -> None:
        """Each notification planned and tried; one with no one to send to, nothing more.
        `brought`: the consumers' details the step that wrote them brings."""
        plans = await self.plans(await self.wanted(keys), brought)
        ids = [i for p in plans.values() for i in p.delivery_ids]
        if not ids:
            return
        limit = min(self.outbox.retry.attempt_timeout, FIRST_TRY_LIMIT)
        tried = dict(zip(ids, await self.sender.first_tries(ids, limit, brought), strict=True))
        await asyncio.gather(
            *(
                self._deliver(key, p, [tried[i] for i in p.delivery_ids])
                for key, p in plans.items()
                if p.delivery_ids
            )
        )

    async def _deliver(self, key: str, planned: Planned, tries: list[Tried]) -> None:
        """After the first tries: the ones that failed for now handed to a workflow that retries
        them after the first interval (or the receiver's Retry-After). An escalation none of whose
        deliveries went out, and none is left to retry, is raised to the admins now."""
        later = {i: t for i, t in zip(planned.delivery_ids, tries, strict=True) if t.wait is not None}
        failed = [t.error for t in tries if t.error and t.wait is None]
        unheard = planned.escalation and not any(t.sent for t in tries)
        if not later:
            if unheard:
                await self.raise_undelivered(Undelivered(key=key, errors=failed))
            return
        wait = max(t.wait for t in later.values() if t.wait is not None)
        retry = self.outbox.retry.after_first_try(wait)
        if retry is None:  # no try left: what failed for now is dead
            await asyncio.gather(*(self.sender.dead_letter(i, t.error) for i, t in later.items()))
            if unheard:
                errors = [*failed, *(t.error for t in later.values())]
                await self.raise_undelivered(Undelivered(key=key, errors=errors))
            return
        retries = NotificationDelivery(
            key=key,
            retry=retry,
            delivery_ids=list(later),
            escalation=unheard,
            retry_in=wait,
            failed=failed,
        )
        await self._launch(retries)

    async def _launch(self, delivery: NotificationDelivery) -> None:
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self.client.start_workflow(
                NotificationWorkflow.run,
                delivery,
                id=notification_workflow_id(delivery.key),
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )

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
        await self.start([key])

    async def plan(self, key: str) -> Planned:
        """The notification's deliveries, written where missing: the same rows however often."""
        return (await self.plans([key]))[key]

    async def plans(self, keys: list[str], brought: Brought | None = None) -> dict[str, Planned]:
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
            cases = {n.tracking_no for n in notes.values() if n.tracking_no}
            of_cases = select(Complaint.tracking_no, Complaint.bureau_code).where(
                Complaint.tracking_no.in_(cases)
            )
            bureaus: dict[str, str | None] = {no: code for no, code in await session.execute(of_cases)}
            about = {n.enterprise_code for n in notes.values() if not n.tracking_no and n.enterprise_code}
            registered = await session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(about)))
            divisions = {e.credit_code: e.division for e in registered}
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
            rows += await self._consumer_rows(n, (brought or {}).get(n.tracking_no))
            hooks = endpoints.get(n.recipient_ref, []) if n.recipient_kind == RecipientKind.ENTERPRISE else []
            reached = accounts[(n.recipient_kind, n.recipient_ref)]
            if n.recipient_kind == RecipientKind.ROLE and (n.tracking_no or n.enterprise_code):
                # a bureau's staff: about a case or an enterprise of its area
                where = (
                    bureaus.get(n.tracking_no) if n.tracking_no else divisions.get(n.enterprise_code or "")
                )
                reached = [a for a in reached if a.bureau_code is None or covers(a.bureau_code, where)]
            rows += self._rows(n, reached, hooks)
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

    async def _consumer_rows(
        self, n: NotificationRow, brought: ConsumerDetails | None
    ) -> list[dict[str, Any]]:
        mail, sms = self.outbox.mail is not None, self.outbox.sms is not None
        if n.recipient_kind != RecipientKind.CONSUMER or not (mail or sms):
            return []
        consumer = brought or await consumer_of(self.client, n.tracking_no)
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
        case RecipientKind.BUREAU:  # its supervisors; the top's are those of no bureau too
            mine = Account.bureau_code.is_(None) | (Account.bureau_code == TOP) if ref == TOP else None
            where = (Account.role == Role.SUPERVISOR.value) & (
                mine if mine is not None else Account.bureau_code == ref
            )
        case _:
            return []
    found = await session.scalars(select(Account).where(where, Account.active.is_(True)).order_by(Account.id))
    return list(found)


class DeliveryActivities:
    """The deliveries' worker's activities: a retry, a dead letter, an undelivered escalation."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier, self.sender = notifier, notifier.sender

    @activity.defn(name=ActivityName.PLAN_DELIVERIES)
    async def plan_deliveries(self, key: str) -> Planned:
        """The plan, for a delivery workflow started without one."""
        return await self.notifier.plan(key)

    @activity.defn(name=ActivityName.DELIVER)
    async def deliver(self, delivery_id: int) -> None:
        """One try, ended by itself just before its attempt's time is up: Temporal starts the next
        try then, and two tries waiting on a receiver together could both send."""
        await self.sender.send(delivery_id, limit=time_left(activity.info()))

    @activity.defn(name=ActivityName.DEAD_LETTER)
    async def dead_letter(self, letter: DeadLetter) -> None:
        await self.sender.dead_letter(letter.delivery_id, letter.error)

    @activity.defn(name=ActivityName.RAISE_UNDELIVERED)
    async def raise_undelivered(self, undelivered: Undelivered) -> None:
        await self.notifier.raise_undelivered(undelivered)


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
