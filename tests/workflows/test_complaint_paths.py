"""Every path of a complaint through the real workflows, on the time-skipping server."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.models import CaseEventRow, Complaint, NotificationRow, Task, ViolationRow
from db.session import Database
from domain.complaint.messages import (
    Accept,
    Dispute,
    OrderedMeasure,
    Propose,
    Reject,
    RequestEvidence,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    Withdraw,
)
from domain.enums import (
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    Measure,
    Offence,
    Outcome,
    Priority,
    RejectionReason,
    Role,
    Severity,
    TaskKind,
    TaskStatus,
    Verdict,
)
from domain.messages import Actor
from domain.tasks import EvaluationResult, VerificationResult
from settings import DEFAULTS, Settings
from tests.support import (
    CONSUMER,
    ENTERPRISE,
    OTHER_ENTERPRISE,
    SUPERVISOR,
    case_state,
    command,
    eventually,
    rows,
    task_handle,
    task_row,
    wait_for_state,
)
from tests.support.workflows import forwarded, investigate, status_is
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.evaluation import EvaluationWorkflow
from workflows.verification import VerificationWorkflow

pytestmark = pytest.mark.sqlite_only

EVALUATOR = Actor(id="eval-huaxin", role=Role.EVALUATOR, org="agency-huaxin", name="华信")
INVESTIGATOR = Actor(id="inv-li", role=Role.INVESTIGATOR, name="李强")


async def propose_and_accept(handle: WorkflowHandle[Any, Any]) -> None:
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已联系消费者"))
    await handle.signal(
        ComplaintWorkflow.propose,
        command(Propose, ENTERPRISE, measures=[Measure.REPLACE], detail="免费更换新品"),
    )
    await wait_for_state(handle, status_is(CaseStatus.PROPOSED), "proposed")
    await handle.signal(ComplaintWorkflow.accept, command(Accept, CONSUMER))


async def evaluate(env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], **result: Any) -> None:
    state = await wait_for_state(
        handle, lambda s: s.task is not None and s.task.kind is TaskKind.EVALUATION, "evaluation started"
    )
    assert state.task is not None
    child = await task_handle(env.client, state.task.task_id)
    await child.signal(EvaluationWorkflow.submit_result, command(EvaluationResult, EVALUATOR, **result))


async def substantiated(
    env: WorkflowEnvironment, worker: Worker, description: str, **findings: Any
) -> tuple[WorkflowHandle[Any, Any], Actor]:
    """A safety case the enterprise answered, with substantiated findings: awaiting rectification."""
    handle = await forwarded(env, worker, description=description)
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已处理"))
    investigator = Actor(id=await investigate(handle), role=Role.INVESTIGATOR)
    findings = {
        "verdict": Verdict.SUBSTANTIATED,
        "offence": Offence.PRODUCT_SAFETY,
        "summary": "批次缺陷",
        **findings,
    }
    await handle.signal(ComplaintWorkflow.submit_findings, command(SubmitFindings, investigator, **findings))
    await wait_for_state(handle, status_is(CaseStatus.RECTIFYING))
    return handle, investigator


async def test_a_resolved_case_is_evaluated_and_closed(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker)
    await propose_and_accept(handle)
    await evaluate(ts_env, handle, satisfaction=5, service_attitude=4, resolved=True)
    result = await handle.result()

    assert result.outcome is Outcome.RESOLVED and result.violations == 0
    state = await case_state(handle)
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.MET
    assert state.deadline(DeadlineKind.RESOLUTION).state is DeadlineState.MET
    assert state.evaluation and state.evaluation.evaluated and state.evaluation.result.satisfaction == 5
    [row] = await rows(db, Complaint, Complaint.tracking_no == state.tracking_no)
    assert (row.status, row.outcome, row.overdue, row.revision) == (
        "closed",
        "resolved",
        False,
        state.revision,
    )
    [task] = await rows(db, Task, Task.tracking_no == state.tracking_no)
    assert (task.kind, task.status, task.assignee_id) == ("evaluation", "done", "agency-huaxin")
    assert task.result["satisfaction"] == 5
    kinds = [e.kind for e in await rows(db, CaseEventRow, CaseEventRow.source == handle.id)]
    assert kinds[:4] == ["received", "triaged", "routed", "deadline_set"]
    assert kinds[-1] == "closed" and "accepted" in kinds


async def test_an_unresolved_case_is_investigated_after_three_working_days(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker)
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="正在处理"))
    state = await wait_for_state(handle, status_is(CaseStatus.RESPONDED))
    resolution = state.deadline(DeadlineKind.RESOLUTION)
    await ts_env.sleep(resolution.due - state.forwarded_at + timedelta(seconds=1))

    state = await wait_for_state(handle, status_is(CaseStatus.INVESTIGATING), "investigation")
    assert state.escalation_level == 2
    # Breached, then superseded by the investigation and its own deadline.
    resolution = state.deadline(DeadlineKind.RESOLUTION)
    assert resolution.state is DeadlineState.CLOSED and resolution.breached_at == resolution.ended_at
    assert state.deadline(DeadlineKind.INVESTIGATION).state is DeadlineState.PENDING
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.MET
    assert state.investigation.cause == "resolution overdue"
    investigator = await investigate(handle)
    assert investigator in {"inv-li", "inv-chen"}
    state = await wait_for_state(handle, lambda s: s.investigation.investigator is not None, db=db)
    violations = await rows(db, ViolationRow, ViolationRow.tracking_no == state.tracking_no)
    assert [v.kind for v in violations] == ["late_resolution"]
    notes = await rows(
        db,
        NotificationRow,
        NotificationRow.recipient_ref == investigator,
        NotificationRow.tracking_no == state.tracking_no,
    )
    assert [n.topic for n in notes] == ["assigned"]


async def test_investigators_are_assigned_by_fewest_open_cases(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    first = await investigate(await forwarded(ts_env, worker, description="插座冒烟起火"))
    # The count is of the read model's open cases: the next case is taken once this one is in it.
    await eventually(
        lambda: rows(db, Complaint, Complaint.investigator_id == first), what="the case projected"
    )
    second = await investigate(await forwarded(ts_env, worker, description="充电时电池爆炸"))
    assert {first, second} == {"inv-li", "inv-chen"}


async def test_a_safety_hazard_is_critical_first_in_line_and_investigated_at_once(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await forwarded(ts_env, worker, description="热水壶使用中底座冒烟,差点起火")
    state = await wait_for_state(handle, status_is(CaseStatus.INVESTIGATING))
    assert (state.triage.severity, state.triage.priority, state.triage.rule) == (
        Severity.CRITICAL,
        Priority.P1,
        "safety-hazard",
    )
    assert state.escalation_level == 2
    # The enterprise still owes its response while the investigation runs.
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.PENDING
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已停售该批次"))
    state = await wait_for_state(handle, lambda s: s.responded_at is not None)
    assert state.status is CaseStatus.INVESTIGATING


async def test_dispute_evidence_findings_rectification_verification_and_silent_evaluation(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker)
    await handle.signal(
        ComplaintWorkflow.propose, command(Propose, ENTERPRISE, measures=[Measure.REPAIR], detail="免费维修")
    )
    await wait_for_state(handle, status_is(CaseStatus.PROPOSED))
    await handle.signal(ComplaintWorkflow.dispute, command(Dispute, CONSUMER, reason="已修过两次,要求换货"))
    state = await wait_for_state(handle, status_is(CaseStatus.INVESTIGATING))
    assert state.investigation.cause == "disputed by the consumer"
    investigator = Actor(id=await investigate(handle), role=Role.INVESTIGATOR)

    await handle.signal(
        ComplaintWorkflow.request_evidence, command(RequestEvidence, investigator, items="维修记录与质检报告")
    )
    state = await wait_for_state(handle, lambda s: s.deadline(DeadlineKind.EVIDENCE) is not None)
    evidence = state.deadline(DeadlineKind.EVIDENCE)
    await ts_env.sleep(evidence.due - evidence.started_at + timedelta(seconds=1))
    state = await wait_for_state(
        handle,
        lambda s: s.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.BREACHED,
        "evidence overdue",
    )
    assert state.escalation_level == 3
    await handle.signal(
        ComplaintWorkflow.submit_evidence,
        command(SubmitEvidence, ENTERPRISE, description="维修单三张", documents=["repair-1.pdf"]),
    )
    await wait_for_state(handle, lambda s: s.deadline(DeadlineKind.EVIDENCE).state is DeadlineState.MET_LATE)

    await handle.signal(
        ComplaintWorkflow.submit_findings,
        command(
            SubmitFindings,
            investigator,
            verdict=Verdict.SUBSTANTIATED,
            offence=Offence.WARRANTY_REFUSAL,
            measures=[
                OrderedMeasure(kind=Measure.REPLACE),
                OrderedMeasure(kind=Measure.COMPENSATION, amount=Decimal("200")),
            ],
            summary="三包期内两次维修仍不能正常使用,应予换货",
        ),
    )
    state = await wait_for_state(handle, status_is(CaseStatus.RECTIFYING))
    await handle.signal(
        ComplaintWorkflow.submit_rectification,
        command(
            SubmitRectification,
            ENTERPRISE,
            cause_analysis="维修网点备件不足",
            improvement_measures="增加备件库存,三包期内二次返修直接换货",
            implementation_effect="本月返修率下降40%",
        ),
    )
    state = await wait_for_state(
        handle, lambda s: s.task is not None and s.task.kind is TaskKind.VERIFICATION
    )
    task = state.task
    verification = await task_handle(ts_env.client, task.task_id)
    early = command(VerificationResult, investigator, effective=True, notes="提前核查")
    await verification.signal(VerificationWorkflow.submit_result, early)
    refused = await verification.query(VerificationWorkflow.answer, early.request_id)
    assert refused.outcome.startswith("verification opens") and refused.view is None

    await ts_env.sleep(task.opens_at - state.rectification.submitted_at + timedelta(seconds=1))
    await task_row(db, task.task_id, lambda t: t.status == TaskStatus.OPEN, "the verification open")
    await verification.signal(
        VerificationWorkflow.submit_result,
        command(VerificationResult, investigator, effective=True, notes="现场抽查备件充足"),
    )
    state = await wait_for_state(handle, lambda s: s.task is not None and s.task.kind is TaskKind.EVALUATION)
    await ts_env.sleep(state.task.due - state.task.opens_at + timedelta(seconds=1))
    result = await handle.result()

    assert result.outcome is Outcome.RESOLVED_AFTER_RECTIFICATION
    state = await case_state(handle)
    assert state.evaluation and not state.evaluation.evaluated
    kinds = sorted(
        v.kind for v in await rows(db, ViolationRow, ViolationRow.tracking_no == state.tracking_no)
    )
    assert kinds == ["late_evidence", "substantiated_complaint"]
    [evaluation] = await rows(db, Task, Task.tracking_no == state.tracking_no, Task.kind == "evaluation")
    assert evaluation.status == TaskStatus.EXPIRED


async def test_ineffective_rectification_loops_back_with_a_new_round(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle, investigator = await substantiated(
        ts_env, worker, "空调漏电,触电", measures=[OrderedMeasure(kind=Measure.RECALL)]
    )
    report = {
        "cause_analysis": "接地端子虚焊",
        "improvement_measures": "召回并加检",
        "implementation_effect": "召回完成80%",
    }
    await handle.signal(
        ComplaintWorkflow.submit_rectification, command(SubmitRectification, ENTERPRISE, **report)
    )
    state = await wait_for_state(handle, lambda s: s.task is not None)
    await ts_env.sleep(state.task.opens_at - state.rectification.submitted_at + timedelta(seconds=1))
    child = await task_handle(ts_env.client, state.task.task_id)
    await child.signal(
        VerificationWorkflow.submit_result,
        command(VerificationResult, investigator, effective=False, notes="抽检仍有虚焊"),
    )

    state = await wait_for_state(
        handle, lambda s: s.status is CaseStatus.RECTIFYING and len(s.rectifications) == 2, db=db
    )
    assert state.escalation_level == 3
    assert state.rectifications[0].verification.effective is False
    assert state.deadline(DeadlineKind.RECTIFICATION).round == 2
    kinds = sorted(
        v.kind for v in await rows(db, ViolationRow, ViolationRow.tracking_no == state.tracking_no)
    )
    assert kinds == ["ineffective_rectification", "substantiated_complaint"]
    await handle.signal(
        ComplaintWorkflow.submit_rectification, command(SubmitRectification, ENTERPRISE, **report)
    )
    state = await wait_for_state(handle, lambda s: s.task is not None and s.task.round == 2)
    assert state.task.task_id.endswith("-verification-2")


async def test_a_late_rectification_report_is_a_violation(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker, description="手机充电时起火")
    investigator = Actor(id=await investigate(handle), role=Role.INVESTIGATOR)
    await handle.signal(
        ComplaintWorkflow.submit_findings,
        command(
            SubmitFindings,
            investigator,
            verdict=Verdict.PARTLY_SUBSTANTIATED,
            offence=Offence.SERVICE_QUALITY,
            summary="售后未按规定受理",
        ),
    )
    state = await wait_for_state(handle, lambda s: s.deadline(DeadlineKind.RECTIFICATION) is not None)
    rectification = state.deadline(DeadlineKind.RECTIFICATION)
    await ts_env.sleep(rectification.due - rectification.started_at + timedelta(seconds=1))
    state = await wait_for_state(handle, lambda s: s.overdue, "rectification overdue", db=db)
    assert state.escalation_level == 3
    kinds = [v.kind for v in await rows(db, ViolationRow, ViolationRow.tracking_no == state.tracking_no)]
    assert "late_rectification" in kinds


async def test_a_silent_consumer_is_deemed_to_accept(ts_env: WorkflowEnvironment, worker: Worker) -> None:
    handle = await forwarded(ts_env, worker)
    await handle.signal(
        ComplaintWorkflow.propose,
        command(Propose, ENTERPRISE, measures=[Measure.REFUND], amount=Decimal("199"), detail="全额退款"),
    )
    state = await wait_for_state(handle, lambda s: s.deadline(DeadlineKind.CONSUMER_DECISION) is not None)
    decision = state.deadline(DeadlineKind.CONSUMER_DECISION)
    await ts_env.sleep(decision.due - decision.started_at + timedelta(seconds=1))
    state = await wait_for_state(handle, status_is(CaseStatus.EVALUATING))
    assert state.deadline(DeadlineKind.CONSUMER_DECISION).state is DeadlineState.CLOSED
    await evaluate(ts_env, handle, satisfaction=3, service_attitude=3, resolved=True)
    assert (await handle.result()).outcome is Outcome.RESOLVED_BY_DEFAULT


async def test_unsubstantiated_findings_close_after_evaluation(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await forwarded(ts_env, worker, category="false_advertising", description="宣传与实物不符")
    investigator = Actor(id=await investigate(handle), role=Role.INVESTIGATOR)
    await handle.signal(
        ComplaintWorkflow.submit_findings,
        command(
            SubmitFindings, investigator, verdict=Verdict.NOT_SUBSTANTIATED, summary="宣传内容与产品一致"
        ),
    )
    await evaluate(ts_env, handle, satisfaction=2, service_attitude=3, resolved=False)
    assert (await handle.result()).outcome is Outcome.NOT_SUBSTANTIATED


async def test_withdrawal_and_rejection_close_the_case(ts_env: WorkflowEnvironment, worker: Worker) -> None:
    withdrawn = await forwarded(ts_env, worker)
    await withdrawn.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已私下和解"))
    assert (await withdrawn.result()).outcome is Outcome.WITHDRAWN

    rejected = await forwarded(ts_env, worker)
    no_original = command(Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE)
    await rejected.signal(ComplaintWorkflow.reject, no_original)
    await rejected.signal(
        ComplaintWorkflow.reject,
        command(Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE, duplicate_of="CP-20261130-ABCDEF"),
    )
    assert (await rejected.result()).outcome is Outcome.REJECTED_DUPLICATE
    state = await case_state(rejected)
    assert state.requests[no_original.request_id].startswith("duplicate_of:")
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.CLOSED


async def test_signals_that_do_not_fit_are_refused_and_recorded(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker)
    stranger = Actor(id="ent-xunjie", role=Role.ENTERPRISE, org=OTHER_ENTERPRISE)
    await handle.signal(ComplaintWorkflow.respond, command(Respond, stranger, message="不是我们的"))
    await handle.signal(ComplaintWorkflow.accept, command(Accept, CONSUMER))
    await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, SUPERVISOR))
    state = await wait_for_state(handle, lambda s: len(s.refusals) == 3, "three refusals")
    assert [r.reason for r in state.refusals] == [
        "this case concerns another enterprise",
        "accept does not fit a case that is forwarded (it awaits enterprise: respond; "
        "enterprise: propose a resolution)",
        "withdraw is for the consumer, not the supervisor",
    ]
    assert state.status is CaseStatus.FORWARDED and state.responded_at is None

    async def refusals_recorded() -> bool:
        refused = await rows(
            db, CaseEventRow, CaseEventRow.source == handle.id, CaseEventRow.kind == "refused"
        )
        return len(refused) == 3

    await eventually(refusals_recorded, what="refusals in the read model")


async def test_a_repeated_request_id_is_applied_once(ts_env: WorkflowEnvironment, worker: Worker) -> None:
    handle = await forwarded(ts_env, worker)
    respond = command(Respond, ENTERPRISE, message="已联系")
    for _ in range(3):
        await handle.signal(ComplaintWorkflow.respond, respond)
    again = command(Respond, ENTERPRISE, message="再次回应")
    await handle.signal(ComplaintWorkflow.respond, again)
    state = await wait_for_state(handle, lambda s: again.request_id in s.requests)
    assert state.requests[respond.request_id] == "applied"
    assert state.requests[again.request_id].startswith("the enterprise already responded")
    assert len(state.refusals) == 1 and state.response.message == "已联系"


async def test_a_backdated_case_past_its_deadline_is_escalated_but_not_counted_against_the_enterprise(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    now = (await ts_env.get_current_time()).replace(microsecond=0)
    handle = await forwarded(ts_env, worker, received_at=now - timedelta(days=2), channel="phone")
    state = await wait_for_state(handle, lambda s: s.escalation_level >= 1)
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.BREACHED
    assert state.violations == []  # the case: and the read model, once it has caught up
    await eventually(
        lambda: rows(
            db, Complaint, Complaint.tracking_no == state.tracking_no, Complaint.revision >= state.revision
        ),
        what="the read model",
    )
    assert not await rows(db, ViolationRow, ViolationRow.tracking_no == state.tracking_no)


async def test_a_long_case_continues_as_new_and_keeps_its_state_and_timers(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        (DEFAULTS / "policy.toml")
        .read_text()
        .replace('version = "2026.5"', 'version = "test-short"')
        .replace("continue_as_new_after_events = 2000", "continue_as_new_after_events = 100")
    )
    short = settings.model_copy(update={"policy_file": policy})
    async with build_worker(ts_env.client, short, db) as worker:
        handle = await forwarded(ts_env, worker)
        first_run = (await handle.describe()).run_id
        stranger = Actor(id="ent-xunjie", role=Role.ENTERPRISE, org=OTHER_ENTERPRISE)
        for n in range(120):
            await handle.signal(ComplaintWorkflow.respond, command(Respond, stranger, message=f"第{n}次"))
        latest = ts_env.client.get_workflow_handle(handle.id)

        async def new_run() -> bool:
            return (await latest.describe()).run_id != first_run

        await eventually(new_run, what="continue-as-new")
        state = await wait_for_state(latest, lambda s: len(s.requests) == 120, "all refused")
        assert state.policy.version == "test-short" and state.status is CaseStatus.FORWARDED
        revision = state.revision

        await ts_env.sleep(timedelta(hours=24, seconds=1))
        state = await wait_for_state(
            latest, lambda s: s.escalation_level == 1, "response breach after the new run"
        )
        assert state.revision > revision and len(state.refusals) == 100  # the latest hundred
        events = await rows(db, CaseEventRow, CaseEventRow.source == handle.id)
        assert sorted(e.seq for e in events) == list(range(1, state.revision + 1))


async def test_an_investigation_without_findings_in_time_goes_up_to_enforcement(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle = await forwarded(ts_env, worker, description="燃气灶漏气,闻到很大气味,差点中毒")
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已派员检修"))
    await investigate(handle)
    state = await wait_for_state(handle, lambda s: s.deadline(DeadlineKind.INVESTIGATION) is not None)
    investigation = state.deadline(DeadlineKind.INVESTIGATION)
    await ts_env.sleep(investigation.due - investigation.started_at + timedelta(seconds=1))
    state = await wait_for_state(handle, lambda s: s.escalation_level == 3, "investigation overdue")
    assert state.deadline(DeadlineKind.INVESTIGATION).state is DeadlineState.BREACHED and state.overdue
    assert state.violations == []  # the investigator's lateness is not the enterprise's violation
    notes = await eventually(
        lambda: rows(db, NotificationRow, NotificationRow.topic == "investigation_overdue"),
        what="the overdue notifications",
    )
    assert {n.recipient_kind for n in notes} == {"role", "account"}


async def test_a_late_verification_alerts_the_supervisors_and_is_still_awaited(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle, investigator = await substantiated(ts_env, worker, "电动车电池鼓包起火")
    await handle.signal(
        ComplaintWorkflow.submit_rectification,
        command(
            SubmitRectification,
            ENTERPRISE,
            cause_analysis="电芯供应商更换",
            improvement_measures="来料全检",
            implementation_effect="无新增投诉",
        ),
    )
    state = await wait_for_state(handle, lambda s: s.task is not None)
    await ts_env.sleep(state.task.due - (await ts_env.get_current_time()) + timedelta(hours=1))
    await task_row(db, state.task.task_id, lambda t: t.status == TaskStatus.OPEN, "the verification open")
    overdue = await eventually(
        lambda: rows(db, NotificationRow, NotificationRow.topic == "verification_overdue"),
        what="the overdue notifications",
    )
    assert {(n.recipient_kind, n.recipient_ref) for n in overdue} == {
        ("role", "supervisor"),
        ("account", investigator.id),
    }
    child = await task_handle(ts_env.client, state.task.task_id)
    await child.signal(
        VerificationWorkflow.submit_result,
        command(VerificationResult, investigator, effective=True, notes="补查合格"),
    )
    state = await wait_for_state(handle, status_is(CaseStatus.EVALUATING))
    assert state.rectifications[0].verification.late is True


async def test_a_failed_child_is_recorded_and_started_again(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle, _ = await substantiated(ts_env, worker, "电饭煲漏电,手被电击")
    await handle.signal(
        ComplaintWorkflow.submit_rectification,
        command(
            SubmitRectification,
            ENTERPRISE,
            cause_analysis="接地缺陷",
            improvement_measures="召回",
            implementation_effect="完成召回",
        ),
    )
    state = await wait_for_state(handle, lambda s: s.task is not None)
    first = state.task.task_id
    child = await task_handle(ts_env.client, first)

    async def idle() -> bool:  # its first record written, and nothing in flight
        recorded = (await child.query(VerificationWorkflow.task)).revision > 0
        return recorded and not (await child.describe()).raw_description.pending_activities

    # Cancelled in the middle of an activity, the child closes without it; the test server then
    # keeps that activity pending and its clock stopped. An operator's cancel finds it waiting.
    await eventually(idle, what="the verification waiting")
    await child.cancel()  # an operator cancels it by mistake
    state = await wait_for_state(
        handle, lambda s: s.task is None and s.task_failures, "the failure on record"
    )
    assert state.status is CaseStatus.VERIFYING and state.task_failures == {"verification-1": 1}
    await ts_env.sleep(timedelta(hours=1, minutes=1))
    state = await wait_for_state(handle, lambda s: s.task is not None, "the verification started again")
    assert state.task.task_id == f"{first}-2"
