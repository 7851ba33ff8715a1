"""`aftersales check`: does the read model say what the workflows say?

Each complaint's and each enterprise's workflow is asked for its state (Temporal's histories
are the truth), and its row in the read model compared with what the projection would write
from that state: every column of a case's row, its events one for each revision, its
violations one for each the case recorded; an enterprise's row and its events. A row whose
workflow Temporal no longer knows is fine if the case's history is in the archive. A delivery
sent more than once is reported too. What is still moving is asked again until it settles or
the time given runs out; only what still differs then is reported.
"""

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from db.models import (
    CaseEventRow,
    Complaint,
    Delivery,
    DeliveryAttempt,
    EnterpriseSupervision,
    HistoryArchiveEntry,
    SupervisionEventRow,
    ViolationRow,
)
from db.session import Database
from domain.complaint.state import CaseState
from domain.readmodel import case_row, snapshot, supervision_update
from domain.supervision.state import EnterpriseState
from services.errors import Unavailable
from services.signals import query
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import EnterpriseWorkflow
from workflows.registry import DELIVERY_WORKFLOWS, WORKFLOWS

CONCURRENT_QUERIES = 16


@dataclass(frozen=True)
class Difference:
    subject: str  # "case CP…", "enterprise 9131…", "delivery 12"
    detail: str
    workflow_id: str = ""  # set where asking the workflow again may find it settled


@dataclass(frozen=True)
class NoAnswer:
    """A workflow that did not answer its query, and why."""

    reason: str


@dataclass
class Consistency:
    cases: int = 0
    enterprises: int = 0
    replayed: int = 0  # histories replayed, with `replay`
    differences: list[Difference] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.differences


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):  # the same instant, whatever its zone
        return value.astimezone(UTC).isoformat()
    return value


def _case_differences(
    state: CaseState | NoAnswer | None, row: Complaint | None, workflow_id: str
) -> list[str]:
    if isinstance(state, NoAnswer):
        return [f"the workflow did not answer: {state.reason}"]
    if state is None:
        return ["the workflow has not registered its case yet"]
    if row is None:
        return [f"no row in the read model (the workflow is at revision {state.revision})"]
    expected = case_row(snapshot(state, workflow_id))
    if expected["bureau_code"] is None:  # a case from before bureaus: placed by its division
        expected.pop("bureau_code")
    if row.revision != state.revision:
        return [f"the row is at revision {row.revision}, the workflow at {state.revision}"]
    return [
        f"{name}: the row says {_plain(getattr(row, name))!r}, the workflow {_plain(value)!r}"
        for name, value in expected.items()
        if _plain(getattr(row, name)) != _plain(value)
    ]


async def _listed(temporal: Client, task_queue: str, workflow_type: str) -> list[str]:
    """The workflows of the type on the task queue, each once (runs continued as new left out)."""
    ids: list[str] = []
    listing = f"WorkflowType = '{workflow_type}' AND TaskQueue = '{task_queue}'"
    async for execution in temporal.list_workflows(listing):
        if execution.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
            ids.append(execution.id)
    return sorted(set(ids))


async def _states(temporal: Client, ids: Iterable[str], query_of: Any) -> dict[str, Any]:
    limit = asyncio.Semaphore(CONCURRENT_QUERIES)

    async def one(workflow_id: str) -> tuple[str, Any]:
        async with limit:
            try:
                return workflow_id, await query(temporal.get_workflow_handle(workflow_id), query_of)
            except Unavailable as exc:
                return workflow_id, NoAnswer(exc.reason)

    return dict(await asyncio.gather(*(one(i) for i in ids)))


async def _events_by_source(session: AsyncSession, source: Any) -> dict[str, int]:
    """How many events the read model holds for each workflow."""
    counted = await session.execute(select(source, func.count()).group_by(source))
    return {workflow_id: n for workflow_id, n in counted.all()}


