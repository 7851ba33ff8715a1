"""A case's audit trail, read from Temporal: every run of its workflow and of its children.

The timeline says who did what and when: signals with their actor and request id, timers
set, fired and cancelled, the case events the workflow recorded, the activities' results
(those run inside a workflow task among them) and failures, the changes of the workflow's code
a run follows, child workflows, and continue-as-new. The raw histories come along as Temporal JSON.
"""

from datetime import UTC
from typing import Any

from pydantic import Field
from temporalio.api.common.v1 import Payloads
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError

from domain.ids import ActivityName
from services.errors import Unavailable
from services.outputs import LocalTime, Output
from temporal_client import workflow_runs

# The search attribute each patch sets beside its marker, listing the patches a run follows.
CHANGE_VERSION = "TemporalChangeVersion"
SKIPPED = {
    "workflow_task_scheduled_event_attributes",
    "workflow_task_started_event_attributes",
    "workflow_task_completed_event_attributes",
    "activity_task_started_event_attributes",
    "workflow_execution_update_admitted_event_attributes",
}


class TimelineEntry(Output):
    at: LocalTime
    workflow_id: str
    run_id: str
    event_id: int
    source: str  # workflow | signal | timer | case | activity | child | update
    title: str
    actor: dict[str, Any] | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class CaseHistory(Output):
    workflow_id: str
    runs: list[str]
    children: list[str]
    timeline: list[TimelineEntry]
    raw: list[dict[str, Any]] = Field(default_factory=list)


async def _decode(client: Client, payloads: Payloads | None) -> list[Any]:
    if payloads is None or not payloads.payloads:
        return []
    return await client.data_converter.decode(list(payloads.payloads))


async def _summary(client: Client, event: HistoryEvent) -> str:
    """The summary a timer or an activity was given (a payload, encrypted like the others)."""
    if not event.HasField("user_metadata") or not event.user_metadata.HasField("summary"):
        return ""
    [text] = await client.data_converter.decode([event.user_metadata.summary])
    return str(text)


async def _entries(
    client: Client, history: WorkflowHistory, run_id: str
) -> tuple[list[TimelineEntry], list[str]]:
    entries: list[TimelineEntry] = []
    children: list[str] = []
    timers: dict[str, str] = {}
    activities: dict[int, str] = {}

    def add(event: HistoryEvent, source: str, title: str, actor: Any = None, **detail: Any) -> None:
        entries.append(
            TimelineEntry(
                at=event.event_time.ToDatetime().replace(tzinfo=UTC),
                workflow_id=history.workflow_id,
                run_id=run_id,
                event_id=event.event_id,
                source=source,
                title=title,
                actor=actor,
                detail=detail,
            )
        )

    for event in history.events:
        kind = event.WhichOneof("attributes")
        if kind is None or kind in SKIPPED:
            continue
        attrs = getattr(event, kind)
        match kind:
            case "workflow_execution_started_event_attributes":
                add(
                    event,
                    "workflow",
                    f"{attrs.workflow_type.name} started",
                    parent=attrs.parent_workflow_execution.workflow_id or None,
                    continued_from=attrs.continued_execution_run_id or None,
                )
            case "workflow_execution_signaled_event_attributes":
                [command] = await _decode(client, attrs.input) or [{}]
                command = command if isinstance(command, dict) else {}
                add(
                    event,
                    "signal",
                    f"signal {attrs.signal_name}",
                    command.get("actor"),
                    request_id=command.get("request_id"),
                    content={k: v for k, v in command.items() if k not in ("actor", "request_id")},
                )
            case "timer_started_event_attributes":
                timers[attrs.timer_id] = await _summary(client, event) or f"timer {attrs.timer_id}"
                fires = event.event_time.ToDatetime() + attrs.start_to_fire_timeout.ToTimedelta()
                add(
                    event,
                    "timer",
                    f"timer set: {timers[attrs.timer_id]}",
                    fires_at=fires.replace(tzinfo=UTC).isoformat(),
                )
            case "timer_fired_event_attributes":
                add(event, "timer", f"timer fired: {timers.get(attrs.timer_id, attrs.timer_id)}")
            case "timer_canceled_event_attributes":
                add(event, "timer", f"timer cancelled: {timers.get(attrs.timer_id, attrs.timer_id)}")
            case "activity_task_scheduled_event_attributes":
                name = attrs.activity_type.name
                activities[event.event_id] = name
                if name in (ActivityName.RECORD_CASE, ActivityName.RECORD_TASK):
                    [update] = await _decode(client, attrs.input) or [{}]
                    for case_event in update.get("events", []):
                        add(
                            event,
                            "case",
                            case_event["summary"],
                            case_event.get("actor"),
                            kind=case_event["kind"],
                            seq=case_event["seq"],
                            data=case_event.get("data", {}),
                        )
                else:
                    summary = await _summary(client, event)
                    add(event, "activity", f"activity {name}" + (f": {summary}" if summary else ""))
            case "activity_task_completed_event_attributes":
                name = activities.get(attrs.scheduled_event_id, "")
                if name not in (ActivityName.RECORD_CASE, ActivityName.RECORD_TASK):
                    [result] = await _decode(client, attrs.result) or [None]
                    add(event, "activity", f"activity {name} completed", result=_brief(name, result))
            case "activity_task_failed_event_attributes" | "activity_task_timed_out_event_attributes":
                name = activities.get(attrs.scheduled_event_id, "")
                add(event, "activity", f"activity {name} failed: {attrs.failure.message}")
            case "start_child_workflow_execution_initiated_event_attributes":
                children.append(attrs.workflow_id)
                add(
                    event,
                    "child",
                    f"child workflow {attrs.workflow_id} requested",
                    parent_close_policy=attrs.parent_close_policy,
                )
            case "child_workflow_execution_completed_event_attributes":
                [result] = await _decode(client, attrs.result) or [None]
                add(
                    event,
                    "child",
                    f"child workflow {attrs.workflow_execution.workflow_id} completed",
                    result=result,
                )
            case "child_workflow_execution_started_event_attributes":
                add(event, "child", f"child workflow {attrs.workflow_execution.workflow_id} started")
            case "marker_recorded_event_attributes":
                await _marker(client, event, attrs, add, entries)
            case "upsert_workflow_search_attributes_event_attributes":
                fields = attrs.search_attributes.indexed_fields
                values = {
                    name: (await _decode(client, Payloads(payloads=[p])))[0]
                    for name, p in fields.items()
                    if name != CHANGE_VERSION  # a patch's own, named with the patch
                }
                if values:
                    add(
                        event,
                        "workflow",
                        "search attributes: " + ", ".join(f"{k}={v}" for k, v in values.items()),
                    )
            case "workflow_execution_update_accepted_event_attributes":
                add(event, "update", f"update {attrs.accepted_request.input.name} accepted")
            case "workflow_execution_completed_event_attributes":
                [result] = await _decode(client, attrs.result) or [None]
                add(event, "workflow", "workflow completed", result=result)
            case "workflow_execution_continued_as_new_event_attributes":
                add(event, "workflow", "continued as new", new_run_id=attrs.new_execution_run_id)
            case "workflow_task_failed_event_attributes":
                add(event, "workflow", f"workflow task failed: {attrs.failure.message}")
            case _:
                add(event, "workflow", kind.removesuffix("_event_attributes").replace("_", " "))
    return entries, children


