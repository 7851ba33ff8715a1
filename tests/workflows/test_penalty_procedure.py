"""The penalty procedure through real workflows and skipped time: an enterprise that never
answers climbs from a warning to the revocation of its licence, with the hearings it asks for;
a complaint against it afterwards is handled for the consumer and brings no new penalty; and a
supervision begun before takes up the procedure with the next report."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.models import Complaint, EnterpriseSupervision
from db.session import Database
from domain.enums import DecisionOutcome, PenaltyKind, PenaltyStatus, WarningStatus
from domain.messages import Assignee
from domain.supervision.io import EnterpriseInput
from domain.supervision.messages import (
    PROCEDURE,
    EnterpriseReport,
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    ViolationReport,
)
from domain.supervision.state import EnterpriseState
from settings import Settings
from tests.support import (
    ENTERPRISE,
    ENTERPRISE_CODE,
    ENTERPRISE_NAME,
    POLICY,
    SUPERVISOR,
    command,
    eventually,
    rows,
)
from tests.support.processes import REPORT
from tests.support.workflows import idle, supervision, supervision_handle, unanswered
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import PENALTY_PROCEDURE, EnterpriseWorkflow

pytestmark = pytest.mark.sqlite_only

OFFICER = Assignee(id="sup-qian", name="钱立")


async def signal(env: WorkflowEnvironment, method: Any, cmd: Any) -> EnterpriseState:
    """Send a step to the supervision; its state once the step is applied."""
    await supervision_handle(env).signal(method, cmd)
    state = await supervision(env, lambda s: cmd.request_id in s.requests, f"{cmd.request_id} taken")
    assert state.requests[cmd.request_id] == "applied", state.requests[cmd.request_id]
    return state


async def later(env: WorkflowEnvironment, moment: Any) -> None:
    await env.sleep(moment - (await env.get_current_time()) + timedelta(minutes=1))


async def proposed(env: WorkflowEnvironment, worker: Worker, n: int) -> EnterpriseState:
    """Another case the enterprise leaves unanswered: a repeat within the window, penalty P`n`."""
    await unanswered(env, worker)
    return await supervision(
        env,
        lambda s: len(s.penalties) == n and s.penalties[-1].statement_due is not None,
        f"P{n} proposed",
    )


async def heard(env: WorkflowEnvironment, penalty: str) -> EnterpriseState:
    """The enterprise states its case and asks for a hearing; it is scheduled, held, recorded."""
    await signal(
        env, EnterpriseWorkflow.request_hearing, command(HearingRequest, ENTERPRISE, penalty_id=penalty)
    )
    await signal(
        env,
        EnterpriseWorkflow.submit_statement,
        command(Statement, ENTERPRISE, penalty_id=penalty, text="请从轻"),
    )
    at = (await env.get_current_time()) + timedelta(days=10)
    state = await signal(
        env,
        EnterpriseWorkflow.schedule_hearing,
        command(
            HearingSchedule,
            SUPERVISOR,
            penalty_id=penalty,
            at=at,
            place="区市场监管局听证室",
            presiding_officer=OFFICER,
        ),
    )
    assert state.penalty(penalty).status is PenaltyStatus.HEARING  # type: ignore[union-attr]
    await later(env, at + timedelta(hours=2))
    return await signal(
        env,
        EnterpriseWorkflow.record_hearing,
        command(
            HearingRecord,
            SUPERVISOR,
            penalty_id=penalty,
            held_at=at,
            attended=True,
            record="企业陈述了整改措施",
            opinion="事实清楚,建议维持",
        ),
    )


async def decided(env: WorkflowEnvironment, penalty: str) -> EnterpriseState:
    confirm = command(
        PenaltyDecision, SUPERVISOR, penalty_id=penalty, outcome=DecisionOutcome.CONFIRM, reason="事实清楚"
    )
    return await signal(env, EnterpriseWorkflow.decide_penalty, confirm)


async def test_an_enterprise_climbs_to_revocation_and_a_later_complaint_brings_no_penalty(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    env = ts_env
    await unanswered(env, worker)
    state = await supervision(env, lambda s: s.warnings and s.warnings[0].order_due, "W1")
    # The enterprise rectifies what W1 orders at once: its order plays no part below.
    await signal(
        env,
        EnterpriseWorkflow.submit_order_report,
        command(OrderReport, ENTERPRISE, warning_id="W1", **REPORT),
    )
    verified = command(OrderVerification, SUPERVISOR, warning_id="W1", effective=True, notes="整改到位")
    state = await signal(env, EnterpriseWorkflow.verify_order, verified)
    assert state.warnings[0].status is WarningStatus.LIFTED and state.commendations

    # P1, a fine of 50,000 yuan: no hearing; stated, decided, paid within its 15 days.
    state = await proposed(env, worker, 1)
    assert state.penalties[0].hearing is None
    await signal(
        env, EnterpriseWorkflow.submit_statement, command(Statement, ENTERPRISE, penalty_id="P1", text="认")
    )
    state = await decided(env, "P1")
    fine = state.penalties[0]
    assert fine.status is PenaltyStatus.PAYMENT_DUE
    fine = (await supervision(env, lambda s: s.penalties[0].payment_due, "P1's payment due")).penalties[0]
    paid_on = (await env.get_current_time()).astimezone(POLICY.tz).date()
    pay = command(
        FinePayment, SUPERVISOR, penalty_id="P1", receipt_no="NS-0001", paid_on=paid_on, amount=Decimal(50000)
    )
    state = await signal(env, EnterpriseWorkflow.record_payment, pay)
    assert state.penalties[0].status is PenaltyStatus.PAID

    # P2, a fine of 200,000 yuan: a hearing offered and not asked for; decided once its window passed.
    state = await proposed(env, worker, 2)
    p2 = state.penalties[1]
    assert p2.amount == Decimal(200000) and p2.hearing is not None and p2.hearing.request_due is not None
    await later(env, max(p2.hearing.request_due.due, p2.statement_due.due))  # type: ignore[union-attr]
    await supervision(env, lambda s: s.penalties[1].status is PenaltyStatus.AWAITING_DECISION, "P2 decidable")
    state = await decided(env, "P2")
    assert state.penalties[1].hearing_outcome.startswith("waived: not asked for by")

    # P3, a suspension, and P4, the revocation: each after the hearing the enterprise asks for.
    for n, kind in ((3, PenaltyKind.SUSPENSION), (4, PenaltyKind.REVOCATION)):
        state = await proposed(env, worker, n)
        assert state.penalties[-1].kind is kind
        await heard(env, f"P{n}")
        state = await decided(env, f"P{n}")
        assert state.penalties[-1].hearing_outcome.startswith("held ")
        assert "presided over by 钱立" in state.penalties[-1].hearing_outcome
    assert state.revoked_at is not None
    assert [p.status for p in state.penalties] == [
        PenaltyStatus.PAID,
        PenaltyStatus.OVERDUE,  # nobody recorded P2's payment: its surcharge accrues
        PenaltyStatus.SUPERSEDED,
        PenaltyStatus.REVOKED,
    ]

    async def revoked_in_read_model() -> bool:
        [row] = await rows(db, EnterpriseSupervision, EnterpriseSupervision.credit_code == ENTERPRISE_CODE)
        return row.revoked_at is not None

    await eventually(revoked_in_read_model, what="the revocation in the read model")

    # A complaint against the revoked enterprise: received, marked, handled; no new penalty.
    handle: WorkflowHandle[Any, Any] = await unanswered(env, worker)
    case = await handle.query(ComplaintWorkflow.state)
    assert case.enterprise_revoked_at == state.revoked_at
    said = f"violation in case {case.tracking_no} recorded: the business licence was revoked"
    state = await supervision(env, lambda s: any(h.detail.startswith(said) for h in s.history), "recorded")
    assert len(state.penalties) == 4 and len(state.warnings) == 1
    [row] = await rows(db, Complaint, Complaint.tracking_no == case.tracking_no)
    assert row.enterprise_revoked


def _report(
    n: int, kind: str, at: datetime, *, procedure: int = 1, severity: str = "moderate"
) -> EnterpriseReport:
    """A case's report, as the workflow receives it; reports from before name no procedure."""
    violation = ViolationReport(
        key=f"CP-OLD-{n}:1",
        tracking_no=f"CP-OLD-{n}",
        kind=kind,  # type: ignore[arg-type]
        offence="product_safety" if kind == "substantiated_complaint" else None,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        at=at,
        detail="",
    )
    return EnterpriseReport(
        credit_code=ENTERPRISE_CODE,
        name=ENTERPRISE_NAME,
        policy=POLICY,
        violations=[violation],
        procedure=procedure,
    )


