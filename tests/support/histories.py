"""Histories as the server records them when a workflow task ends early."""

from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from services.consistency import marked

TASK = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
)


def local_activity(event: HistoryEvent) -> str:
    """The activity a local activity's marker records, or "" for any other event."""
    return str(marked(event).get("activity_type", ""))


def ended_at(history: WorkflowHistory, marker_id: int, later: timedelta) -> WorkflowHistory:
    """`history` as the server records it when the task that recorded the local activity's marker
    `marker_id` ends there (a query came, or the activity ran long): what the task did after it
    comes in a task of its own, started `later`. Every event after the marker moves on by three,
    and so does every reference to one."""
    events = list(history.events)
    earlier = [e for e in reversed(events) if e.event_id < marker_id]
    task = {kind: next(e for e in earlier if e.event_type == kind) for kind in TASK}
    moved: list[HistoryEvent] = []
    for event in events:
        copy = HistoryEvent()
        copy.CopyFrom(event)
        if event.event_id > marker_id:
            _move(copy, marker_id)
        moved.append(copy)
        if event.event_id == marker_id:
            moved += _task(task, marker_id, event, later)
    return WorkflowHistory(history.workflow_id, moved)


def _move(event: HistoryEvent, after: int) -> None:
    event.event_id += len(TASK)
    attributes = getattr(event, event.WhichOneof("attributes") or "", None)
    for field, value in attributes.ListFields() if attributes is not None else ():
        if field.name.endswith("_event_id") and isinstance(value, int) and value > after:
            setattr(attributes, field.name, value + len(TASK))


def _task(
    task: dict["EventType.ValueType", HistoryEvent], marker_id: int, marker: HistoryEvent, later: timedelta
) -> list[HistoryEvent]:
    """A workflow task scheduled, started and completed right after the marker, `later`."""
    at = marker.event_time.ToDatetime() + later
    made = []
    for offset, kind in enumerate(TASK, start=1):
        event = HistoryEvent()
        event.CopyFrom(task[kind])
        event.event_id = marker_id + offset
        event.event_time.FromDatetime(at)
        made.append(event)
    scheduled, started, completed = made
    started.workflow_task_started_event_attributes.scheduled_event_id = scheduled.event_id
    completed.workflow_task_completed_event_attributes.scheduled_event_id = scheduled.event_id
    completed.workflow_task_completed_event_attributes.started_event_id = started.event_id
    return made
