"""A notification's delivery: each recipient by each of its channels, retried with backoff until
it goes out or its time is up, then dead-lettered for an admin to see and redeliver. An
escalation that reached no one is itself raised to the admins."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.delivery import DeadLetter, NotificationDelivery, Planned, Undelivered
    from workflows import activities


# Outside the sandbox: a run is short, its code only awaits activities, and a new sandbox for
# each of thousands of notifications would cost more than the delivery itself.
@workflow.defn(sandboxed=False)
class NotificationWorkflow:
    @workflow.run
    async def run(self, input: NotificationDelivery) -> int:
        """How many deliveries went out."""
        if input.delivery_ids:  # planned at the start, or redelivered by an admin
            planned = Planned(delivery_ids=input.delivery_ids, escalation=input.escalation)
        else:
            planned = await activities.plan_deliveries(input.key)
        errors = await asyncio.gather(*(self._deliver(i, input) for i in planned.delivery_ids))
        failed = [e for e in errors if e]
        if planned.escalation and planned.delivery_ids and len(failed) == len(errors):
            await activities.raise_undelivered(Undelivered(key=input.key, errors=failed))
        return len(errors) - len(failed)

    async def _deliver(self, delivery_id: int, input: NotificationDelivery) -> str:
        """ "" once it went out; else why it did not, once dead-lettered."""
        try:
            await activities.deliver(delivery_id, retry=input.retry)
        except ActivityError as failure:
            error = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure)
            await activities.dead_letter(DeadLetter(delivery_id=delivery_id, error=error))
            return error
        return ""
