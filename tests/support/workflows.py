"""Cases on the time-skipping server, brought to a given point."""

from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.enums import (
    CaseStatus,
)
from tests.support import (
    intake,
    start_case,
    wait_for_state,
)


def status_is(status: CaseStatus) -> Any:
    return lambda s: s.status is status


async def forwarded(env: WorkflowEnvironment, worker: Worker, **overrides: Any) -> WorkflowHandle[Any, Any]:
    """A case received now by the test server's clock, which earlier tests have moved on."""
    overrides.setdefault("received_at", (await env.get_current_time()).replace(microsecond=0))
    handle = await start_case(env.client, worker.task_queue, intake(**overrides))
    await wait_for_state(handle, lambda s: s.status is not CaseStatus.RECEIVED, "registration")
    return handle


async def investigate(handle: WorkflowHandle[Any, Any]) -> str:
    state = await wait_for_state(
        handle,
        lambda s: s.investigation is not None and s.investigation.investigator is not None,
        "investigator assigned",
    )
    assert state.investigation and state.investigation.investigator
    return state.investigation.investigator.id
