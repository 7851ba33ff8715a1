"""How the workflows here call their activities: one typed function per activity, by its
name and with one set of options, so a workflow keeps the types of what it gets back and
imports no activity code. (`tests/workflows/test_activity_contracts.py` holds each of these
to the signature of the activity it calls.)"""

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.complaint.io import CaseSetup
    from domain.complaint.messages import ComplaintIntake
    from domain.deadlines import Deadline, DeadlinesInput
    from domain.delivery import PERMANENT_FAILURE, DeadLetter, DeliveryRetry, Planned, Undelivered
    from domain.ids import ActivityName
    from domain.messages import Assignee
    from domain.readmodel import CaseUpdate, SupervisionUpdate, TaskUpdate
    from domain.reports import CycleReport, ReportRequest
    from domain.supervision.messages import CaseReport

# The patch that works out a later step's deadlines, a case's investigator and its evaluation
# agency inside the workflow task that asks for them, as local activities (reads and arithmetic,
# like a case's setup): an activity and a workflow task less on the server for each. The cases
# and the enterprises' supervision follow it; each asks for it as its run begins (see
# workflows/complaint.py).
READS_IN_TASK = "reads-in-task"
START_TO_CLOSE = timedelta(seconds=30)
# Activities are idempotent: they retry until they succeed, at most a minute apart.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
R = TypeVar("R")


async def _run(name: ActivityName, arg: Any, result_type: type[R], summary: str, *, here: bool = False) -> R:
    """The activity by its name and the one set of options. `here`: run by the worker inside the
    workflow task that asks for it (a local activity), no task of its own on the server, its
    result recorded with the task's."""
    execute: Any = workflow.execute_local_activity if here else workflow.execute_activity
    result: R = await execute(
        name,
        arg,
        result_type=result_type,
        summary=summary or None,
        start_to_close_timeout=START_TO_CLOSE,
        retry_policy=RETRY,
    )
    return result


async def prepare_case(intake: ComplaintIntake, *, here: bool = False) -> CaseSetup:
    return await _run(ActivityName.PREPARE_CASE, intake, CaseSetup, "policy, triage and deadlines", here=here)


async def compute_deadlines(input: DeadlinesInput, *, here: bool = False) -> list[Deadline]:
    summary = ", ".join(r.kind for r in input.requests)
    result_type: Any = list[Deadline]
    return await _run(ActivityName.COMPUTE_DEADLINES, input, result_type, summary, here=here)


async def record_case(update: CaseUpdate) -> None:
    summary = ", ".join(e.kind for e in update.events)
    await _run(ActivityName.RECORD_CASE, update, type(None), summary)


async def record_task(update: TaskUpdate) -> None:
    summary = ", ".join(e.kind for e in update.events)
    await _run(ActivityName.RECORD_TASK, update, type(None), summary)


async def record_supervision(update: SupervisionUpdate) -> None:
    summary = ", ".join(e.kind for e in update.events)
    await _run(ActivityName.RECORD_SUPERVISION, update, type(None), summary)


async def assign_investigator(tracking_no: str, *, here: bool = False) -> Assignee:
    summary = "investigator with the fewest open cases"
    return await _run(ActivityName.ASSIGN_INVESTIGATOR, tracking_no, Assignee, summary, here=here)


async def assign_agency(tracking_no: str, *, here: bool = False) -> Assignee:
    summary = "agency with the fewest open evaluations"
    return await _run(ActivityName.ASSIGN_AGENCY, tracking_no, Assignee, summary, here=here)


async def report_to_enterprise(report: CaseReport) -> None:
    await _run(ActivityName.REPORT_TO_ENTERPRISE, report, type(None), "to the enterprise's supervision")


async def supervision_level(credit_code: str) -> int:
    return await _run(ActivityName.SUPERVISION_LEVEL, credit_code, int, "the enterprise's supervision level")


async def compute_cycle_report(request: ReportRequest) -> CycleReport:
    summary = request.period or "the cycle just closed"
    return await _run(ActivityName.COMPUTE_CYCLE_REPORT, request, CycleReport, summary)


async def record_cycle_report(report: CycleReport) -> None:
    await _run(ActivityName.RECORD_CYCLE_REPORT, report, type(None), report.label)


async def archive_closed_cases() -> int:
    """A batch of closed cases archived: a longer activity that reports its progress."""
    done: int = await workflow.execute_activity(
        ActivityName.ARCHIVE_CLOSED_CASES,
        result_type=int,
        start_to_close_timeout=timedelta(minutes=10),
        heartbeat_timeout=timedelta(minutes=2),
        retry_policy=RETRY,
        summary="closed cases not archived yet",
    )
    return done


async def import_file(run_id: str) -> None:
    """A bulk import's rows, in one activity that reports how far it got: retried, it goes on
    from there."""
    await workflow.execute_activity(
        ActivityName.IMPORT_FILE,
        run_id,
        start_to_close_timeout=timedelta(hours=12),
        heartbeat_timeout=timedelta(minutes=1),
        retry_policy=RETRY,
        summary=f"import {run_id}",
    )


async def plan_deliveries(key: str) -> Planned:
    return await _run(ActivityName.PLAN_DELIVERIES, key, Planned, "recipients, their channels and addresses")


async def deliver(delivery_id: int, *, retry: DeliveryRetry) -> None:
    """Send, trying again as `retry` allows; a permanent failure is not tried again. Raises
    ActivityError when it will not go."""
    await workflow.execute_activity(
        ActivityName.DELIVER,
        delivery_id,
        start_to_close_timeout=retry.attempt_timeout,
        schedule_to_close_timeout=retry.max_age,
        retry_policy=RetryPolicy(
            initial_interval=retry.first_interval,
            backoff_coefficient=retry.backoff,
            maximum_interval=retry.max_interval,
            maximum_attempts=retry.max_attempts,
            non_retryable_error_types=[PERMANENT_FAILURE],
        ),
        summary=f"delivery {delivery_id}",
    )


async def deliver_now(delivery_id: int, *, retry: DeliveryRetry) -> None:
    """One try, as a local activity: in the workflow task that asks for it, with no task of its
    own on the server. Raises the try's failure itself (an ApplicationError, a timeout)."""
    await workflow.execute_local_activity(
        ActivityName.DELIVER,
        delivery_id,
        start_to_close_timeout=retry.attempt_timeout,
        retry_policy=RetryPolicy(maximum_attempts=1),
        summary=f"delivery {delivery_id}, first try",
    )


async def dead_letter(letter: DeadLetter) -> None:
    await _run(ActivityName.DEAD_LETTER, letter, type(None), f"delivery {letter.delivery_id} dead-lettered")


async def raise_undelivered(undelivered: Undelivered) -> None:
    await _run(
        ActivityName.RAISE_UNDELIVERED, undelivered, type(None), "an escalation undelivered, to the admins"
    )
