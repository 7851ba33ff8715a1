"""The violation ladder through real workflows and skipped time: a case's violations reach
its enterprise's supervision, which warns, proposes penalties, waits for the statement,
takes the decision, publishes the notice, and lifts what verified rectification answers."""

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.models import EnterpriseSupervision, PublicNoticeRow, SupervisionMeasure, ViolationRow
from db.session import Database
from domain.complaint.messages import Escalate, Reject, Respond, SubmitFindings, SubmitRectification
from domain.enums import (
    CaseStatus,
    DecisionOutcome,
    Offence,
    PenaltyStatus,
    RejectionReason,
    Role,
    Severity,
    Verdict,
    WarningStatus,
)
from domain.ids import ActivityName
from domain.messages import Actor
from domain.policy import parse_policy
from domain.readmodel import MeasureRecord, SupervisionUpdate
from domain.supervision.io import EnterpriseInput
from domain.supervision.messages import EnterpriseReport, PenaltyDecision, Statement, ViolationReport
from domain.tasks import VerificationResult
from settings import DEFAULTS
from tests.support import (
    ENTERPRISE,
    ENTERPRISE_CODE,
    SUPERVISOR,
    command,
    eventually,
    rows,
    task_handle,
    wait_for_state,
)
from tests.support.workflows import (
    forwarded,
    investigate,
    status_is,
    supervision,
    supervision_handle,
    unanswered,
)
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import EnterpriseWorkflow
from workflows.verification import VerificationWorkflow

pytestmark = pytest.mark.sqlite_only

REPORT = {
    "cause_analysis": "客服排班不足",
    "improvement_measures": "增设夜班",
    "implementation_effect": "按时回应",
}


