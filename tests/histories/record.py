"""Records the histories that tests/workflows/test_replay.py replays.

    python -m tests.histories.record TAG [SCENARIO ...]

Run it when a workflow changes on purpose, with a new TAG, and commit the new files beside
the old ones: the old histories keep proving that cases already running still replay (guard
changes with `workflow.patched`). Each file is one run of one workflow, named
`<tag>--<workflow id>__run<n>.json`. Name scenarios to record only those (`ladder`).
"""

import asyncio
import sys
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade
from db.seed import ENTERPRISES, seed_demo
from db.session import Database
from domain.bureaus import Routing
from domain.complaint.messages import (
    Accept,
    Admit,
    OrderedMeasure,
    Propose,
    Reject,
    Respond,
    SubmitFindings,
    SubmitRectification,
    Transfer,
    Withdraw,
)
from domain.enums import (
    DecisionOutcome,
    Measure,
    Offence,
    RejectionReason,
    Role,
    Severity,
    Verdict,
    ViolationKind,
)
from domain.ids import enterprise_workflow_id, notification_workflow_id
from domain.messages import Actor, Assignee
from domain.policy import Policy, parse_policy
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
    VerificationReport,
    ViolationReport,
)
from domain.supervision.rules import surcharge_on
from domain.supervision.state import EnterpriseState, Penalty
from domain.tasks import EvaluationResult, VerificationResult
from settings import DEFAULTS, Settings
from temporal_client import data_converter, register_search_attributes, workflow_runs
from tests.support import (
    CONSUMER,
    ENTERPRISE,
    OTHER_ENTERPRISE,
    SUPERVISOR,
    TEST_KEYS,
    TEST_RING,
    command,
    eventually,
    intake,
    start_case,
    tool,
    wait_for_state,
)
from tests.support.outbox import ended, notify
from tests.support.smtp import ScriptedSmtp, mailing
from tests.support.workflows import idle
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import PENALTY_PROCEDURE, EnterpriseWorkflow
from workflows.enterprise import REPORT as REPORT_SIGNAL
from workflows.evaluation import EvaluationWorkflow
from workflows.report import CycleReportWorkflow, ReportInput
from workflows.verification import VerificationWorkflow

HERE = Path(__file__).parent
EVALUATOR = Actor(id="eval-huaxin", role=Role.EVALUATOR, org="agency-huaxin")
REPORT = {
    "cause_analysis": "备件不足",
    "improvement_measures": "增加库存",
    "implementation_effect": "返修率下降",
}


async def _case(
    env: WorkflowEnvironment, queue: str, name: str, **overrides: Any
) -> WorkflowHandle[Any, Any]:
    now = (await env.get_current_time()).replace(microsecond=0)
    overrides.setdefault("received_at", now)
    handle = await start_case(env.client, queue, intake(tracking_no=f"CP-REPLAY-{name}", **overrides))
    await wait_for_state(handle, lambda s: s.revision > 0)
    return handle


async def _evaluate(env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]) -> None:
    state = await wait_for_state(handle, lambda s: s.task is not None and s.task.kind == "evaluation")
    child = env.client.get_workflow_handle(state.task.task_id)
    await child.signal(
        EvaluationWorkflow.submit_result,
        command(EvaluationResult, EVALUATOR, satisfaction=4, service_attitude=5, resolved=True),
    )