async def _marker(
    client: Client, event: HistoryEvent, attrs: Any, add: Any, entries: list[TimelineEntry]
) -> None:
    """A local activity (run inside the workflow task, its result recorded as a marker) reads as
    the activity it is; patches name the changes of the workflow's code that the run follows, one
    entry for those of one workflow task (a run asks for its patches as it begins)."""
    details = attrs.details
    if attrs.marker_name == "core_local_activity" and "data" in details:
        [data] = await _decode(client, details["data"]) or [{}]
        name = data.get("activity_type", "") if isinstance(data, dict) else ""
        if attrs.HasField("failure"):
            add(event, "activity", f"activity {name} failed: {attrs.failure.message}")
            return
        [result] = (await _decode(client, details["result"]) if "result" in details else []) or [None]
        add(event, "activity", f"activity {name} completed", result=_brief(name, result), local=True)
    elif attrs.marker_name == "core_patch" and "patch-data" in details:
        [patch] = await _decode(client, details["patch-data"]) or [{}]
        name = patch.get("id", "") if isinstance(patch, dict) else ""
        last = entries[-1] if entries else None
        task = attrs.workflow_task_completed_event_id
        if last and last.detail.get("patches") and last.detail.get("task") == task:
            last.detail["patches"].append(name)
            last.title = f"workflow code: {', '.join(last.detail['patches'])}"
        else:
            add(event, "workflow", f"workflow code: {name}", patches=[name], task=task)
    else:
        add(event, "workflow", f"marker {attrs.marker_name}")


def _brief(activity: str, result: Any) -> Any:
    """The part of an activity's result worth reading in a timeline."""
    if activity == ActivityName.PREPARE_CASE and isinstance(result, dict):
        return {
            "policy": result.get("policy", {}).get("version"),
            "triage": result.get("triage"),
            "deadlines": [{"kind": d["kind"], "due": d["due"]} for d in result.get("deadlines", [])],
        }
    if activity == ActivityName.COMPUTE_DEADLINES and isinstance(result, list):
        return [
            {"kind": d["kind"], "round": d["round"], "due": d["due"], "basis": d["basis"]} for d in result
        ]
    return result


async def case_history(client: Client, workflow_id: str, *, include_raw: bool) -> CaseHistory:
    try:
        runs = await workflow_runs(client, workflow_id)
        timeline: list[TimelineEntry] = []
        children: list[str] = []
        raw: list[dict[str, Any]] = []
        queue = [(workflow_id, runs)]
        while queue:
            wid, histories = queue.pop(0)
            for history in histories:
                run_id = history.events[
                    0
                ].workflow_execution_started_event_attributes.original_execution_run_id
                entries, started = await _entries(client, history, run_id)
                timeline += entries
                if include_raw:
                    raw.append({"workflow_id": wid, "run_id": run_id, "history": history.to_json_dict()})
                for child in started:
                    if child not in children:
                        children.append(child)
                        queue.append((child, await workflow_runs(client, child)))
    except RPCError as exc:
        raise Unavailable(f"history unavailable: {exc.message}") from exc
    timeline.sort(key=lambda e: (e.at, e.workflow_id != workflow_id, e.event_id))
    return CaseHistory(
        workflow_id=workflow_id,
        runs=[
            r.events[0].workflow_execution_started_event_attributes.original_execution_run_id for r in runs
        ],
        children=children,
        timeline=timeline,
        raw=raw,
    )
