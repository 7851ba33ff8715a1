"""Archiving closed cases' histories before Temporal's retention deletes them."""

import json

from sqlalchemy import select
from temporalio import activity
from temporalio.client import Client

from db import archive
from db.models import Complaint, HistoryArchiveEntry
from db.session import Database
from domain.ids import ActivityName
from telemetry import ARCHIVE_RUNS, ARCHIVED
from temporal_client import workflow_runs

BATCH = 50


async def export(client: Client, workflow_id: str) -> str:
    """Every run of the case's workflow and of its children, as Temporal JSON (payloads sealed)."""
    runs, queue, seen = [], [workflow_id], set()
    while queue:
        current = queue.pop(0)
        for history in await workflow_runs(client, current):
            runs.append({"workflow_id": current, "history": history.to_json_dict()})
            for event in history.events:
                if event.HasField("start_child_workflow_execution_initiated_event_attributes"):
                    child = event.start_child_workflow_execution_initiated_event_attributes.workflow_id
                    if child not in seen:
                        seen.add(child)
                        queue.append(child)
    return json.dumps({"workflow_id": workflow_id, "runs": runs}, sort_keys=True, separators=(",", ":"))


class ArchiveActivities:
    def __init__(self, db: Database, client: Client) -> None:
        self.db, self.client = db, client

    @activity.defn(name=ActivityName.ARCHIVE_CLOSED_CASES)
    async def archive_closed_cases(self) -> int:
        """Archive up to a batch of closed cases not archived yet, oldest first; returns how many."""
        async with self.db.sessions() as session:
            closed = (
                await session.execute(
                    select(Complaint.workflow_id, Complaint.tracking_no, Complaint.closed_at)
                    .outerjoin(HistoryArchiveEntry, HistoryArchiveEntry.workflow_id == Complaint.workflow_id)
                    .where(Complaint.closed_at.is_not(None), HistoryArchiveEntry.seq.is_(None))
                    .order_by(Complaint.closed_at)
                    .limit(BATCH)
                )
            ).all()
        archived = 0
        for workflow_id, tracking_no, closed_at in closed:
            description = await self.client.get_workflow_handle(workflow_id).describe()
            if description.close_time is None:  # the read model is ahead: the workflow is finishing
                continue
            content = await export(self.client, workflow_id)
            await archive.append(
                self.db,
                workflow_id=workflow_id,
                tracking_no=tracking_no,
                closed_at=closed_at or description.close_time,
                content=content,
            )
            archived += 1
            ARCHIVED.inc()
            activity.heartbeat(workflow_id)
        ARCHIVE_RUNS.inc()
        return archived
