"""The read model: every state change a workflow reports, written once.

A case row moves only forward (a higher revision replaces a lower one); events, violations
and notifications are keyed by what caused them, so a retried activity writes nothing twice.
Notifications go into the outbox in the same transaction as the change they announce; a case
step's report to its enterprise's supervision is sent once the step is committed.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import Notifier
from activities.sending import Brought
from db.models import (
    CaseEventRow,
    Complaint,
    Enterprise,
    EnterpriseSupervision,
    NotificationRow,
    PublicNoticeRow,
    SupervisionEventRow,
    SupervisionMeasure,
    Task,
    ViolationRow,
)
from db.session import Database
from db.writes import insert_missing, move_forward
from domain.ids import ActivityName
from domain.messages import CaseEvent, Notification
from domain.readmodel import CaseUpdate, SupervisionUpdate, TaskUpdate, case_row
from domain.supervision.messages import CaseReport
from telemetry import BREACH_LAG


def _event_rows(tracking_no: str, source: str, events: list[CaseEvent]) -> list[dict[str, Any]]:
    return [
        {
            "tracking_no": tracking_no,
            "source": source,
            "seq": e.seq,
            "at": e.at,
            "kind": e.kind,
            "summary": e.summary,
            "actor_id": e.actor.id,
            "actor_role": e.actor.role.value,
            "data": e.model_dump(mode="json")["data"],
        }
        for e in events
    ]


def _notification_rows(notifications: list[Notification]) -> list[dict[str, Any]]:
    return [
        {
            "key": n.key,
            "enterprise_code": n.enterprise_code or None,
            "recipient_kind": n.recipient.kind,
            "recipient_ref": n.recipient.ref,
            "topic": n.topic,
            "subject": n.subject,
            "tracking_no": n.tracking_no,
        }
        for n in notifications
    ]


async def _division(session: AsyncSession, enterprise_code: str, region_code: str) -> str:
    """The division a case's bureau is found by: the registered enterprise's, else the complaint's."""
    registered = await session.get(Enterprise, enterprise_code)
    return (registered.division if registered else None) or region_code


async def _record_events(
    session: AsyncSession,
    tracking_no: str,
    source: str,
    events: list[CaseEvent],
    notifications: list[Notification],
) -> None:
    await insert_missing(session, CaseEventRow, _event_rows(tracking_no, source, events), ["source", "seq"])
    await insert_missing(session, NotificationRow, _notification_rows(notifications), ["key"])


class ProjectionActivities:
    def __init__(
        self,
        db: Database,
        notifier: Notifier | None = None,
        report: Callable[[CaseReport], Awaitable[None]] | None = None,
    ) -> None:
        self.db, self.notifier, self.report = db, notifier, report

    async def _deliver(self, notifications: list[Notification], brought: Brought | None = None) -> None:
        """Once the outbox rows are committed, each one's delivery starts (once)."""
        if self.notifier is not None and notifications:
            await self.notifier.start([n.key for n in notifications], brought)

    @activity.defn(name=ActivityName.RECORD_CASE)
    async def record_case(self, update: CaseUpdate) -> None:
        snap = update.snapshot
        fields = case_row(snap)
        async with self.db.transaction() as session:
            await insert_missing(
                session,
                Enterprise,
                [{"credit_code": snap.enterprise_code, "name": snap.enterprise_name, "registered": False}],
                ["credit_code"],
            )
            if fields["bureau_code"] is None:  # a case from before bureaus: found by its division
                fields["bureau_code"] = await _division(session, snap.enterprise_code, snap.region_code)
            await move_forward(session, Complaint, fields)
            await _record_events(
                session, snap.tracking_no, snap.workflow_id, update.events, update.notifications
            )
            await insert_missing(
                session,
                ViolationRow,
                [
                    {
                        "tracking_no": snap.tracking_no,
                        "seq": v.seq,
                        "enterprise_code": v.enterprise_code,
                        "kind": v.kind.value,
                        "offence": v.offence.value if v.offence else None,
                        "at": v.at,
                        "detail": v.detail,
                        "withdrawn_at": v.withdrawn_at,
                    }
                    for v in update.violations
                ],
                ["tracking_no", "seq"],
            )
            for v in update.withdrawn:
                await session.execute(
                    sql_update(ViolationRow)
                    .where(ViolationRow.tracking_no == snap.tracking_no, ViolationRow.seq == v.seq)
                    .values(withdrawn_at=v.withdrawn_at)
                )
        _breaches_seen(update)
        await self._deliver(
            update.notifications, {snap.tracking_no: update.consumer} if update.consumer else None
        )
        if update.report is not None:
            if self.report is None:
                raise ApplicationError("this worker does not report to the enterprises' supervision")
            await self.report(update.report)

    @activity.defn(name=ActivityName.RECORD_TASK)
    async def record_task(self, update: TaskUpdate) -> None:
        task = update.task
        fields = task.model_dump(mode="python")
        fields["kind"], fields["status"] = task.kind.value, task.status.value
        async with self.db.transaction() as session:
            await move_forward(session, Task, fields)
            await _record_events(session, task.tracking_no, task.task_id, update.events, update.notifications)
        await self._deliver(update.notifications)

    @activity.defn(name=ActivityName.RECORD_SUPERVISION)
    async def record_supervision(self, update: SupervisionUpdate) -> None:
        snap = update.snapshot
        async with self.db.transaction() as session:
            await move_forward(session, EnterpriseSupervision, snap.model_dump())
            for measure in update.measures:
                fields = measure.model_dump()
                await move_forward(session, SupervisionMeasure, fields)
            events = [
                {**row, "enterprise_code": snap.credit_code}
                for row in _event_rows("", snap.workflow_id, update.events)
            ]
            for row in events:
                del row["tracking_no"]
            await insert_missing(session, SupervisionEventRow, events, ["source", "seq"])
            await insert_missing(session, NotificationRow, _notification_rows(update.notifications), ["key"])
            await insert_missing(
                session,
                PublicNoticeRow,
                [
                    {
                        "enterprise_code": snap.credit_code,
                        "notice_id": n.id,
                        "enterprise_name": snap.name,
                        "penalty_id": n.penalty_id,
                        "published_at": n.published_at,
                        "title": n.title,
                        "text": n.text,
                    }
                    for n in update.notices
                ],
                ["enterprise_code", "notice_id"],
            )
        await self._deliver(update.notifications)


def _breaches_seen(update: CaseUpdate) -> None:
    """How long after each deadline its breach reached the read model (the case shown escalated)."""
    now = datetime.now(UTC)
    for event in update.events:
        if event.kind == "deadline_breached" and (due := event.data.get("due")):
            due_at = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
            lag = max((now - due_at).total_seconds(), 0.0)
            BREACH_LAG.labels(str(event.data.get("kind", ""))).observe(lag)
