"""What the two task workflows share: their record in the read model, the request ids they
have seen, their refusals, waiting for a result with a deadline, and the queries they answer."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.enums import TaskStatus
    from domain.ids import notification_key
    from domain.ledger import Answer, answer, remember
    from domain.messages import SYSTEM, Actor, CaseEvent, Command, Notification, Recipient
    from domain.readmodel import TaskUpdate
    from domain.tasks import TaskRecord
    from workflows import activities


class TaskJournal:
    def __init__(self, record: TaskRecord) -> None:
        self.record = record
        self.requests: dict[str, str] = {}
        self._events: list[CaseEvent] = []
        self._notifications: list[Notification] = []

    @property
    def unrecorded(self) -> bool:
        return bool(self._events)

    def event(self, name: str, summary: str, actor: Actor = SYSTEM, /, **data: object) -> None:
        self.record.revision += 1
        self._events.append(
            CaseEvent(
                seq=self.record.revision,
                at=workflow.now(),
                kind=name,
                summary=summary,
                actor=actor,
                data=data,
            )
        )

    def notify(self, topic: str, subject: str, *recipients: Recipient) -> None:
        for r in recipients:
            self._notifications.append(
                Notification(
                    key=notification_key(self.record.task_id, self.record.revision, topic, r.kind, r.ref),
                    recipient=r,
                    topic=topic,
                    subject=subject,
                    tracking_no=self.record.tracking_no,
                )
            )

    def admit(self, command: Command, refusal: str | None) -> bool:
        """Apply a request once; record a refusal. True if the caller should apply it."""
        if not remember(self.requests, command, refusal):
            return False
        if refusal:
            self.event(
                "refused",
                f"result refused: {refusal}",
                command.actor,
                request_id=command.request_id,
                reason=refusal,
            )
        return refusal is None

    async def flush(self, status: TaskStatus | None = None) -> None:
        if status is not None:
            self.record.status = status
        update = TaskUpdate(task=self.record, events=self._events, notifications=self._notifications)
        self._events, self._notifications = [], []
        await activities.record_task(update)

    async def wait_for(self, done: Callable[[], bool], until: datetime | None, summary: str) -> bool:
        """Wait until `done()` or the time `until` (None: no limit), recording refusals on the way.
        False on timeout."""
        while not done():
            remaining = None if until is None else until - workflow.now()
            if remaining is not None and remaining <= timedelta(0):
                return False
            try:
                await workflow.wait_condition(
                    lambda: done() or self.unrecorded,
                    timeout=remaining,
                    timeout_summary=summary if remaining is not None else None,
                )
            except TimeoutError:
                return done()
            if self.unrecorded and not done():
                await self.flush()
        return True


R = TypeVar("R", bound=Command)


class TaskWorkflowBase(Generic[R]):
    """A task workflow's handlers but its signal: its record, whether an actor may answer it
    now, and what became of a request. A subclass sets `_journal` and `_result`, says who may
    answer (`refusal`), and declares `submit_result` with its result's type, calling `_submit`."""

    _journal: TaskJournal
    _result: R | None

    def _done(self) -> bool:
        return self._result is not None

    def refusal(self, actor: Actor) -> str | None:
        raise NotImplementedError

    def _submit(self, command: R) -> None:
        reason = self.refusal(command.actor) or command.problem()
        if self._journal.admit(command, reason):
            self._result = command

    @workflow.query
    def task(self) -> TaskRecord:
        return self._journal.record

    @workflow.query
    def check(self, actor: Actor) -> str | None:
        return self.refusal(actor)

    @workflow.query
    def answer(self, request_id: str) -> Answer[TaskRecord]:
        """What became of the request, with the task's record after it once applied."""
        return answer(self._journal.requests, request_id, self._journal.record)