async def resolved(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    queue = settings.task_queue
    handle = await _case(env, queue, "RESOLVED")
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已联系"))
    await handle.signal(
        ComplaintWorkflow.propose, command(Propose, ENTERPRISE, measures=[Measure.REPLACE], detail="换新")
    )
    await wait_for_state(handle, lambda s: s.status == "proposed")
    await handle.signal(ComplaintWorkflow.accept, command(Accept, CONSUMER))
    await _evaluate(env, handle)
    await handle.result()
    return [handle.id, f"{handle.id}-evaluation-1"]


async def investigated(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    queue = settings.task_queue
    handle = await _case(env, queue, "INVESTIGATED", description="电暖器漏电,家人被电击")
    state = await wait_for_state(handle, lambda s: s.investigation and s.investigation.investigator)
    investigator = Actor(id=state.investigation.investigator.id, role=Role.INVESTIGATOR)
    await handle.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已停售"))
    await handle.signal(
        ComplaintWorkflow.submit_findings,
        command(
            SubmitFindings,
            investigator,
            verdict=Verdict.SUBSTANTIATED,
            offence=Offence.PRODUCT_SAFETY,
            measures=[
                OrderedMeasure(kind=Measure.RECALL),
                OrderedMeasure(kind=Measure.COMPENSATION, amount=Decimal("500")),
            ],
            summary="接地缺陷",
        ),
    )
    for round_, effective in ((1, False), (2, True)):
        await wait_for_state(handle, lambda s: s.status == "rectifying")
        await handle.signal(
            ComplaintWorkflow.submit_rectification, command(SubmitRectification, ENTERPRISE, **REPORT)
        )
        state = await wait_for_state(handle, lambda s, r=round_: s.task is not None and s.task.round == r)
        await env.sleep(state.task.opens_at - (await env.get_current_time()) + timedelta(seconds=1))
        child = env.client.get_workflow_handle(state.task.task_id)
        await child.signal(
            VerificationWorkflow.submit_result,
            command(VerificationResult, investigator, effective=effective, notes="现场核查"),
        )
    state = await wait_for_state(handle, lambda s: s.task is not None and s.task.kind == "evaluation")
    await env.sleep(timedelta(days=8))  # the agency never answers
    await handle.result()
    return [
        handle.id,
        f"{handle.id}-verification-1",
        f"{handle.id}-verification-2",
        f"{handle.id}-evaluation-1",
    ]


async def withdrawn(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    queue = settings.task_queue
    now = (await env.get_current_time()).replace(microsecond=0)
    handle = await _case(env, queue, "WITHDRAWN", channel="phone", received_at=now - timedelta(days=2))
    await wait_for_state(handle, lambda s: s.escalation_level >= 1)
    await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已和解"))
    await handle.result()
    return [handle.id]


async def duplicate(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    """Two filings of one grievance, both left unanswered: the second is rejected as a duplicate
    of the first, and its violations are withdrawn from the enterprise's supervision."""
    queue = settings.task_queue
    now = (await env.get_current_time()).replace(microsecond=0)
    original = await _case(env, queue, "ORIGINAL", received_at=now)
    handle = await _case(env, queue, "DUPLICATE", channel="phone", received_at=now)
    await env.sleep(timedelta(hours=24, seconds=1))
    await wait_for_state(handle, lambda s: s.violations)
    await handle.signal(
        ComplaintWorkflow.reject,
        command(
            Reject,
            SUPERVISOR,
            reason=RejectionReason.DUPLICATE,
            duplicate_of=original.id.removeprefix("complaint-"),
        ),
    )
    await handle.result()
    enterprise = env.client.get_workflow_handle(enterprise_workflow_id(ENTERPRISES[0][0]))

    async def withdrawn() -> bool:
        state = await enterprise.query(EnterpriseWorkflow.state)
        return any(s.step == "violations_withdrawn" for s in state.history)

    await eventually(withdrawn, what="the violations withdrawn")
    await original.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER))
    await original.result()
    return [handle.id, enterprise.id]


async def acceptance(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    """The bureau's acceptance: one case accepted by a supervisor, one left undecided past its
    7 working days (deemed accepted, the bureau above told), one transferred to another bureau;
    all withdrawn after."""
    queue = settings.task_queue
    accepted = await _case(env, queue, "ADMITTED")
    await accepted.signal(ComplaintWorkflow.admit, command(Admit, SUPERVISOR, note="属本局管辖"))
    await wait_for_state(accepted, lambda s: s.admission is not None)
    undecided = await _case(env, queue, "DEEMED")
    await env.sleep(timedelta(days=14))
    await wait_for_state(undecided, lambda s: s.admission is not None and s.admission.outcome == "deemed")
    moved = await _case(env, queue, "TRANSFERRED")
    target = Routing(bureau="440306", name="宝安", rule="transfer", reason="transferred", above="440300")
    await moved.signal(
        ComplaintWorkflow.transfer,
        command(Transfer, SUPERVISOR, to_bureau="440306", reason="经营地在宝安", target=target),
    )
    await wait_for_state(moved, lambda s: s.transfers)
    for handle in (accepted, undecided, moved):
        await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已和解"))
        await handle.result()
    return [accepted.id, undecided.id, moved.id]


async def long_running(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    queue = settings.task_queue
    handle = await _case(env, queue, "LONG")
    stranger = Actor(id="ent-xunjie", role=Role.ENTERPRISE, org="91440300MA5F8R7T1F")
    for n in range(120):
        await handle.signal(ComplaintWorkflow.respond, command(Respond, stranger, message=f"{n}"))
    latest = env.client.get_workflow_handle(handle.id)
    await wait_for_state(latest, lambda s: len(s.requests) == 120)
    await env.sleep(timedelta(hours=25))
    await wait_for_state(latest, lambda s: s.escalation_level == 1)
    await latest.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER))
    await latest.result()
    return [handle.id]


class LadderDriver:
    """An enterprise's supervision driven by reports and signals, as its cases and its
    supervisors would drive it."""

    def __init__(self, env: WorkflowEnvironment, queue: str, policy: Policy, code: str) -> None:
        self.env, self.queue, self.policy, self.code = env, queue, policy, code
        self.handle = env.client.get_workflow_handle(enterprise_workflow_id(code))
        self.n = 0
        self.company = Actor(id=f"ent-{code}", role=Role.ENTERPRISE, org=code, name="企业")
        self.procedure = PROCEDURE  # what the reports' sender runs

    async def report(self, **items: Any) -> None:
        report = EnterpriseReport(
            credit_code=self.code, name="企业", policy=self.policy, procedure=self.procedure, **items
        )
        await self.env.client.start_workflow(
            EnterpriseWorkflow.run,
            EnterpriseInput(credit_code=self.code),
            id=self.handle.id,
            task_queue=self.queue,
            start_signal=REPORT_SIGNAL,
            start_signal_args=[report],
        )
        keys = [item.key for item in [*report.violations, *report.verifications]]
        await self.state(lambda s: set(keys) <= set(s.reports_seen) and not s.pending, "the report taken")
        await idle(self.env, self.handle.id)

    async def violation(self, case: str, kind: ViolationKind, severity: Severity = Severity.MODERATE) -> None:
        self.n += 1
        offence = Offence.PRODUCT_SAFETY if kind is ViolationKind.SUBSTANTIATED_COMPLAINT else None
        now = await self.env.get_current_time()
        await self.report(
            violations=[
                ViolationReport(
                    key=f"{case}:{self.n}",
                    tracking_no=case,
                    kind=kind,
                    offence=offence,
                    severity=severity,
                    at=now,
                    detail="",
                )
            ]
        )

    async def verified(self, case: str) -> None:
        now = await self.env.get_current_time()
        await self.report(
            verifications=[
                VerificationReport(key=f"{case}:v1", tracking_no=case, round=1, effective=True, at=now)
            ]
        )

    async def state(self, check: Any, what: str) -> EnterpriseState:
        async def probe() -> EnterpriseState | None:
            try:
                state = await self.env.client.get_workflow_handle(self.handle.id).query(
                    EnterpriseWorkflow.state
                )
            except Exception:  # not started yet
                return None
            return state if state is not None and check(state) else None

        found: EnterpriseState = await eventually(probe, what=what)
        return found

    async def signal(self, signal: Any, cmd: Any) -> None:
        await self.env.client.get_workflow_handle(self.handle.id).signal(signal, cmd)
        await self.state(lambda s: cmd.request_id in s.requests, f"{cmd.request_id} applied")
        await idle(self.env, self.handle.id)

    async def until(self, moment: Any) -> None:
        await self.env.sleep(moment - (await self.env.get_current_time()) + timedelta(minutes=1))

    async def penalty(self, n: int, what: str) -> Penalty:
        state = await self.state(
            lambda s: len(s.penalties) >= n and s.penalties[n - 1].statement_due is not None, what
        )
        return state.penalties[n - 1]

    async def decide(self, penalty: str, **fields: Any) -> None:
        decision = {"outcome": DecisionOutcome.CONFIRM, "reason": "事实清楚"} | fields
        await self.signal(
            EnterpriseWorkflow.decide_penalty,
            command(PenaltyDecision, SUPERVISOR, penalty_id=penalty, **decision),
        )

    async def state_case(self, penalty: str) -> None:
        await self.signal(
            EnterpriseWorkflow.submit_statement,
            command(Statement, self.company, penalty_id=penalty, text="请从轻"),
        )

    async def pay(self, n: int) -> None:
        """The fine of penalty P`n` paid today, with its surcharge if late."""
        state = await self.state(lambda s: s.penalties[n - 1].payment_due is not None, f"P{n} due")
        fine = state.penalties[n - 1]
        assert fine.amount is not None
        today = (await self.env.get_current_time()).astimezone(self.policy.tz).date()
        amount = fine.amount + surcharge_on(self.policy, fine, today)
        paid = command(
            FinePayment,
            SUPERVISOR,
            penalty_id=fine.id,
            receipt_no=f"NS-{n:04d}",
            paid_on=today,
            amount=amount,
        )
        await self.signal(EnterpriseWorkflow.record_payment, paid)

    async def heard(self, penalty: str, attended: bool = True) -> None:
        """A hearing asked for, scheduled ten days on, held and recorded."""
        await self.signal(
            EnterpriseWorkflow.request_hearing, command(HearingRequest, self.company, penalty_id=penalty)
        )
        at = (await self.env.get_current_time()) + timedelta(days=10)
        officer = Assignee(id="sup-qian", name="钱立")
        await self.signal(
            EnterpriseWorkflow.schedule_hearing,
            command(
                HearingSchedule,
                SUPERVISOR,
                penalty_id=penalty,
                at=at,
                place="听证室",
                presiding_officer=officer,
            ),
        )
        await self.until(at)
        record = {"record": "笔录", "opinion": "维持"}
        await self.signal(
            EnterpriseWorkflow.record_hearing,
            command(HearingRecord, SUPERVISOR, penalty_id=penalty, held_at=at, attended=attended, **record),
        )


async def ladder(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    """An enterprise climbing the ladder to revocation, each penalty living as its kind has it:
    a fine amended heavier and notified anew, then paid; a fine after a hearing, paid late; a
    suspension in force until its term has run; a revocation after a hearing not attended; then
    a violation recorded, and nothing proposed."""
    d = LadderDriver(env, settings.task_queue, parse_policy(_policy_text()), OTHER_ENTERPRISE)
    await d.violation("CP-L1", ViolationKind.LATE_RESPONSE)
    await d.state(lambda s: s.warnings and s.warnings[0].order_due, "W1 and its order")
    report = command(OrderReport, d.company, warning_id="W1", **REPORT)
    await d.signal(EnterpriseWorkflow.submit_order_report, report)
    verified = command(OrderVerification, SUPERVISOR, warning_id="W1", effective=True, notes="到位")
    await d.signal(EnterpriseWorkflow.verify_order, verified)

    await d.violation("CP-L2", ViolationKind.LATE_RESPONSE)
    await d.penalty(1, "P1 proposed")
    await d.state_case("P1")
    await d.decide("P1", outcome=DecisionOutcome.AMEND, kind="fine", amount=Decimal(120000), reason="从重")
    state = await d.state(lambda s: s.penalties[0].hearing and s.penalties[0].hearing.request_due, "P1 anew")
    p1 = state.penalties[0]
    assert p1.hearing is not None and p1.hearing.request_due is not None and p1.statement_due is not None
    await d.until(max(p1.hearing.request_due.due, p1.statement_due.due))
    await d.decide("P1")
    await d.pay(1)
    await d.verified("CP-L2")
    await d.violation("CP-L2", ViolationKind.LATE_RESOLUTION)  # the same ground: recorded with P1

    await d.violation("CP-L3", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    await d.penalty(2, "P2 proposed")
    await d.state_case("P2")
    await d.heard("P2")
    await d.decide("P2")
    state = await d.state(lambda s: s.penalties[1].payment_due is not None, "P2 due")
    await d.until(state.penalties[1].payment_due.due + timedelta(days=3))  # type: ignore[union-attr]
    await d.pay(2)

    await d.violation("CP-L4", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    await d.penalty(3, "P3 proposed")
    state = await d.state(
        lambda s: s.penalties[2].hearing and s.penalties[2].hearing.request_due, "P3's hearing"
    )
    p3 = state.penalties[2]
    assert p3.hearing is not None and p3.hearing.request_due is not None and p3.statement_due is not None
    await d.until(max(p3.hearing.request_due.due, p3.statement_due.due))
    await d.decide("P3")
    state = await d.state(lambda s: s.penalties[2].term_due is not None, "P3's term")
    await d.verified("CP-L4")
    await d.until(state.penalties[2].term_due.due)  # type: ignore[union-attr]
    await d.state(lambda s: s.penalties[2].status == "lifted", "P3 lifted")

    await d.violation("CP-L5", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    await d.penalty(4, "P4 proposed")
    await d.state_case("P4")
    await d.heard("P4", attended=False)
    await d.decide("P4")
    await d.violation("CP-L6", ViolationKind.LATE_RESPONSE)
    await d.state(lambda s: s.revoked_at and s.history[-1].step == "recorded", "CP-L6 recorded")
    return [d.handle.id]


async def adopted(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    """A supervision begun on the ladder from before (a worker that never takes the patch), which
    takes up the procedure when a report of this version reaches it: it continues as new."""
    queue = f"{settings.task_queue}-before"
    d = LadderDriver(env, queue, parse_policy(_policy_text()), ENTERPRISES[2][0])
    d.procedure = 1
    before = build_worker(
        env.client,
        settings.model_copy(update={"task_queue": queue}),
        db,
        max_cached_workflows=0,
        patch_activation_callback=lambda p: p.patch_id != PENALTY_PROCEDURE,
    )
    async with before:
        await d.violation("CP-A1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
        await d.penalty(1, "P1 proposed")
        await d.state_case("P1")
        await d.decide("P1")
        await d.violation("CP-A2", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
        await d.penalty(2, "P2 proposed")
    async with build_worker(env.client, settings.model_copy(update={"task_queue": queue}), db):
        d.procedure = PROCEDURE
        await d.violation("CP-A3", ViolationKind.LATE_RESPONSE)
        await d.state(lambda s: s.penalties[0].payment_due and s.penalties[1].hearing, "the record adopted")
    return [d.handle.id]


async def delivered(env: WorkflowEnvironment, settings: Settings, db: Database) -> list[str]:
    """A notification whose e-mail the server refuses for now once (the relay's first try), then
    takes (its workflow's retry)."""
    smtp = ScriptedSmtp()
    smtp.start()
    try:
        mail = mailing(settings, smtp).model_copy(update={"task_queue": "replay-mail"})
        smtp.answer("451 4.3.0 try again later")
        async with build_worker(env.client, mail, db):
            key = await notify(env, mail, db, "escalated", "admin")
            await ended(db, key)  # the relay's first try refused, the workflow's retry taken
            await env.client.get_workflow_handle(notification_workflow_id(key)).result()
    finally:
        smtp.stop()
    return [notification_workflow_id(key)]


async def write_runs(client: Client, tag: str, workflow_id: str) -> None:
    for n, history in enumerate(await workflow_runs(client, workflow_id), 1):
        (HERE / f"{tag}--{workflow_id}__run{n}.json").write_text(history.to_json())


def _policy_text() -> str:
    """The policy in force, with short histories: every workflow continues as new soon."""
    return (
        (DEFAULTS / "policy.toml")
        .read_text()
        .replace("continue_as_new_after_events = 2000", "continue_as_new_after_events = 100")
        .replace('version = "2026.5"', 'version = "replay-short-history"')
    )


SCENARIOS = {
    "resolved": resolved,
    "investigated": investigated,
    "withdrawn": withdrawn,
    "duplicate": duplicate,
    "acceptance": acceptance,
    "long": long_running,
    "ladder": ladder,
    "adopted": adopted,
    "delivered": delivered,
}


async def main(tag: str, names: list[str]) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=tool("temporal-test-server"), data_converter=data_converter(TEST_RING)
    )
    async with env:
        await register_search_attributes(env.client)
        with tempfile.TemporaryDirectory() as tmp:
            policy = Path(tmp) / "policy.toml"
            policy.write_text(_policy_text())
            settings = Settings(
                data_dir=Path(tmp),
                database_url=f"sqlite:///{tmp}/app.db",
                task_queue="replay",
                policy_file=policy,
                secret_key="x" * 40,
                payload_keys=TEST_KEYS,
                workflow_sandbox=True,
                _env_file=None,
            )  # type: ignore[call-arg]
            upgrade(settings.database)
            db = Database(settings.database)
            await seed_demo(db, Path(tmp) / "tokens.json", passwords=False)
            async with build_worker(env.client, settings, db):
                for name in names or SCENARIOS:
                    for workflow_id in await SCENARIOS[name](env, settings, db):
                        await write_runs(env.client, tag, workflow_id)
                        print("recorded", workflow_id)
                if not names:  # every case above reported to the demo enterprise's supervision
                    await write_runs(env.client, tag, "enterprise-91310115MA1K4B2X34")
                    await env.client.execute_workflow(
                        CycleReportWorkflow.run,
                        ReportInput(period="2026-11"),
                        id="cycle-report-replay",
                        task_queue=settings.task_queue,
                    )
                    await write_runs(env.client, tag, "cycle-report-replay")
            await db.dispose()


if __name__ == "__main__":
    if len(sys.argv) < 2 or not set(sys.argv[2:]) <= set(SCENARIOS):
        raise SystemExit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
