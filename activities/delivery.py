"""Delivering a notification: who receives it by which channel (a row per delivery, written
once), each send with its attempt recorded, the dead letters, and an escalation that reached
no one raised to the admins. Addresses are read in clear only here, at the moment of sending;
rows and errors hold them masked."""

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from db.models import Account, Delivery, DeliveryAttempt, Enterprise, NotificationRow, utcnow
from db.session import Database
from db.writes import insert_missing
from delivery.compose import Letter, compose
from delivery.failures import Permanent, Temporary
from delivery.mail import SmtpServer, send_mail
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
from domain.masking import mask_email
from workflows.complaint import ComplaintWorkflow
from workflows.delivery import NotificationWorkflow

CONSUMER = "consumer"


@dataclass(frozen=True)
class Outbox:
    """How notifications go out: the SMTP server (None: no e-mail), the sender, the site's
    address for links, and how long a delivery keeps trying."""

    mail: SmtpServer | None
    sender: str
    reply_to: str
    public_url: str
    retry: DeliveryRetry

    @property
    def enabled(self) -> bool:
        return self.mail is not None


class Notifier:
    """Starts each notification's delivery workflow, once: a second start of the same key is
    refused by Temporal, so a projection retried after a crash starts nothing twice."""

    def __init__(self, client: Client, task_queue: str, outbox: Outbox) -> None:
        self.client, self.task_queue, self.outbox = client, task_queue, outbox

    async def start(self, keys: list[str], *, only: list[int] | None = None, suffix: str = "") -> None:
        if not self.outbox.enabled:
            return
        for key in keys:
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await self.client.start_workflow(
                    NotificationWorkflow.run,
                    NotificationDelivery(key=key, retry=self.outbox.retry, delivery_ids=only or []),
                    id=notification_workflow_id(key) + suffix,
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )


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


class DeliveryActivities:
    def __init__(self, db: Database, client: Client, outbox: Outbox, notifier: Notifier) -> None:
        self.db, self.client, self.outbox, self.notifier = db, client, outbox, notifier

    # --- who, by what -------------------------------------------------------------------------

    async def _accounts(self, n: NotificationRow) -> list[Account]:
        where: Any
        match n.recipient_kind:
            case RecipientKind.ACCOUNT:
                where = Account.id == n.recipient_ref
            case RecipientKind.ROLE:
                where = Account.role == n.recipient_ref
            case RecipientKind.ENTERPRISE:
                where = Account.enterprise_code == n.recipient_ref
            case RecipientKind.AGENCY:
                where = Account.agency_id == n.recipient_ref
            case _:
                return []
        async with self.db.sessions() as session:
            found = await session.execute(
                select(Account).where(where, Account.active.is_(True)).order_by(Account.id)
            )
            return list(found.scalars())

    async def _consumer_email(self, tracking_no: str) -> str | None:
        handle: WorkflowHandle[Any, Any] = self.client.get_workflow_handle(complaint_workflow_id(tracking_no))
        try:
            state = await handle.query(ComplaintWorkflow.state)
        except RPCError as error:
            raise ApplicationError(f"the case did not answer: {error.message}") from error
        return state.intake.consumer.email if state is not None else None

    @activity.defn(name=ActivityName.PLAN_DELIVERIES)
    async def plan_deliveries(self, key: str) -> Planned:
        async with self.db.sessions() as session:
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == key))
        if n is None:
            raise ApplicationError(f"no notification {key}", non_retryable=True)
        rows: list[dict[str, Any]] = []
        if self.outbox.mail is not None:
            if n.recipient_kind == RecipientKind.CONSUMER:
                email = await self._consumer_email(n.tracking_no)
                if email:
                    rows.append(_row(key, CONSUMER, Channel.EMAIL, mask_email(email), "zh_CN"))
            for account in await self._accounts(n):
                if account.email and Channel.EMAIL in account.channels:
                    rows.append(
                        _row(key, account.id, Channel.EMAIL, mask_email(account.email), account.locale)
                    )
        async with self.db.transaction() as session:
            await insert_missing(session, Delivery, rows, ["notification_key", "recipient", "channel"])
            ids = await session.scalars(
                select(Delivery.id).where(Delivery.notification_key == key).order_by(Delivery.id)
            )
            planned = list(ids)
        escalation = n.topic in ESCALATIONS and (n.recipient_kind, n.recipient_ref) == (
            RecipientKind.ROLE,
            Role.SUPERVISOR,
        )
        return Planned(delivery_ids=planned, escalation=escalation)

    # --- one send -----------------------------------------------------------------------------

    @activity.defn(name=ActivityName.DELIVER)
    async def deliver(self, delivery_id: int) -> None:
        async with self.db.sessions() as session:
            d = await session.get(Delivery, delivery_id)
            if d is None:
                raise ApplicationError(
                    f"no delivery {delivery_id}", type=PERMANENT_FAILURE, non_retryable=True
                )
            if d.status == DeliveryStatus.SENT:
                return  # sent by an earlier attempt whose completion was lost
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == d.notification_key))
            account = await session.get(Account, d.recipient) if d.recipient != CONSUMER else None
            name = ""
            if n is not None and n.enterprise_code:
                enterprise = await session.get(Enterprise, n.enterprise_code)
                name = enterprise.name if enterprise else n.enterprise_code
        assert n is not None
        address = await self._consumer_email(n.tracking_no) if account is None else account.email
        try:
            if self.outbox.mail is None:
                raise Permanent("e-mail is not configured")
            if not address:
                raise Permanent("the recipient has no e-mail address any more")
            letter = Letter(
                delivery_id=d.id,
                key=d.notification_key,
                topic=n.topic,
                recorded=n.subject,
                tracking_no=n.tracking_no,
                enterprise_name=name,
                locale=d.locale,
                link=_link(self.outbox, n, d.recipient),
                for_consumer=account is None,
                at=n.created_at,
            )
            message = compose(letter, sender=self.outbox.sender, to=address, reply_to=self.outbox.reply_to)
            reply = await send_mail(self.outbox.mail, message)
        except Temporary as failure:
            error = _masked(str(failure), address)
            await self._attempt(d.notification_key, d.id, AttemptResult.TEMPORARY, error=error)
            delay = timedelta(seconds=failure.retry_after) if failure.retry_after else None
            raise ApplicationError(error, next_retry_delay=delay) from None
        except Permanent as failure:
            error = _masked(str(failure), address)
            await self._attempt(d.notification_key, d.id, AttemptResult.PERMANENT, error=error)
            raise ApplicationError(error, type=PERMANENT_FAILURE, non_retryable=True) from None
        await self._attempt(
            d.notification_key, d.id, AttemptResult.SENT, provider_id=_masked(reply, address)[:200]
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
        where that works for them."""
        async with self.db.transaction() as session:
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == undelivered.key))
            assert n is not None
            key = f"{undelivered.key}:undelivered"
            subject = (
                f"Undelivered to the supervisors: {n.subject} ({'; '.join(sorted(set(undelivered.errors)))})"
            )
            row = {
                "key": key,
                "recipient_kind": RecipientKind.ROLE.value,
                "recipient_ref": Role.ADMIN.value,
                "topic": "undelivered",
                "subject": subject[:2000],
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


def _masked(text: str, address: str | None) -> str:
    return text.replace(address, mask_email(address)) if address else text
