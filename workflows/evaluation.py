"""Third-party evaluation: an agency surveys the consumer by its deadline; no answer by then
is recorded as not evaluated."""

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.enums import TaskKind, TaskStatus
    from domain.messages import Actor, Recipient
    from domain.tasks import (
        EvaluationInput,
        EvaluationOutcome,
        EvaluationResult,
        TaskRecord,
        evaluation_refusal,
    )

from workflows.journal import TaskJournal, TaskWorkflowBase


@workflow.defn
class EvaluationWorkflow(TaskWorkflowBase[EvaluationResult]):
    @workflow.init
    def __init__(self, input: EvaluationInput) -> None:
        self._input = input
        self._journal = TaskJournal(
            TaskRecord(
                task_id=input.task_id,
                kind=TaskKind.EVALUATION,
                tracking_no=input.tracking_no,
                enterprise_code=input.enterprise_code,
                status=TaskStatus.OPEN,
                assignee_id=input.agency.id,
                opens_at=workflow.now(),
                due=input.due.due,
                revision=0,
            )
        )
        self._result: EvaluationResult | None = None

    @workflow.run
    async def run(self, input: EvaluationInput) -> EvaluationOutcome:
        journal, agency = self._journal, Recipient.agency(input.agency.id)
        journal.event(
            "opened",
            f"evaluation by {input.agency.name}, due {input.due.due.isoformat()}",
            agency=input.agency.id,
            due=input.due.due,
        )
        journal.notify("evaluation_open", f"Case {input.tracking_no}: survey the consumer", agency)
        await journal.flush()
        try:
            if not await journal.wait_for(self._done, input.due.warn_at, "evaluation warning"):
                journal.event("warning", f"evaluation due {input.due.due.isoformat()}")
                journal.notify("evaluation_warning", f"Case {input.tracking_no}: evaluation due soon", agency)
                await journal.flush()
            answered = await journal.wait_for(self._done, input.due.due, "evaluation due")
        except asyncio.CancelledError:
            journal.event("cancelled", "evaluation cancelled with its case")
            await journal.flush(TaskStatus.EXPIRED)
            raise
        result = self._result if answered else None
        if result is None:
            journal.event("expired", "not evaluated: no answer by the deadline")
            await journal.flush(TaskStatus.EXPIRED)
        else:
            journal.record.result = result.model_dump(mode="json", exclude={"actor", "request_id"})
            journal.event(
                "evaluated",
                f"satisfaction {result.satisfaction}/5, service attitude {result.service_attitude}/5",
                result.actor,
                **journal.record.result,
            )
            await journal.flush(TaskStatus.DONE)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return EvaluationOutcome(
            task_id=input.task_id,
            agency=input.agency,
            evaluated=result is not None,
            result=result,
            at=workflow.now(),
        )

    def refusal(self, actor: Actor) -> str | None:
        return evaluation_refusal(self._input, self._journal.record.status, self._done(), actor)

    @workflow.signal
    def submit_result(self, command: EvaluationResult) -> None:
        self._submit(command)
