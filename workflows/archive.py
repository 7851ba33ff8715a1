"""Archiving: run by a Temporal Schedule every hour, it archives closed cases in batches."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.readmodel import ActivityName


@workflow.defn
class ArchiveWorkflow:
    @workflow.run
    async def run(self) -> int:
        total = 0
        while True:
            done: int = await workflow.execute_activity(
                ActivityName.ARCHIVE_CLOSED_CASES,
                result_type=int,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
                summary="closed cases not archived yet",
            )
            total += done
            if done == 0:
                return total
