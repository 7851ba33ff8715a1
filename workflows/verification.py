"""Follow-up verification: waits for the check date, then the investigator verifies the
rectification. Late verification alerts the supervisors and is still awaited."""

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.enums import TaskKind, TaskStatus
    from domain.messages import SUPERVISORS, Actor, Recipient
    from domain.tasks import (
        TaskRecord,
        VerificationInput,
        VerificationOutcome,
        VerificationResult,
        verification_refusal,
    )

from workflows.journal import TaskJournal, TaskWorkflowBase


@workflow.defn
class VerificationWorkflow(TaskWorkflowBase[VerificationResult]):
    @workflow.init
    def __init__(self, input: VerificationInput) -> None:
        self._input = input
        self._journal = TaskJournal(
            TaskRecord(
                task_id=input.task_id,
                kind=TaskKind.VERIFICATION,
                tracking_no=input.tracking_no,
                enterprise_code=input.enterprise_code,
                status=TaskStatus.SCHEDULED,
                assignee_id=input.investigator.id,
                opens_at=input.opens.due,
                due=input.due.due,
                revision=0,
            )
        )
        self._result: VerificationResult | None = None

    @workflow.run
    async def run(self, input: VerificationInput) -> VerificationOutcome:
        journal, investigator = self._journal, Recipient.account(input.investigator.id)
        journal.event(
            "scheduled",
            f"verification opens {input.opens.due.isoformat()}",
            opens_at=input.opens.due,
            due=input.due.due,
            investigator=input.investigator.id,
        )
        await journal.flush()
        late = False
        try:
            await journal.wait_for(lambda: False, input.opens.due, "verification opens")
            journal.event("opened", "verification is open", due=input.due.due)
            journal.notify(
                "verification_open", f"Case {input.tracking_no}: verify the rectification", investigator
            )
            await journal.flush(TaskStatus.OPEN)
            if not await journal.wait_for(self._done, input.due.warn_at, "verification warning"):
                journal.event("warning", f"verification due {input.due.due.isoformat()}")
                journal.notify(
                    "verification_warning", f"Case {input.tracking_no}: verification due soon", investigator
                )
                await journal.flush()
            if not await journal.wait_for(self._done, input.due.due, "verification due"):
                late = True
                journal.event("overdue", "verification overdue")
                journal.notify(
                    "verification_overdue",
                    f"Case {input.tracking_no}: verification overdue",
                    SUPERVISORS,
                    investigator,
                )
                await journal.flush()
                await journal.wait_for(self._done, None, "verification, late")
        except asyncio.CancelledError:
            journal.event("cancelled", "verification cancelled with its case")
            await journal.flush(TaskStatus.EXPIRED)
            raise
        result = self._result
        assert result is not None
        journal.record.result = {"effective": result.effective, "notes": result.notes, "late": late}
        journal.event(
            "verified",
            "effective" if result.effective else "not effective",
            result.actor,
            effective=result.effective,
            notes=result.notes,
            request_id=result.request_id,
        )
        await journal.flush(TaskStatus.DONE)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return VerificationOutcome(
            task_id=input.task_id,
            effective=result.effective,
            notes=result.notes,
            by=result.actor,
            at=workflow.now(),
            late=late,
        )

    def refusal(self, actor: Actor) -> str | None:
        return verification_refusal(self._input, self._journal.record.status, self._done(), actor)

    @workflow.signal
    def submit_result(self, command: VerificationResult) -> None:
        self._submit(command)