async def test_a_supervision_begun_before_takes_up_the_procedure_with_the_next_report(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    env = ts_env

    async def report(r: EnterpriseReport) -> None:
        await env.client.start_workflow(
            EnterpriseWorkflow.run,
            EnterpriseInput(credit_code=ENTERPRISE_CODE),
            id=supervision_handle(env).id,
            task_queue=settings.task_queue,
            start_signal="report",
            start_signal_args=[r],
        )

    # A worker from before the procedure: it never takes the patch, and caches nothing, so the
    # next worker replays the history, as a worker with new code does after a deployment.
    before = build_worker(
        env.client,
        settings,
        db,
        max_cached_workflows=0,
        patch_activation_callback=lambda p: p.patch_id != PENALTY_PROCEDURE,
    )
    async with before:
        await report(_report(1, "substantiated_complaint", await env.get_current_time(), severity="critical"))
        await supervision(env, lambda s: s.penalties and s.penalties[0].statement_due, "P1 proposed")
        await signal(
            env,
            EnterpriseWorkflow.submit_statement,
            command(Statement, ENTERPRISE, penalty_id="P1", text="认"),
        )
        state = await decided(env, "P1")
        assert state.penalties[0].status is PenaltyStatus.CONFIRMED  # the ladder as it was
        await idle(env, supervision_handle(env).id)  # the decision recorded before the worker stops

    async with build_worker(env.client, settings, db):
        await report(_report(2, "late_response", await env.get_current_time(), procedure=PROCEDURE))
        state = await supervision(env, lambda s: s.penalties[0].payment_due is not None, "P1 adopted")
        assert state.penalties[0].status is PenaltyStatus.PAYMENT_DUE
        # Its 15 days run from the adoption: no payment was asked for before.
        assert state.penalties[0].payment_due.started_at > state.penalties[0].decided_at  # type: ignore[operator,union-attr]
        # P2 was proposed by the ladder from before, for the report that brought the change; the
        # new run offers the hearing a fine of 200,000 yuan gives.
        p2 = state.penalties[1]
        assert p2.amount == Decimal(200000) and p2.hearing is not None
        history = await env.client.get_workflow_handle(supervision_handle(env).id).fetch_history()
        assert history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
