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
from db.seed import seed_demo
from db.session import Database
from domain.complaint.messages import (
    Accept,
    OrderedMeasure,
    Propose,
    Respond,
    SubmitFindings,
    SubmitRectification,
    Withdraw,
)
from domain.enums import DecisionOutcome, Measure, Offence, Role, Severity, Verdict, ViolationKind
from domain.ids import enterprise_workflow_id
from domain.messages import Actor
from domain.policy import Policy, parse_policy
from domain.supervision.io import EnterpriseInput
from domain.supervision.messages import (
    EnterpriseReport,
    PenaltyDecision,
    Statement,
    VerificationReport,
    ViolationReport,
)
from domain.supervision.state import EnterpriseState
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
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import REPORT as REPORT_SIGNAL
from workflows.enterprise import EnterpriseWorkflow
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


async def resolved(env: WorkflowEnvironment, queue: str) -> list[str]:
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


async def investigated(env: WorkflowEnvironment, queue: str) -> list[str]:
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


async def withdrawn(env: WorkflowEnvironment, queue: str) -> list[str]:
    now = (await env.get_current_time()).replace(microsecond=0)
    handle = await _case(env, queue, "WITHDRAWN", channel="phone", received_at=now - timedelta(days=2))
    await wait_for_state(handle, lambda s: s.escalation_level >= 1)
    await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已和解"))
    await handle.result()
    return [handle.id]


async def long_running(env: WorkflowEnvironment, queue: str) -> list[str]:
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
        self.company = Actor(id="ent-xunjie", role=Role.ENTERPRISE, org=code, name="迅捷数码")

    async def report(self, **items: Any) -> None:
        report = EnterpriseReport(credit_code=self.code, name="迅捷数码", policy=self.policy, **items)
        await self.env.client.start_workflow(
            EnterpriseWorkflow.run,
            EnterpriseInput(credit_code=self.code),
            id=self.handle.id,
            task_queue=self.queue,
            start_signal=REPORT_SIGNAL,
            start_signal_args=[report],
        )

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

    async def until(self, moment: Any) -> None:
        await self.env.sleep(moment - (await self.env.get_current_time()) + timedelta(minutes=1))


async def ladder(env: WorkflowEnvironment, queue: str) -> list[str]:
    """An enterprise climbing the ladder to revocation: warning, fines, suspension, revocation."""
    d = LadderDriver(env, queue, parse_policy(_policy_text()), OTHER_ENTERPRISE)
    await d.violation("CP-L1", ViolationKind.LATE_RESPONSE)
    await d.state(lambda s: s.warnings and s.warnings[0].order_due, "W1 and its order")
    await d.violation("CP-L2", ViolationKind.LATE_RESPONSE)
    await d.state(lambda s: s.penalties and s.penalties[0].statement_due, "P1 proposed")
    await d.signal(
        EnterpriseWorkflow.submit_statement, command(Statement, d.company, penalty_id="P1", text="请从轻")
    )
    decide = {"outcome": DecisionOutcome.CONFIRM, "reason": "事实清楚"}
    await d.signal(
        EnterpriseWorkflow.decide_penalty, command(PenaltyDecision, SUPERVISOR, penalty_id="P1", **decide)
    )
    await d.verified("CP-L2")
    await d.state(lambda s: s.commendations, "a positive evaluation")
    await d.violation("CP-L3", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    state = await d.state(lambda s: len(s.penalties) == 2 and s.penalties[1].statement_due, "P2 proposed")
    await d.until(state.penalties[1].statement_due.due)
    await d.state(lambda s: s.penalties[1].status == "awaiting_decision", "P2's window closed")
    amend = {"outcome": DecisionOutcome.AMEND, "kind": "suspension", "suspension_days": 10, "reason": "从重"}
    await d.signal(
        EnterpriseWorkflow.decide_penalty, command(PenaltyDecision, SUPERVISOR, penalty_id="P2", **amend)
    )
    await d.until(state.warnings[0].order_due.due)
    await d.state(lambda s: len(s.penalties) == 3, "P3 for W1's overdue order")
    await d.signal(
        EnterpriseWorkflow.submit_statement, command(Statement, d.company, penalty_id="P3", text="已整改")
    )
    await d.signal(
        EnterpriseWorkflow.decide_penalty, command(PenaltyDecision, SUPERVISOR, penalty_id="P3", **decide)
    )
    await d.violation("CP-L4", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    await d.state(lambda s: len(s.penalties) == 4, "P4 proposed")
    await d.signal(
        EnterpriseWorkflow.submit_statement, command(Statement, d.company, penalty_id="P4", text="无异议")
    )
    await d.signal(
        EnterpriseWorkflow.decide_penalty, command(PenaltyDecision, SUPERVISOR, penalty_id="P4", **decide)
    )
    await d.verified("CP-L4")
    await d.violation("CP-L5", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL)
    await d.state(lambda s: len(s.penalties) == 5, "P5 proposed")
    return [d.handle.id]


async def write_runs(client: Client, tag: str, workflow_id: str) -> None:
    for n, history in enumerate(await workflow_runs(client, workflow_id), 1):
        (HERE / f"{tag}--{workflow_id}__run{n}.json").write_text(history.to_json())


def _policy_text() -> str:
    """The policy in force, with short histories: every workflow continues as new soon."""
    return (
        (DEFAULTS / "policy.toml")
        .read_text()
        .replace("continue_as_new_after_events = 2000", "continue_as_new_after_events = 100")
        .replace('version = "2026.3"', 'version = "replay-short-history"')
    )


SCENARIOS = {
    "resolved": resolved,
    "investigated": investigated,
    "withdrawn": withdrawn,
    "long": long_running,
    "ladder": ladder,
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
                _env_file=None,
            )  # type: ignore[call-arg]
            upgrade(settings.database)
            db = Database(settings.database)
            await seed_demo(db, Path(tmp) / "tokens.json", passwords=False)
            async with build_worker(env.client, settings, db):
                for name in names or SCENARIOS:
                    for workflow_id in await SCENARIOS[name](env, settings.task_queue):
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
