"""Archiving: run by a Temporal Schedule every hour, it archives closed cases in batches."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activities


@workflow.defn
class ArchiveWorkflow:
    @workflow.run
    async def run(self) -> int:
        total = 0
        while True:
            done = await activities.archive_closed_cases()
            total += done
            if done == 0:
                return total