async def _check_cases(
    db: Database, temporal: Client, task_queue: str, ids: list[str] | None
) -> tuple[int, list[Difference]]:
    listed = await _listed(temporal, task_queue, "ComplaintWorkflow") if ids is None else ids
    states: dict[str, CaseState | NoAnswer | None] = await _states(temporal, listed, ComplaintWorkflow.state)
    async with db.sessions() as session:
        rows = {r.workflow_id: r for r in (await session.execute(select(Complaint))).scalars()}
        events = await _events_by_source(session, CaseEventRow.source)
        violations: dict[str, set[tuple[int, bool]]] = {}
        rows_seen = select(ViolationRow.tracking_no, ViolationRow.seq, ViolationRow.withdrawn_at.is_not(None))
        for tracking_no, seq, withdrawn in await session.execute(rows_seen):
            violations.setdefault(tracking_no, set()).add((seq, withdrawn))
        archived = set((await session.execute(select(HistoryArchiveEntry.workflow_id))).scalars())
    found: list[Difference] = []
    for workflow_id in listed:
        state, row = states.get(workflow_id), rows.get(workflow_id)
        subject = f"case {row.tracking_no if row else workflow_id}"
        problems = _case_differences(state, row, workflow_id)
        if not problems and isinstance(state, CaseState):
            counted = events.get(workflow_id, 0)
            if counted != state.revision:
                problems.append(f"{counted} events recorded for {state.revision} revisions")
            recorded = violations.get(state.tracking_no, set())
            own = {(v.seq, v.withdrawn_at is not None) for v in state.violations}
            if recorded != own:
                problems.append(f"violations recorded {sorted(recorded)}, the workflow's {sorted(own)}")
        found += [Difference(subject, p, workflow_id) for p in problems]
    if ids is None:
        known = set(listed)
        found += [
            Difference(f"case {row.tracking_no}", "in the read model, but neither in Temporal nor archived")
            for workflow_id, row in rows.items()
            if workflow_id not in known and workflow_id not in archived
        ]
    return len(listed), found


async def _check_enterprises(
    db: Database, temporal: Client, task_queue: str, ids: list[str] | None
) -> tuple[int, list[Difference]]:
    listed = await _listed(temporal, task_queue, "EnterpriseWorkflow") if ids is None else ids
    states: dict[str, EnterpriseState | NoAnswer | None] = await _states(
        temporal, listed, EnterpriseWorkflow.state
    )
    async with db.sessions() as session:
        rows = {r.workflow_id: r for r in (await session.execute(select(EnterpriseSupervision))).scalars()}
        events = await _events_by_source(session, SupervisionEventRow.source)
    found: list[Difference] = []
    for workflow_id in listed:
        state, row = states.get(workflow_id), rows.get(workflow_id)
        if not isinstance(state, EnterpriseState):
            reason = state.reason if state else "its supervision is not set up yet"
            found.append(
                Difference(f"enterprise {workflow_id}", f"the workflow did not answer: {reason}", workflow_id)
            )
            continue
        subject = f"enterprise {state.credit_code}"
        if row is None:
            if state.revision:
                problem = f"no row (the workflow is at revision {state.revision})"
                found.append(Difference(subject, problem, workflow_id))
            continue
        expected = supervision_update(state, workflow_id, [], [], []).snapshot.model_dump()
        problems = [
            f"{name}: the row says {_plain(getattr(row, name))!r}, the workflow {_plain(value)!r}"
            for name, value in expected.items()
            if _plain(getattr(row, name)) != _plain(value)
        ]
        if not problems and events.get(workflow_id, 0) != state.revision:
            problems.append(f"{events.get(workflow_id, 0)} events recorded for {state.revision} revisions")
        found += [Difference(subject, p, workflow_id) for p in problems]
    return len(listed), found


async def _deliveries_sent_twice(db: Database) -> list[Difference]:
    async with db.sessions() as session:
        twice = await session.execute(
            select(DeliveryAttempt.delivery_id, func.count())
            .where(DeliveryAttempt.result == "sent")
            .group_by(DeliveryAttempt.delivery_id)
            .having(func.count() > 1)
        )
        found = [Difference(f"delivery {d}", f"sent {n} times") for d, n in twice.all()]
        unsent = await session.execute(
            select(Delivery.id).where(Delivery.status == "sent", Delivery.sent_at.is_(None))
        )
        found += [Difference(f"delivery {d}", "marked sent, with no time") for d in unsent.scalars()]
    return found


