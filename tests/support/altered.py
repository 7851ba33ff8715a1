"""A complaint's workflow changed without a `workflow.patched` guard: it now waits before it
does what the recorded histories show it doing first. A worker running it cannot rebuild a
case from its history."""

from datetime import timedelta

from temporalio import workflow


@workflow.defn(name="ComplaintWorkflow")
class ReorderedComplaint:
    @workflow.run
    async def run(self, input: object) -> None:
        await workflow.sleep(timedelta(hours=1))

    @workflow.query
    def state(self) -> None:
        return None
