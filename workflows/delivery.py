"""A notification's delivery: each recipient by each of its channels, retried with backoff until
it goes out or its time is up, then dead-lettered for an admin to see and redeliver. An
escalation that reached no one is itself raised to the admins. Most notifications never need
one: the step that wrote them tried them first (activities/delivery.py), and starts a run only
for the deliveries that failed for now, or an admin's redelivery does."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError
from temporalio.exceptions import TimeoutError as TimedOut

with workflow.unsafe.imports_passed_through():
    from domain.delivery import (
        PERMANENT_FAILURE,
        DeadLetter,
        DeliveryRetry,
        NotificationDelivery,
        Planned,
        Undelivered,
    )
    from workflows import activities

# The patch that makes each delivery's first try a local activity, in the workflow task that
# starts the run: a notification that goes out at once is one task on the server, not three.
FIRST_TRY_IN_TASK = "first-try-in-task"


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
        if input.retry_in is not None:  # the first tries were made where it was planned
            await workflow.sleep(input.retry_in, summary="the first try failed for now")
        errors = await asyncio.gather(*(self._deliver(i, input) for i in planned.delivery_ids))
        failed = [e for e in errors if e]
        if planned.escalation and planned.delivery_ids and len(failed) == len(errors):
            await activities.raise_undelivered(Undelivered(key=input.key, errors=[*input.failed, *failed]))
        return len(errors) - len(failed)

    async def _deliver(self, delivery_id: int, input: NotificationDelivery) -> str:
        """ "" once it went out; else why it did not, once dead-lettered."""
        try:
            if input.retry_in is None and workflow.patched(FIRST_TRY_IN_TASK):
                await self._now_then_again(delivery_id, input.retry)
            else:
                await activities.deliver(delivery_id, retry=input.retry)
        except _FAILED as failure:
            cause = _cause(failure)
            error = cause.message if isinstance(cause, ApplicationError) else str(failure)
            await activities.dead_letter(DeadLetter(delivery_id=delivery_id, error=error))
            return error
        return ""

    async def _now_then_again(self, delivery_id: int, retry: DeliveryRetry) -> None:
        """The first try at once; if it failed for now, the tries left as an activity, after the
        first interval (or the receiver's Retry-After)."""
        began = workflow.now()
        try:
            await activities.deliver_now(delivery_id, retry=retry)
            return
        except _FAILED as failure:
            cause = _cause(failure)
            if isinstance(cause, ApplicationError) and cause.type == PERMANENT_FAILURE:
                raise
            wait = (
                cause.next_retry_delay if isinstance(cause, ApplicationError) else None
            ) or retry.first_interval
            rest = retry.after_first_try(workflow.now() + wait - began)
            if rest is None:
                raise
        await workflow.sleep(wait, summary=f"delivery {delivery_id}, next try")
        await activities.deliver(delivery_id, retry=rest)


# How a try fails: an activity's failure with its cause; a local activity's, its cause itself.
_FAILED = (ActivityError, ApplicationError, TimedOut)


def _cause(failure: FailureError) -> BaseException | None:
    return failure.cause if isinstance(failure, ActivityError) else failure