async def replayed(
    temporal: Client,
    task_queues: Sequence[str],
    workflows: Sequence[type] = (*WORKFLOWS, *DELIVERY_WORKFLOWS),
    keep: Path | None = None,
) -> tuple[int, list[Difference]]:
    """Every run's history on the task queues replayed with `workflows`: how many, and each one
    that does not replay, with the events around the one it stopped at. `keep`: a folder to write
    each such history to (JSON that `WorkflowHistory.from_json` reads), to be replayed again or
    kept as a test."""
    replayer = Replayer(
        workflows=workflows,
        data_converter=temporal.data_converter,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    listing = " OR ".join(f"TaskQueue = '{queue}'" for queue in task_queues)
    count, found = 0, []
    async with replayer.workflow_replay_iterator(temporal.list_workflows(listing).map_histories()) as results:
        async for result in results:
            count += 1
            if result.replay_failure is None:
                continue
            history = result.history
            subject = f"workflow {history.workflow_id} (run {history.run_id})"
            failure = result.replay_failure
            detail = f"its history does not replay: {failure}; {outline(history, failure)}"
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                path = keep / f"{history.workflow_id}__{history.run_id}.json".replace("/", "_")
                path.write_text(history.to_json())
                detail += f"; kept in {path}"
            found.append(Difference(subject, detail))
    return count, found


def outline(history: WorkflowHistory, failure: BaseException, before: int = 12, after: int = 4) -> str:
    """The events around the one a replay stopped at (the last ones if it names none), each with
    its time and what it names: enough to see which task did what."""
    named = re.search(r"HistoryEvent\(id: (\d+)", str(failure))
    at = int(named.group(1)) if named else len(history.events)
    shown = [e for e in history.events if at - before <= e.event_id <= at + after]
    return "events " + " · ".join(_event(e) for e in shown)


def marked(event: HistoryEvent, key: str = "data") -> dict[str, Any]:
    """What a marker keeps in plain JSON under `key` ("data": a local activity's, with its
    `activity_type` and the `activation_index` that took its result; "patch-data": a patch's,
    with its `id`); empty for any other event."""
    if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
        return {}
    details = event.marker_recorded_event_attributes.details
    payloads = details[key].payloads if key in details else []
    if not payloads or payloads[0].metadata.get("encoding") != b"json/plain":
        return {}
    with contextlib.suppress(ValueError):
        data = json.loads(payloads[0].data)
        return data if isinstance(data, dict) else {}
    return {}


def _marker(event: HistoryEvent) -> str:
    name = event.marker_recorded_event_attributes.marker_name
    if patch := marked(event, "patch-data").get("id"):
        return f"{name} {patch}"
    activity = marked(event)
    if activity.get("activity_type"):
        index = activity.get("activation_index")
        return f"{name} {activity['activity_type']}" + ("" if index is None else f" @{index}")
    return name


def _event(e: HistoryEvent) -> str:
    kind = EventType.Name(e.event_type).removeprefix("EVENT_TYPE_").title().replace("_", "")
    attrs = e.WhichOneof("attributes")
    a: Any = getattr(e, attrs) if attrs else None
    name = ""
    if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        name = a.signal_name
    elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        name = a.activity_type.name
    elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
        name = _marker(e)
    elif e.event_type in (EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED):
        name = a.timer_id
    when = e.event_time.ToDatetime().strftime("%H:%M:%S.%f")[:-3]
    return f"{e.event_id} {kind}{f'({name})' if name else ''} {when}"


async def check(
    db: Database,
    temporal: Client,
    task_queue: str,
    *,
    settle_seconds: float = 0.0,
    replay: Sequence[str] = (),
    keep: Path | None = None,
) -> Consistency:
    """Compare everything once; then, while differences remain and `settle_seconds` allow, ask
    again about those cases and enterprises alone (their steps may still be on their way). With
    `replay` (task queues), replay every history on them as well, keeping in `keep` each that
    does not replay."""
    cases, case_differences = await _check_cases(db, temporal, task_queue, None)
    enterprises, enterprise_differences = await _check_enterprises(db, temporal, task_queue, None)
    deadline = time.monotonic() + settle_seconds
    while time.monotonic() < deadline:
        moving = [d for d in case_differences if d.workflow_id]
        moving_enterprises = [d for d in enterprise_differences if d.workflow_id]
        if not moving and not moving_enterprises:
            break
        await asyncio.sleep(0.5)
        _, again = await _check_cases(db, temporal, task_queue, _ids(moving))
        case_differences = [d for d in case_differences if not d.workflow_id] + again
        _, enterprise_differences = await _check_enterprises(
            db, temporal, task_queue, _ids(moving_enterprises)
        )
    histories, unreplayable = await replayed(temporal, replay, keep=keep) if replay else (0, [])
    return Consistency(
        cases=cases,
        enterprises=enterprises,
        replayed=histories,
        differences=case_differences
        + enterprise_differences
        + await _deliveries_sent_twice(db)
        + unreplayable,
    )


def _ids(differences: list[Difference]) -> list[str]:
    return sorted({d.workflow_id for d in differences})
