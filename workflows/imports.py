"""A bulk import begun on a page: its rows recorded by one long activity, which a worker that
stops part way leaves for another to take up from the last row it reported."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activities


@workflow.defn
class ImportWorkflow:
    @workflow.run
    async def run(self, run_id: str) -> None:
        await activities.import_file(run_id)
