"""What-if simulation: generated enterprises and complaints with chosen behaviours, run through
the real workflows on Temporal's time-skipping test server over a simulated period, with a
policy file of your choice; it prints the metrics and the ladder's outcomes.

    aftersales simulate --enterprises 5 --complaints 100 --days 60 --late 0.2 --never 0.1 \\
        --dispute 0.15 --fail-rectification 0.3 --policy my-policy.toml
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from db.metrics import compute
from db.migrate import upgrade
from db.models import Complaint, Enterprise, Task
from db.policies import PolicyStore
from db.seed import seed_demo
from db.session import Database
from domain.complaint.io import ComplaintInput, Recorded
from domain.complaint.messages import (
    Accept,
    ComplaintIntake,
    ConsumerDetails,
    Dispute,
    EnterpriseRef,
    ProductDetails,
    Propose,
    SubmitFindings,
    SubmitRectification,
)
from domain.enums import (
    CaseStatus,
    Category,
    Channel,
    DecisionOutcome,
    DesiredOutcome,
    Measure,
    Offence,
    PenaltyStatus,
    Role,
    TaskKind,
    TaskStatus,
    Verdict,
)
from domain.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_character
from domain.ids import complaint_workflow_id, enterprise_workflow_id
from domain.messages import Actor, Assignee, Command
from domain.metrics import Metrics, Period
from domain.policy import Policy
from domain.supervision.ladder import last_day
from domain.supervision.messages import (
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    PenaltyDecision,
    Statement,
    SuspensionVerification,
)
from domain.supervision.rules import surcharge_on
from domain.supervision.state import EnterpriseState, Penalty
from domain.tasks import EvaluationResult, VerificationResult
from settings import Settings
from temporal_client import KeyRing, data_converter, key_ring, register_search_attributes
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.enterprise import EnterpriseWorkflow
from workflows.evaluation import EvaluationWorkflow
from workflows.verification import VerificationWorkflow

TICK = timedelta(hours=6)
CONSUMER = Actor(id="consumer", role=Role.CONSUMER)
SUPERVISOR = Actor(id="sup-zhao", role=Role.SUPERVISOR)
PRESIDING = Assignee(id="sup-qian", name="钱立")  # presides over hearings: investigates nothing
DESCRIPTIONS = {
    Category.PRODUCT_QUALITY: "使用两周后无法开机,要求更换。",
    Category.REPAIR_SERVICE: "维修三次仍未修好,要求退货。",
    Category.SERVICE_ATTITUDE: "客服态度恶劣,多次挂断电话。",
    Category.RETURN_REFUND: "七天无理由退货被拒绝,要求退款。",
}


@dataclass(frozen=True)
class Behaviour:
    late: float = 0.2  # share of complaints the enterprise answers after 24 hours
    never: float = 0.1  # share it never answers
    dispute: float = 0.15  # share of proposals the consumer disputes
    fail_rectification: float = 0.3  # share of first rectifications found ineffective


@dataclass
class Case:
    tracking_no: str
    enterprise: str
    answer: str  # on_time | late | never
    seen: str = ""
    since: datetime | None = None


@dataclass
class Outcome:
    enterprise: str
    level: int
    warnings: int
    penalties: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → state → how many
    notices: int = 0
    commendations: int = 0
    revoked: bool = False


def credit_codes(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        body = (
            "913101"
            + "".join(rng.choice("0123456789") for _ in range(2))
            + "MA"
            + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(7))
        )
        out.append(body + credit_code_check_character(body))
    return out


class Simulation:
    def __init__(
        self,
        client: Client,
        db: Database,
        settings: Settings,
        behaviour: Behaviour,
        rng: random.Random,
        enterprises: list[str],
        policy: Policy,
    ) -> None:
        self.client, self.db, self.settings, self.policy = client, db, settings, policy
        self.behaviour, self.rng, self.enterprises = behaviour, rng, enterprises
        self.cases: dict[str, Case] = {}
        self.acted: set[str] = set()
        self.payments: dict[str, date | None] = {}  # a fine's, once chosen

    def command(self, cls: type[Command], actor: Actor, **fields: Any) -> Any:
        return cls(request_id=f"sim-{uuid.UUID(int=self.rng.getrandbits(128))}", actor=actor, **fields)

    async def file(self, now: datetime) -> None:
        b, r = self.behaviour, self.rng.random()
        answer = "never" if r < b.never else "late" if r < b.never + b.late else "on_time"
        code = self.rng.choice(self.enterprises)
        category = self.rng.choice(list(DESCRIPTIONS))
        no = f"SIM{len(self.cases) + 1:05d}"
        intake = ComplaintIntake(
            tracking_no=no,
            channel=Channel.WEB,
            received_at=now.replace(microsecond=0),
            recorded_by=CONSUMER,
            consumer=ConsumerDetails(name="模拟用户", phone="13800000000"),
            enterprise=EnterpriseRef(credit_code=code, name=f"模拟企业 {code[-4:]}"),
            product=ProductDetails(name="家用电器", amount=Decimal(self.rng.randrange(100, 20000))),
            region_code="310115",
            category=category,
            description=DESCRIPTIONS[category],
            desired_outcome=DesiredOutcome.REPLACE,
        )
        await self.client.start_workflow(
            ComplaintWorkflow.run,
            ComplaintInput(intake=intake),
            id=complaint_workflow_id(no),
            task_queue=self.settings.task_queue,
            task_timeout=timedelta(minutes=1),
        )
        self.cases[no] = Case(no, code, answer)

    async def caught_up(self) -> bool:
        """Whether the read model holds each case not yet closed as its workflow has it now, and
        the task it waits on, and the case's step has reached its enterprise's supervision: a tick
        acts on what it reads there and in the supervision, and a projection or a report still
        being written would otherwise make the outcome depend on how busy the machine is."""
        async with self.db.sessions() as session:
            rows = {
                no: (revision, status)
                for no, revision, status in await session.execute(
                    select(Complaint.tracking_no, Complaint.revision, Complaint.status)
                )
            }
            tasks = set(await session.scalars(select(Task.task_id)))
        unclosed: dict[str, int | None] = {}  # each case not closed, with its row's revision
        for no in self.cases:
            revision, status = rows.get(no, (None, None))
            if status != CaseStatus.CLOSED.value:
                unclosed[no] = revision
        found: list[Recorded | None] = await asyncio.gather(
            *(
                self.client.get_workflow_handle(complaint_workflow_id(no)).query(ComplaintWorkflow.recorded)
                for no in unclosed
            )
        )
        for revision, case in zip(unclosed.values(), found, strict=True):
            if case is None or not revision == case.revision == case.recorded:
                return False
            if case.task_id is not None and case.task_id not in tasks:
                return False
        return True

    async def tick(self, now: datetime) -> None:
        """Every party does what is due: each case by its status and how long it has had it."""
        async with self.db.sessions() as session:
            unclosed = select(Complaint).where(Complaint.status != CaseStatus.CLOSED.value)
            rows = {c.tracking_no: c for c in (await session.execute(unclosed)).scalars()}
            tasks = list(
                (
                    await session.execute(
                        select(Task).where(Task.status == TaskStatus.OPEN.value).order_by(Task.task_id)
                    )
                ).scalars()
            )
        for no, case in self.cases.items():
            row = rows.get(no)
            if row is None:  # closed, or not yet recorded
                continue
            if row.status != case.seen:
                case.seen, case.since = row.status, now
            await self.act(case, row, now - (case.since or now))
        for task in tasks:
            await self.answer_task(task, now)
        await self.supervise(now)

    async def act(self, case: Case, row: Complaint, waited: timedelta) -> None:
        handle = self.client.get_workflow_handle(complaint_workflow_id(case.tracking_no))
        key = f"{case.tracking_no}:{row.status}:{row.revision}"
        enterprise = Actor(id=f"sim-{case.enterprise}", role=Role.ENTERPRISE, org=case.enterprise)
        if key in self.acted:
            return
        if row.status == CaseStatus.FORWARDED and case.answer != "never":
            if waited >= (timedelta(hours=30) if case.answer == "late" else timedelta(hours=4)):
                await handle.signal(
                    ComplaintWorkflow.propose,
                    self.command(Propose, enterprise, measures=[Measure.REPLACE], detail="免费更换"),
                )
                self.acted.add(key)
        elif row.status == CaseStatus.PROPOSED and waited >= timedelta(hours=12):
            if self.rng.random() < self.behaviour.dispute:
                await handle.signal(
                    ComplaintWorkflow.dispute, self.command(Dispute, CONSUMER, reason="方案不能接受")
                )
            else:
                await handle.signal(ComplaintWorkflow.accept, self.command(Accept, CONSUMER))
            self.acted.add(key)
        elif row.status == CaseStatus.INVESTIGATING and row.investigator_id and waited >= timedelta(days=3):
            substantiated = self.rng.random() < 0.6
            offence = self.rng.choice([Offence.SERVICE_QUALITY, Offence.PRODUCT_QUALITY])
            await handle.signal(
                ComplaintWorkflow.submit_findings,
                self.command(
                    SubmitFindings,
                    Actor(id=row.investigator_id, role=Role.INVESTIGATOR),
                    verdict=Verdict.SUBSTANTIATED if substantiated else Verdict.NOT_SUBSTANTIATED,
                    offence=offence if substantiated else None,
                    summary="模拟调查结论",
                ),
            )
            self.acted.add(key)
        elif row.status == CaseStatus.RECTIFYING and waited >= timedelta(days=4):
            await handle.signal(
                ComplaintWorkflow.submit_rectification,
                self.command(
                    SubmitRectification,
                    enterprise,
                    cause_analysis="流程缺陷",
                    improvement_measures="整改流程",
                    implementation_effect="投诉减少",
                ),
            )
            self.acted.add(key)

    async def answer_task(self, task: Task, now: datetime) -> None:
        if task.task_id in self.acted or task.opens_at > now:
            return
        handle = self.client.get_workflow_handle(task.task_id)
        if task.kind == TaskKind.VERIFICATION.value:
            first_round = task.task_id.endswith("-1")
            effective = not (first_round and self.rng.random() < self.behaviour.fail_rectification)
            await handle.signal(
                VerificationWorkflow.submit_result,
                self.command(
                    VerificationResult,
                    Actor(id=task.assignee_id, role=Role.INVESTIGATOR),
                    effective=effective,
                    notes="模拟核查",
                ),
            )
        elif now - task.opens_at >= timedelta(days=2):
            if self.rng.random() < 0.85:
                good = self.cases.get(task.tracking_no) and self.cases[task.tracking_no].answer == "on_time"
                await handle.signal(
                    EvaluationWorkflow.submit_result,
                    self.command(
                        EvaluationResult,
                        Actor(id="sim-agency", role=Role.EVALUATOR, org=task.assignee_id),
                        satisfaction=self.rng.randint(4, 5) if good else self.rng.randint(1, 4),
                        service_attitude=self.rng.randint(3, 5) if good else self.rng.randint(1, 4),
                        resolved=self.rng.random() < (0.95 if good else 0.6),
                    ),
                )
        else:
            return
        self.acted.add(task.task_id)

    async def supervise(self, now: datetime) -> None:
        """Each party's step on each penalty: the enterprise states its case on half the
        proposals and asks for a hearing on half of those that give one; the supervisor holds the
        hearing ten days on and decides; fines are paid on time, late or never by the shares of
        late and never answers; a suspension's rectification, unless its cases' verifications
        have shown it, is verified at the end of its term (failing by the share of failed
        rectifications) and fortnightly after. Each enterprise's state is read first, all at once:
        a signal to one changes no other."""
        states = await asyncio.gather(*(self.supervision(code) for code in self.enterprises))
        for code, state in zip(self.enterprises, states, strict=True):
            if state is None:
                continue
            handle = self.client.get_workflow_handle(enterprise_workflow_id(code))
            company = Actor(id=f"sim-{code}", role=Role.ENTERPRISE, org=code)
            for p in state.penalties:
                step = self.penalty_step(state, p, company, now)
                if step is None:
                    continue
                key, signal, cmd = step
                if key not in self.acted:
                    self.acted.add(key)
                    if cmd is not None:
                        await handle.signal(signal, cmd)

    def penalty_step(
        self, state: EnterpriseState, p: Penalty, company: Actor, now: datetime
    ) -> tuple[str, Any, Command | None] | None:
        """What is done next about a penalty: (a key it is done once by, the signal, the command)."""
        key = f"{state.credit_code}:{p.id}:{p.status}"
        hearing = p.hearing
        if p.status is PenaltyStatus.PROPOSED:
            if hearing and hearing.open and self.rng.random() < 0.5:
                return (
                    key,
                    EnterpriseWorkflow.request_hearing,
                    self.command(HearingRequest, company, penalty_id=p.id),
                )
            if p.statement_open and self.rng.random() < 0.5:
                cmd = self.command(Statement, company, penalty_id=p.id, text="请求从轻处罚")
                return key, EnterpriseWorkflow.submit_statement, cmd
            return key, None, None
        if p.status is PenaltyStatus.HEARING and hearing is not None:
            if hearing.schedule is None:
                cmd = self.command(
                    HearingSchedule,
                    SUPERVISOR,
                    penalty_id=p.id,
                    at=now + timedelta(days=10),
                    place="市场监管局听证室",
                    presiding_officer=PRESIDING,
                )
                return f"{key}:schedule", EnterpriseWorkflow.schedule_hearing, cmd
            if now >= hearing.schedule.at:
                cmd = self.command(
                    HearingRecord,
                    SUPERVISOR,
                    penalty_id=p.id,
                    held_at=hearing.schedule.at,
                    attended=True,
                    record="企业到场陈述申辩",
                    opinion="事实清楚,建议维持",
                )
                return f"{key}:record", EnterpriseWorkflow.record_hearing, cmd
            return None
        if p.status is PenaltyStatus.AWAITING_DECISION:
            cmd = self.command(
                PenaltyDecision,
                SUPERVISOR,
                penalty_id=p.id,
                outcome=DecisionOutcome.CONFIRM,
                reason="事实清楚",
            )
            return key, EnterpriseWorkflow.decide_penalty, cmd
        if p.status is PenaltyStatus.IN_FORCE and p.term_due and now >= p.term_due.due and not p.rectified:
            # The supervisor verifies the rectification at the end of the term, and fortnightly after.
            attempt = int((now - p.term_due.due) / timedelta(days=14))
            effective = self.rng.random() >= self.behaviour.fail_rectification
            cmd = self.command(
                SuspensionVerification, SUPERVISOR, penalty_id=p.id, effective=effective, notes="现场核查"
            )
            return f"{key}:verified:{attempt}", EnterpriseWorkflow.verify_suspension, cmd
        if p.status in (PenaltyStatus.PAYMENT_DUE, PenaltyStatus.OVERDUE) and p.payment_due and p.amount:
            pays_on = self.payment_day(state.credit_code, p)
            today = now.astimezone(state.policy.tz).date()
            if pays_on is None or today < pays_on:
                return None
            cmd = self.command(
                FinePayment,
                SUPERVISOR,
                penalty_id=p.id,
                receipt_no=f"SIM-{self.rng.randrange(10**8):08d}",
                paid_on=today,
                amount=p.amount + surcharge_on(state.policy, p, today),
            )
            return f"{state.credit_code}:{p.id}:paid", EnterpriseWorkflow.record_payment, cmd
        return None

    def payment_day(self, code: str, p: Penalty) -> date | None:
        """When the enterprise pays a fine, chosen once: within its window, late, or never."""
        key = f"{code}:{p.id}"
        if key not in self.payments:
            assert p.payment_due is not None
            last = last_day(p.payment_due, self.policy)
            r, b = self.rng.random(), self.behaviour
            self.payments[key] = (
                None
                if r < b.never
                else last + timedelta(days=self.rng.randint(1, 20))
                if r < b.never + b.late
                else last - timedelta(days=self.rng.randint(0, 10))
            )
        return self.payments[key]

    async def supervision(self, code: str) -> EnterpriseState | None:
        try:
            handle = self.client.get_workflow_handle(enterprise_workflow_id(code))
            state = await handle.query(EnterpriseWorkflow.state)
        except RPCError:
            return None
        return state

    async def outcomes(self) -> list[Outcome]:
        out = []
        for code in self.enterprises:
            state = await self.supervision(code)
            if state is None:
                out.append(Outcome(code, 0, 0))
                continue
            penalties: dict[str, dict[str, int]] = {}
            for p in state.penalties:
                states = penalties.setdefault(p.kind.value, {})
                states[p.status.value] = states.get(p.status.value, 0) + 1
            out.append(
                Outcome(
                    code,
                    state.level,
                    len(state.warnings),
                    penalties,
                    len(state.notices),
                    len(state.commendations),
                    state.revoked_at is not None,
                )
            )
        return out


class DayBegun(ValueError):
    """The day asked for the simulation to begin on is no longer ahead."""


async def settle(sim: Simulation, within: float = 60.0) -> None:
    """Wait until the read model has caught up with the workflows."""
    loop = asyncio.get_running_loop()
    until = loop.time() + within
    while not await sim.caught_up():
        if loop.time() > until:
            raise RuntimeError(f"the read model did not catch up with the cases within {within:.0f} s")
        await asyncio.sleep(0.01)


async def _sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    wait = moment - await env.get_current_time()
    if wait > timedelta(0):
        await env.sleep(wait)


async def simulate(
    *,
    enterprises: int,
    complaints: int,
    days: int,
    behaviour: Behaviour,
    seed: int,
    policy_file: Path | None = None,
    settle_days: int = 45,
    progress: Callable[[float], None] | None = None,
    start_day: date | None = None,
) -> dict[str, Any]:
    """Run the simulation; returns the metrics (total and by enterprise) and each enterprise's
    outcome. `progress` is told the share of simulated time run, at each step. The simulated
    days begin at the midnight that begins `start_day` (tomorrow by default) in the policy's
    zone, so runs of the same seed and policy from that day give the same figures."""
    rng = random.Random(seed)
    codes = credit_codes(enterprises, rng)
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, Any] = {"policy_file": policy_file} if policy_file else {}
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/simulation.db",
            task_queue="simulation",
            secret_key=SecretStr("s" * 40),
            payload_keys=SecretStr("simulation=" + KeyRing.new_key()),
            _env_file=None,  # type: ignore[call-arg]
            **overrides,
        )
        upgrade(settings.database)
        db = Database(settings.database)
        await seed_demo(db, Path(tmp) / "tokens.json", passwords=False)
        async with db.transaction() as session:
            session.add_all(
                Enterprise(credit_code=c, name=f"模拟企业 {c[-4:]}", region_code="310115", registered=True)
                for c in codes
            )
        policy = await PolicyStore(settings.policy_file, db).sync()
        server = Path(sys.executable).parent / "temporal-test-server"
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(server), data_converter=data_converter(key_ring(settings))
        )
        try:
            await register_search_attributes(env.client)
            async with build_worker(env.client, settings, db):
                sim = Simulation(env.client, db, settings, behaviour, rng, codes, policy)
                began = await env.get_current_time()
                day = start_day or began.astimezone(policy.tz).date() + timedelta(days=1)
                midnight = datetime.combine(day, time(0), policy.tz)
                if midnight <= began:
                    raise DayBegun(f"the simulation cannot begin on {day}: that day has begun")
                await env.sleep(midnight - began)
                start = midnight
                arrivals = sorted(
                    start + timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(complaints)
                )
                end = start + timedelta(days=days)
                settled = end + timedelta(days=settle_days)  # the last arrival's case runs its course
                # The parties act on a schedule, and judge by it, never by the clock they find: the
                # server's clock runs on while the worker is busy, by more on a loaded machine.
                # Each complaint arrives at its own moment and the ticks fall half a tick off the
                # hour, so no deadline (a day after an arrival, 24:00 of a working day) falls on
                # a tick, and what a tick sees never depends on which came first.
                tick = start + TICK / 2
                while tick < settled:
                    while arrivals and arrivals[0] < tick:
                        arrival = arrivals.pop(0)
                        await _sleep_until(env, arrival)
                        await sim.file(arrival)
                    await _sleep_until(env, tick)
                    await settle(sim)
                    await sim.tick(tick)
                    tick += TICK
                    if progress is not None:
                        progress(min(1.0, (tick - start) / (settled - start)))
                await _sleep_until(env, tick)
                await settle(sim)
                now = await env.get_current_time()
                # Measures taken after the last arrival count too: the period runs to the end.
                start_day = start.astimezone(policy.tz).date()
                period = Period(
                    start_day,
                    now.astimezone(policy.tz).date() + timedelta(days=1),
                    "range",
                )
                async with db.sessions() as session:
                    metrics: Metrics = await compute(
                        session, policy, settings.working_calendar(), period, ("enterprise",)
                    )
                outcomes = await sim.outcomes()
        finally:
            await env.shutdown()
            await db.dispose()
    return {
        "policy": policy.version,
        "arrivals": {
            "days": days,
            "first": str(start_day),
            "last": str(start_day + timedelta(days=days - 1)),
        },
        "period": {"start": str(period.start), "end": str(period.end - timedelta(days=1))},
        "behaviour": asdict(behaviour),
        "metrics": metrics.model_dump(mode="json"),
        "outcomes": [asdict(o) for o in outcomes],
    }


STATES = {"payment_due": "due", "in_force": "in force", "awaiting_decision": "awaiting decision"}


def _penalties(by_kind: dict[str, dict[str, int]]) -> str:
    """`fine 2 paid, 1 overdue; revocation 1 revoked`"""
    return "; ".join(
        f"{kind} " + ", ".join(f"{n} {STATES.get(state, state)}" for state, n in sorted(states.items()))
        for kind, states in sorted(by_kind.items())
    )


def render(result: dict[str, Any]) -> str:
    total, arrivals = result["metrics"]["total"], result["arrivals"]

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.0f} %"

    def shown(value: float | None) -> str:
        return "—" if value is None else str(value)  # a score of 0 is a score

    overall: dict[str, dict[str, int]] = {}
    for o in result["outcomes"]:
        for kind, states in o["penalties"].items():
            for state, n in states.items():
                overall.setdefault(kind, {})[state] = overall.get(kind, {}).get(state, 0) + n
    lines = [
        f"Policy {result['policy']}: {total['volume']} complaints arriving over {arrivals['days']} days "
        f"({arrivals['first']} to {arrivals['last']}), followed to {result['period']['end']}",
        f"  overdue {total['overdue']}, violations {total['violations']}, warnings {total['warnings']}, "
        f"penalties {total['penalties']}",
        f"  response within 24 h {pct(total['response_within_24h'])}, resolved within 3 working days "
        f"{pct(total['resolution_within_3_days'])}, success {pct(total['resolution_success_rate'])}, "
        f"satisfaction {shown(total['satisfaction'])}, score {shown(total['score'])}",
        f"  penalties by kind and state: {_penalties(overall) or 'none'}",
        "",
        f"  {'enterprise':<20} {'cases':>5} {'score':>6} {'level':>5} {'warnings':>8} {'notices':>7}"
        "  penalties",
    ]
    by_code = {r["key"]["enterprise"]: r["figures"] for r in result["metrics"]["rows"]}
    for o in result["outcomes"]:
        figures = by_code.get(o["enterprise"], {})
        penalties = (_penalties(o["penalties"]) or "none") + (" (licence revoked)" if o["revoked"] else "")
        lines.append(
            f"  {o['enterprise']:<20} {figures.get('volume', 0):>5} {shown(figures.get('score')):>6} "
            f"{o['level']:>5} {o['warnings']:>8} {o['notices']:>7}  {penalties}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="aftersales simulate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=5)
    parser.add_argument("--complaints", type=int, default=100)
    parser.add_argument("--days", type=int, default=60, help="days over which complaints arrive")
    for name, default in asdict(Behaviour()).items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=float,
            default=default,
            dest=name,
            help=f"share, 0 to 1 (default {default})",
        )
    parser.add_argument("--policy", type=Path, help="a policy file to try (default: the one in force)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start-day",
        type=date.fromisoformat,
        help="the day the simulated days begin, YYYY-MM-DD, after today (default: tomorrow)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--json-file", type=Path, help="write the result as JSON to this file")
    parser.add_argument(
        "--progress", action="store_true", help="tell the share of simulated time run on stderr, as it goes"
    )
    args = parser.parse_args(argv)
    shares = {name: getattr(args, name) for name in asdict(Behaviour())}
    for name, value in shares.items():
        if not 0 <= value <= 1:
            parser.error(f"--{name.replace('_', '-')}: a share from 0 to 1")
    if shares["late"] + shares["never"] > 1:
        parser.error("--late and --never together exceed 1")
    if args.enterprises < 1 or args.complaints < 0 or args.days < 1:
        parser.error("--enterprises and --days must be at least 1, --complaints at least 0")
    try:
        result = asyncio.run(
            simulate(
                enterprises=args.enterprises,
                complaints=args.complaints,
                days=args.days,
                behaviour=Behaviour(**shares),
                seed=args.seed,
                policy_file=args.policy,
                progress=_told if args.progress else None,
                start_day=args.start_day,
            )
        )
    except DayBegun as exc:
        parser.error(f"--start-day: {exc}")
    if args.json_file:
        args.json_file.write_text(json.dumps(result, ensure_ascii=False))
    else:
        print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else render(result))
    return 0


def _told(share: float) -> None:
    print(f"progress {share:.3f}", file=sys.stderr, flush=True)
