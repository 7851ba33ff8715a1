"""How the workflows here call their activities: by name, with one set of options."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.readmodel import ActivityName

START_TO_CLOSE = timedelta(seconds=30)
# Activities are idempotent: they retry until they succeed, at most a minute apart.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


async def call(name: ActivityName, arg: Any, *, result_type: type | None = None, summary: str = "") -> Any:
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        summary=summary or None,
        start_to_close_timeout=START_TO_CLOSE,
        retry_policy=RETRY,
    )