async def test_a_first_violation_warns_and_an_overdue_order_leads_to_a_decided_penalty_and_a_notice(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    await unanswered(ts_env, worker)
    state = await supervision(ts_env, lambda s: s.warnings, "a warning")
    [warning] = state.warnings
    assert (warning.id, warning.status, state.level) == ("W1", WarningStatus.ACTIVE, 1)
    assert warning.cause.startswith("late_response") and warning.order_due is not None

    await ts_env.sleep(warning.order_due.due - (await ts_env.get_current_time()) + timedelta(minutes=1))
    state = await supervision(ts_env, lambda s: s.penalties, "a penalty proposal")
    [penalty] = state.penalties
    assert penalty.trigger == "warning W1: rectification report overdue"
    assert (penalty.amount, penalty.status, state.level) == (Decimal(50000), PenaltyStatus.PROPOSED, 2)
    handle = supervision_handle(ts_env)
    await handle.signal(
        EnterpriseWorkflow.submit_statement,
        command(Statement, ENTERPRISE, penalty_id="P1", text="夜班客服已补齐,请从轻处理"),
    )
    await supervision(
        ts_env, lambda s: s.penalties[0].status is PenaltyStatus.AWAITING_DECISION, "the statement"
    )
    await handle.signal(
        EnterpriseWorkflow.decide_penalty,
        command(
            PenaltyDecision,
            SUPERVISOR,
            penalty_id="P1",
            outcome=DecisionOutcome.AMEND,
            kind="fine",
            amount=Decimal(30000),
            reason="已陈述申辩,酌情从轻",
        ),
    )
    state = await supervision(ts_env, lambda s: s.notices, "the public notice")
    assert state.penalties[0].status is PenaltyStatus.PAYMENT_DUE and state.penalties[0].amount == Decimal(
        30000
    )

    async def published() -> list[Any]:
        return await rows(db, PublicNoticeRow, PublicNoticeRow.enterprise_code == ENTERPRISE_CODE)

    [notice] = await eventually(published, what="the notice in the read model")
    assert "fine of 30,000 yuan" in notice.title and "张三" not in notice.text
    measures = await rows(db, SupervisionMeasure, SupervisionMeasure.enterprise_code == ENTERPRISE_CODE)
    assert {(m.measure_id, m.status) for m in measures} == {("W1", "escalated"), ("P1", "payment_due")}
    [p1] = [m for m in measures if m.measure_id == "P1"]
    assert (p1.penalty_kind, p1.amount, p1.tracking_nos) == ("fine", Decimal(30000), [warning.tracking_no])

    # Each update to the read model carries a warning or a penalty only when it changed.
    updates = await recorded_updates(ts_env.client, handle)
    written: dict[str, list[MeasureRecord]] = {}
    for update in updates:
        for m in update.measures:
            written.setdefault(m.measure_id, []).append(m.model_copy(update={"revision": 0}))
    assert len(updates) > len(written["W1"]) >= 2
    for versions in written.values():
        assert all(a != b for a, b in pairwise(versions)), versions
    assert (written["W1"][-1].status, written["P1"][-1].status) == ("escalated", "payment_due")


async def recorded_updates(client: Client, handle: WorkflowHandle[Any, Any]) -> list[SupervisionUpdate]:
    """What the enterprise's workflow asked the read model to write, in order."""
    updates = []
    async for e in handle.fetch_history_events():
        attributes = e.activity_task_scheduled_event_attributes
        if e.HasField("activity_task_scheduled_event_attributes") and (
            attributes.activity_type.name == ActivityName.RECORD_SUPERVISION
        ):
            [update] = await client.data_converter.decode(attributes.input.payloads, [SupervisionUpdate])
            updates.append(update)
    return updates


async def test_without_a_statement_the_window_closes_and_then_a_supervisor_decides(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    await unanswered(ts_env, worker)
    await supervision(ts_env, lambda s: s.warnings, "a warning")
    await unanswered(ts_env, worker)  # a second case: a repeat within the window
    state = await supervision(ts_env, lambda s: s.penalties and s.penalties[0].statement_due, "a penalty")
    assert state.penalties[0].trigger.startswith("repeat violation within 180 days")
    handle = supervision_handle(ts_env)
    early = command(PenaltyDecision, SUPERVISOR, penalty_id="P1", outcome=DecisionOutcome.CONFIRM, reason="x")
    await handle.signal(EnterpriseWorkflow.decide_penalty, early)
    state = await supervision(ts_env, lambda s: early.request_id in s.requests, "the early decision refused")
    assert state.requests[early.request_id].startswith("the enterprise may state its case until")
    due = state.penalties[0].statement_due
    await ts_env.sleep(due.due - (await ts_env.get_current_time()) + timedelta(minutes=1))
    await supervision(
        ts_env, lambda s: s.penalties[0].status is PenaltyStatus.AWAITING_DECISION, "window closed"
    )
    await handle.signal(
        EnterpriseWorkflow.decide_penalty,
        command(
            PenaltyDecision, SUPERVISOR, penalty_id="P1", outcome=DecisionOutcome.CONFIRM, reason="事实清楚"
        ),
    )
    state = await supervision(ts_env, lambda s: s.notices, "the notice")
    assert state.notices[0].penalty_id == "P1"


async def _substantiate(
    env: WorkflowEnvironment, worker: Worker, offence: Offence, **overrides: Any
) -> tuple[WorkflowHandle[Any, Any], Actor]:
    handle = await forwarded(env, worker, **overrides)
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已联系"))
    await handle.signal(ComplaintWorkflow.escalate, command(Escalate, SUPERVISOR, reason="需调查"))
    investigator = Actor(id=await investigate(handle), role=Role.INVESTIGATOR)
    await handle.signal(
        ComplaintWorkflow.submit_findings,
        command(SubmitFindings, investigator, verdict=Verdict.SUBSTANTIATED, offence=offence, summary="属实"),
    )
    await wait_for_state(handle, status_is(CaseStatus.RECTIFYING))
    return handle, investigator


async def test_two_consecutive_service_quality_complaints_lead_to_a_penalty(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    await _substantiate(
        ts_env,
        worker,
        Offence.SERVICE_QUALITY,
        category="service_attitude",
        description="客服态度恶劣,多次挂断电话",
    )
    state = await supervision(ts_env, lambda s: s.warnings, "a warning")
    assert state.service_quality_streak == 1 and state.warnings[0].internal
    await _substantiate(
        ts_env, worker, Offence.SERVICE_QUALITY, category="service_attitude", description="售后人员辱骂消费者"
    )
    state = await supervision(ts_env, lambda s: s.penalties and s.penalties[0].statement_due, "a penalty")
    assert state.penalties[0].trigger == "2 consecutive substantiated service-quality complaints"
    due = state.penalties[0].statement_due
    await ts_env.sleep(due.due - (await ts_env.get_current_time()) + timedelta(minutes=1))
    await supervision(
        ts_env, lambda s: s.penalties[0].status is PenaltyStatus.AWAITING_DECISION, "window closed"
    )
    await supervision_handle(ts_env).signal(
        EnterpriseWorkflow.decide_penalty,
        command(
            PenaltyDecision,
            SUPERVISOR,
            penalty_id="P1",
            outcome=DecisionOutcome.CONFIRM,
            reason="连续两次服务质量投诉属实",
        ),
    )
    state = await supervision(ts_env, lambda s: s.notices, "the public notice")
    assert "2 consecutive substantiated service-quality complaints" in state.notices[0].text


async def test_verified_rectification_lifts_the_warning_and_failure_raises_the_level(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    handle, investigator = await _substantiate(ts_env, worker, Offence.PRODUCT_QUALITY)
    state = await supervision(ts_env, lambda s: s.warnings, "a warning")
    assert (
        state.level == 1
        and state.warnings[0].tracking_no == (await handle.query(ComplaintWorkflow.state)).tracking_no
    )

    await handle.signal(
        ComplaintWorkflow.submit_rectification, command(SubmitRectification, ENTERPRISE, **REPORT)
    )
    case = await wait_for_state(handle, lambda s: s.task is not None)
    assert case.task.opens_at - case.rectification.submitted_at <= timedelta(days=31)  # level 1: 30 days
    await ts_env.sleep(case.task.opens_at - (await ts_env.get_current_time()) + timedelta(minutes=1))
    verification = await task_handle(ts_env.client, case.task.task_id)
    await verification.signal(
        VerificationWorkflow.submit_result,
        command(VerificationResult, investigator, effective=True, notes="整改到位"),
    )
    state = await supervision(ts_env, lambda s: s.commendations, "the positive evaluation")
    assert state.warnings[0].status is WarningStatus.LIFTED and state.level == 0

    async def level_zero() -> bool:
        [row] = await rows(db, EnterpriseSupervision, EnterpriseSupervision.credit_code == ENTERPRISE_CODE)
        return row.level == 0 and row.active_warnings == 0

    await eventually(level_zero, what="the read model's supervision level")


async def test_a_higher_supervision_level_brings_verification_sooner(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle, investigator = await _substantiate(
        ts_env, worker, Offence.PRODUCT_QUALITY, description="洗衣机脱水时剧烈震动, 漏水"
    )
    await supervision(ts_env, lambda s: s.warnings, "a warning")
    for round_, effective in ((1, False), (2, None)):
        await wait_for_state(
            handle, lambda s, r=round_: s.status is CaseStatus.RECTIFYING and s.rectification.round == r
        )
        await handle.signal(
            ComplaintWorkflow.submit_rectification, command(SubmitRectification, ENTERPRISE, **REPORT)
        )
        case = await wait_for_state(handle, lambda s, r=round_: s.task is not None and s.task.round == r)
        if effective is None:
            break
        await ts_env.sleep(case.task.opens_at - (await ts_env.get_current_time()) + timedelta(minutes=1))
        await (await task_handle(ts_env.client, case.task.task_id)).signal(
            VerificationWorkflow.submit_result,
            command(VerificationResult, investigator, effective=False, notes="仍有故障"),
        )
        await supervision(ts_env, lambda s: s.level == 2, "level 2 after a failed rectification")

    wait = case.task.opens_at - case.rectification.submitted_at
    assert timedelta(days=14) <= wait <= timedelta(days=15)  # level 2: 14 days (to midnight), not 30
    state = await supervision(ts_env, lambda s: s.penalties, "the penalty for the failure")
    assert state.penalties[0].trigger.endswith("not effective") and state.penalties[0].kind == "fine"
    assert {v.severity for v in state.violations} == {Severity.MODERATE}


async def test_a_long_supervision_continues_as_new_and_keeps_its_record(
    ts_env: WorkflowEnvironment, worker: Worker
) -> None:
    policy = parse_policy((DEFAULTS / "policy.toml").read_text()).model_copy(deep=True)
    short = policy.model_copy(
        update={"supervision": policy.supervision.model_copy(update={"continue_as_new_after_events": 100})}
    )
    handle = supervision_handle(ts_env)
    now = await ts_env.get_current_time()
    for n in range(1, 41):  # one case's violations: recorded with its warning, one by one
        report = EnterpriseReport(
            credit_code=ENTERPRISE_CODE,
            name="明辉电器",
            policy=short,
            violations=[
                ViolationReport(
                    key=f"CP-LONG:{n}",
                    tracking_no="CP-LONG",
                    kind="late_response",
                    severity="minor",
                    at=now,
                    detail="",
                )
            ],
        )
        await ts_env.client.start_workflow(
            EnterpriseWorkflow.run,
            EnterpriseInput(credit_code=ENTERPRISE_CODE),
            id=handle.id,
            task_queue=worker.task_queue,
            start_signal="report",
            start_signal_args=[report],
        )
    first_run = (await ts_env.client.get_workflow_handle(handle.id).fetch_history()).events[0]

    async def continued() -> bool:
        history = await ts_env.client.get_workflow_handle(handle.id).fetch_history()
        return history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id != ""

    await eventually(continued, what="continue-as-new")
    state = await supervision(
        ts_env,
        lambda s: len(s.warnings[0].violation_keys) == 40 if s.warnings else False,
        "all forty recorded",
    )
    assert len(state.warnings) == 1 and state.level == 1 and not state.pending
    assert first_run.workflow_execution_started_event_attributes.continued_execution_run_id == ""


async def test_a_case_confirmed_a_duplicate_withdraws_its_violations_from_the_supervision(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    first = await unanswered(ts_env, worker)
    await supervision(ts_env, lambda s: s.warnings, "a warning")
    second = await unanswered(ts_env, worker)
    await supervision(ts_env, lambda s: s.penalties, "a penalty proposal for the repeat")
    original, duplicate = (h.id.removeprefix("complaint-") for h in (first, second))

    reject = command(Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE, duplicate_of=original)
    await second.signal(ComplaintWorkflow.reject, reject)
    case = await wait_for_state(second, status_is(CaseStatus.CLOSED))
    assert case.duplicate_of == original and all(v.withdrawn_at for v in case.violations)
    state = await supervision(
        ts_env, lambda s: s.penalties[0].status is PenaltyStatus.DROPPED, "the proposal dropped"
    )
    assert [v.tracking_no for v in state.violations] == [original]
    assert state.warnings[0].status is WarningStatus.ACTIVE

    async def withdrawn_in_the_read_model() -> bool:
        found = await rows(db, ViolationRow, ViolationRow.enterprise_code == ENTERPRISE_CODE)
        by_case = {(r.tracking_no, r.withdrawn_at is not None) for r in found}
        [p1] = await rows(db, SupervisionMeasure, SupervisionMeasure.measure_id == "P1")
        return by_case == {(original, False), (duplicate, True)} and p1.status == "dropped"

    await eventually(withdrawn_in_the_read_model, what="the withdrawal in the read model")
