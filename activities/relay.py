"""The first try of every delivery, made by the deliveries' process as soon as the step that
wrote the notification has planned it (the outbox's relay): no workflow for a delivery that goes
out at once. A delivery that failed for now is handed to its notification's delivery workflow,
which retries it after the first interval; one the channel refused for good is dead-lettered;
an escalation none of whose deliveries went out is raised to the admins.

Each look claims the deliveries of a few notifications, all of one notification together, for a
lease: several relays (processes) share the work and never try one delivery at once, and what a
relay that died had claimed is taken up when its lease ends. A claimed delivery found tried
before is handed on without a second try. A relay claims only what its channels can send."""

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update

from activities.delivery import Notifier, is_escalation
from activities.sending import Tried
from db.models import Delivery, NotificationRow, utcnow
from domain.delivery import Channel, DeliveryStatus, NotificationDelivery, Undelivered

log = logging.getLogger(__name__)

# How long a first try may take; a slower answer is a failure for now, left to the retries.
FIRST_TRY_LIMIT = timedelta(seconds=5)
LEASE = timedelta(minutes=2)  # a claim outlives any first try by far


class Relay:
    def __init__(self, notifier: Notifier, *, idle: float = 0.2, batch: int = 50, at_once: int = 20) -> None:
        """`idle`: seconds between looks when the last found nothing; `batch`: notifications a
        look claims; `at_once`: notifications tried together."""
        self.notifier, self.sender, self.db = notifier, notifier.sender, notifier.db
        self.idle, self.batch = idle, batch
        outbox = notifier.outbox  # the channels this relay can send by: it claims those only
        configured = ((Channel.EMAIL, outbox.mail), (Channel.SMS, outbox.sms), (Channel.WEBHOOK, True))
        self.channels = [channel.value for channel, on in configured if on]
        self._slots = asyncio.Semaphore(at_once)
        self._trying: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Look, claim and try until stopped; a look that failed (the database away) is made
        again after the idle time."""
        while not self._stopping.is_set():
            claimed: dict[str, list[int]] = {}
            try:
                claimed = await self._claim()
            except Exception:
                log.exception("the relay could not claim deliveries; it looks again")
            for key, ids in claimed.items():
                await self._slots.acquire()
                task = asyncio.create_task(self._first_tries(key, ids))
                self._trying.add(task)
                task.add_done_callback(self._done)
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.idle)
        await asyncio.gather(*self._trying, return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._trying.discard(task)
        self._slots.release()
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a first try failed; its claim ends and it is tried again", exc_info=error)

    async def _claim(self) -> dict[str, list[int]]:
        """The deliveries of up to `batch` notifications no one is trying, oldest first: ids by
        notification, claimed for this look alone."""
        now, token = utcnow(), f"relay-{secrets.token_hex(8)}"
        free = and_(
            Delivery.status == DeliveryStatus.PENDING.value,
            Delivery.handed_at.is_(None),
            Delivery.channel.in_(self.channels),
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
        async with self.db.transaction() as session:
            keys = list(
                await session.scalars(
                    select(Delivery.notification_key)
                    .where(free)
                    .group_by(Delivery.notification_key)
                    .order_by(func.min(Delivery.id))
                    .limit(self.batch)
                )
            )
            if not keys:
                return {}
            await session.execute(
                update(Delivery)
                .where(free, Delivery.notification_key.in_(keys))
                .values(claimed_by=token, claimed_until=now + LEASE)
            )
        async with self.db.sessions() as session:
            found = await session.execute(
                select(Delivery.notification_key, Delivery.id)
                .where(Delivery.claimed_by == token)
                .order_by(Delivery.id)
            )
            claimed: dict[str, list[int]] = {}
            for key, delivery_id in found.all():
                claimed.setdefault(key, []).append(delivery_id)
            return claimed

    async def _first_tries(self, key: str, ids: list[int]) -> None:
        """The notification's deliveries tried; what failed for now handed to its workflow,
        after the first interval (or the receiver's Retry-After)."""
        limit = min(self.notifier.outbox.retry.attempt_timeout, FIRST_TRY_LIMIT)
        tries = await asyncio.gather(*(self.sender.first_try(i, limit) for i in ids))
        later = {i: t for i, t in zip(ids, tries, strict=True) if t.wait is not None}
        failed = [t.error for t in tries if t.error and t.wait is None]
        unheard = await self._escalation(key) and not any(t.sent for t in tries)
        retry = self.notifier.outbox.retry.after_first_try(_longest(later)) if later else None
        if later and retry is None:  # no try left: what failed for now is dead
            await asyncio.gather(*(self.sender.dead_letter(i, t.error) for i, t in later.items()))
            failed += [t.error for t in later.values()]
            later = {}
        if later and retry is not None:
            await self.notifier.launch(
                NotificationDelivery(
                    key=key,
                    retry=retry,
                    delivery_ids=list(later),
                    escalation=unheard,
                    retry_in=_longest(later),
                    failed=failed,
                )
            )
            async with self.db.transaction() as session:
                await session.execute(
                    update(Delivery).where(Delivery.id.in_(list(later))).values(handed_at=utcnow())
                )
        elif unheard:
            await self.notifier.raise_undelivered(Undelivered(key=key, errors=failed))

    async def _escalation(self, key: str) -> bool:
        async with self.db.sessions() as session:
            n = await session.scalar(select(NotificationRow).where(NotificationRow.key == key))
        return n is not None and is_escalation(n)


def _longest(tried: dict[int, Tried]) -> timedelta:
    return max((t.wait for t in tried.values() if t.wait is not None), default=timedelta(0))
