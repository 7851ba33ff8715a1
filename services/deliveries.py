"""Where the notifications went: every delivery with its attempts, the dead letters and their
redelivery, for the admins; and, in development, the mail the local sink received."""

from sqlalchemy import select, update
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError

from db.models import Delivery, DeliveryAttempt, NotificationRow
from delivery.sink import read_kept
from delivery.sms import read_sent
from domain.delivery import DeliveryStatus, NotificationDelivery
from domain.enums import Role
from domain.ids import notification_workflow_id
from services.context import Context
from services.errors import Conflict, NotFound, Unavailable
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from workflows.delivery import NotificationWorkflow

ADMINS = frozenset({Role.ADMIN})


class AttemptOut(Output):
    at: LocalTime
    result: str
    provider_id: str | None
    error: str | None


class DeliveryOut(Output):
    id: int
    notification_key: str
    topic: str
    subject: str
    tracking_no: str
    enterprise_code: str | None
    enterprise_name: str | None = None
    recipient: str
    channel: str
    address_masked: str
    status: str
    attempts: int
    last_error: str | None
    created_at: LocalTime
    sent_at: LocalTime | None
    ended_at: LocalTime | None


class DeliveryDetail(DeliveryOut):
    tries: list[AttemptOut]


class KeptText(Output):
    at: LocalTime
    to: str  # masked
    template: str
    text: str


class KeptMail(Output):
    received_at: LocalTime
    sender: str
    to: str
    subject: str
    text: str


def _out(row: tuple[Delivery, NotificationRow]) -> DeliveryOut:
    d, n = row
    fields = {name: getattr(d, name) for name in DeliveryOut.model_fields if hasattr(d, name)}
    return DeliveryOut(
        **fields,
        topic=n.topic,
        subject=n.subject,
        tracking_no=n.tracking_no,
        enterprise_code=n.enterprise_code,
    )


async def list_deliveries(
    ctx: Context, *, principal: Principal, status: DeliveryStatus | None, paging: PageRequest
) -> Page[DeliveryOut]:
    """The newest first; of one status (the dead letters, say), if asked."""
    principal.require(ADMINS)
    statement = (
        select(Delivery, NotificationRow)
        .join(NotificationRow, NotificationRow.key == Delivery.notification_key)
        .order_by(Delivery.id.desc())
    )
    if status is not None:
        statement = statement.where(Delivery.status == status.value)
    return await paginate(ctx.session, statement, paging, _out)


async def get_delivery(ctx: Context, *, principal: Principal, delivery_id: int) -> DeliveryDetail:
    principal.require(ADMINS)
    found = (
        await ctx.session.execute(
            select(Delivery, NotificationRow)
            .join(NotificationRow, NotificationRow.key == Delivery.notification_key)
            .where(Delivery.id == delivery_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"no delivery {delivery_id}")
    tries = await ctx.session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.id)
    )
    out = _out((found[0], found[1]))
    return DeliveryDetail(**out.model_dump(), tries=[AttemptOut.model_validate(t) for t in tries])


async def redeliver(ctx: Context, *, principal: Principal, delivery_id: int) -> DeliveryDetail:
    """A dead letter tried again, as a new delivery workflow of that delivery alone."""
    principal.require(ADMINS)
    d = await ctx.session.get(Delivery, delivery_id)
    if d is None:
        raise NotFound(f"no delivery {delivery_id}")
    if d.status != DeliveryStatus.DEAD:
        raise Conflict(f"delivery {delivery_id} is {d.status}: only a dead letter is redelivered")
    await ctx.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.PENDING.value, ended_at=None)
    )
    await ctx.session.commit()
    try:
        await ctx.temporal.start_workflow(
            NotificationWorkflow.run,
            NotificationDelivery(
                key=d.notification_key, retry=ctx.settings.delivery_retry(), delivery_ids=[d.id]
            ),
            id=f"{notification_workflow_id(d.notification_key)}:redelivery-{d.id}-{d.attempts}",
            task_queue=ctx.settings.delivery_task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except RPCError as error:
        await ctx.session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status=DeliveryStatus.DEAD.value)
        )
        await ctx.session.commit()
        raise Unavailable(f"Temporal: {error.message}; the letter stays dead") from error
    ctx.audit.detail = f"redelivery of delivery {delivery_id} ({d.notification_key})"
    return await get_delivery(ctx, principal=principal, delivery_id=delivery_id)


def kept_mail(ctx: Context, *, principal: Principal, limit: int = 50) -> list[KeptMail]:
    """What the development mail sink received, newest first (nothing outside development)."""
    principal.require(ADMINS)
    if ctx.settings.environment != "development":
        return []
    return [
        KeptMail(received_at=m.received_at, sender=m.sender, to=m.to, subject=m.subject, text=m.text)
        for m in read_kept(ctx.settings.mail_dir, limit)
    ]


def kept_texts(ctx: Context, *, principal: Principal, limit: int = 50) -> list[KeptText]:
    """What the development SMS file holds, newest first (nothing outside development)."""
    principal.require(ADMINS)
    if ctx.settings.environment != "development":
        return []
    return [KeptText.model_validate(t) for t in read_sent(ctx.settings.sms_file, limit)]
