"""Notifications written to the outbox as a workflow writes them, and their deliveries awaited."""

from temporalio.testing import WorkflowEnvironment

from activities.delivery import Notifier
from db.models import Delivery, NotificationRow
from db.session import Database
from db.writes import insert_missing
from settings import Settings
from tests.support import ENTERPRISE_CODE, eventually, rows
from worker import outbox


async def ended(db: Database, key_part: str, count: int = 1) -> list[Delivery]:
    """The deliveries of the notifications whose key ends with `key_part`, once `count` have ended."""

    async def probe() -> list[Delivery] | None:
        found = await rows(db, Delivery, Delivery.notification_key.endswith(key_part))
        done = [d for d in found if d.status != "pending"]
        return found if len(done) >= count else None

    found: list[Delivery] = await eventually(probe, what=f"deliveries of {key_part}")
    return found


async def notify(
    env: WorkflowEnvironment,
    settings: Settings,
    db: Database,
    topic: str,
    ref: str,
    notifier: Notifier | None = None,
) -> str:
    """A notification written to the outbox as a workflow writes it, and its delivery started
    (by `notifier`, kept open, or by one of its own)."""
    key = f"test:{settings.task_queue}:{topic}:{ref}"
    async with db.transaction() as session:
        row = {
            "key": key,
            "recipient_kind": "role",
            "recipient_ref": ref,
            "topic": topic,
            "subject": f"Case CP-T-1: {topic}",
            "tracking_no": "CP-T-1",
            "enterprise_code": ENTERPRISE_CODE,
        }
        await insert_missing(session, NotificationRow, [row], ["key"])
    if notifier is not None:
        await notifier.start([key])
        return key
    notifier = Notifier(env.client, settings.delivery_task_queue, outbox(settings), db)
    try:
        await notifier.start([key])  # the first try made here, as by the step that wrote it
    finally:
        if notifier.outbox.mail is not None:
            await notifier.outbox.mail.close()
    return key
