"""Cases and supervisions on the time-skipping server, brought to a given point."""

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.enums import (
    CaseStatus,
    Offence,
    Severity,
    ViolationKind,
)
from domain.ids import enterprise_workflow_id
from domain.supervision.io import EnterpriseInput
from domain.supervision.messages import PROCEDURE, EnterpriseReport, ViolationReport
from domain.supervision.state import EnterpriseState
from settings import Settings
from tests.support import (
    ENTERPRISE_CODE,
    POLICY,
    eventually,
    intake,
    start_case,
    wait_for_state,
)
from workflows.enterprise import EnterpriseWorkflow


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


async def supervision(env: WorkflowEnvironment, check: Any, what: str) -> EnterpriseState:
    """The demo enterprise's supervision, once `check` holds of it."""
    handle = env.client.get_workflow_handle(enterprise_workflow_id(ENTERPRISE_CODE))

    async def probe() -> EnterpriseState | None:
        try:
            state = await handle.query(EnterpriseWorkflow.state)
        except Exception:  # not started yet
            return None
        return state if state is not None and check(state) else None

    return await eventually(probe, what=what)


def supervision_handle(env: WorkflowEnvironment) -> WorkflowHandle[Any, Any]:
    return env.client.get_workflow_handle(enterprise_workflow_id(ENTERPRISE_CODE))


async def unanswered(env: WorkflowEnvironment, worker: Worker, **overrides: Any) -> WorkflowHandle[Any, Any]:
    """A case its enterprise leaves without a response for 24 hours."""
    handle = await forwarded(env, worker, **overrides)
    await env.sleep(timedelta(hours=24, seconds=1))
    await wait_for_state(handle, lambda s: s.overdue, "response overdue")
    return handle


async def idle(env: WorkflowEnvironment, workflow_id: str) -> None:
    """Wait until a workflow has nothing in hand: no activity and no workflow task pending. A
    worker stopped before then leaves its task to time out; and the test server loses the race
    between a signal and a run that is continuing as new, which a real server settles."""

    async def probe() -> bool:
        raw = (await env.client.get_workflow_handle(workflow_id).describe()).raw_description
        return not raw.pending_activities and not raw.HasField("pending_workflow_task")

    await eventually(probe, what=f"{workflow_id} idle")


async def report_serious(env: WorkflowEnvironment, settings: Settings, code: str, case: str) -> None:
    """A substantiated critical violation reported to the enterprise's supervision, as a case
    reports it: the ladder proposes a fine and awaits the enterprise's statement."""
    violation = ViolationReport(
        key=f"{case}:1",
        tracking_no=case,
        kind=ViolationKind.SUBSTANTIATED_COMPLAINT,
        offence=Offence.PRODUCT_SAFETY,
        severity=Severity.CRITICAL,
        at=datetime.now(UTC),
        detail="",
    )
    report = EnterpriseReport(
        credit_code=code, name="", policy=POLICY, violations=[violation], procedure=PROCEDURE
    )
    await env.client.start_workflow(
        EnterpriseWorkflow.run,
        EnterpriseInput(credit_code=code),
        id=enterprise_workflow_id(code),
        task_queue=settings.task_queue,
        start_signal="report",
        start_signal_args=[report],
    )
