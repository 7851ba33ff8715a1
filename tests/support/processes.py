"""The two processes driven as the workflows drive them, but in pure code: told the time,
the deadlines computed at once, each alarm fired when asked."""

from datetime import UTC, datetime, timedelta
from typing import Any

from activities.deadlines import compute_deadline
from domain.complaint.io import CaseSetup
from domain.complaint.messages import Escalate, Propose, SubmitFindings, SubmitRectification
from domain.complaint.process import CaseProcess
from domain.complaint.state import ActiveTask, CaseState
from domain.deadlines import Deadline, DeadlineRequest
from domain.enums import (
    Action,
    Category,
    DeadlineKind,
    DecisionOutcome,
    Measure,
    Offence,
    PenaltyStatus,
    Priority,
    Role,
    Severity,
    SupervisionAction,
    TaskKind,
    Verdict,
    ViolationKind,
)
from domain.ledger import APPLIED
from domain.messages import Actor, Assignee, Command
from domain.supervision.messages import (
    EnterpriseReport,
    PenaltyDecision,
    Statement,
    VerificationReport,
    ViolationReport,
    ViolationWithdrawal,
)
from domain.supervision.process import SupervisionProcess
from domain.supervision.state import EnterpriseState, Penalty
from domain.tasks import EvaluationOutcome, EvaluationResult, VerificationOutcome
from domain.triage import Triage
from tests.support import CALENDAR, ENTERPRISE, ENTERPRISE_CODE, POLICY, SUPERVISOR, command, intake

INVESTIGATOR = Actor(id="inv-li", role=Role.INVESTIGATOR, name="李强")
EVALUATOR = Actor(id="eval-huaxin", role=Role.EVALUATOR, org="agency-huaxin", name="华信")
REPORT = {
    "cause_analysis": "备件不足",
    "improvement_measures": "增加库存",
    "implementation_effect": "返修率下降",
}
CODE = ENTERPRISE_CODE

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class Ladder:
    def __init__(self, process: type[SupervisionProcess] = SupervisionProcess) -> None:
        self.process = process(EnterpriseState(credit_code=CODE, name="明辉电器", policy=POLICY))
        self.now = START
        self.n = 0
        self.name = "明辉电器"  # the registered name the report carries
        self.keys: dict[str, list[str]] = {}  # each case's violation keys, as reported

    @property
    def state(self) -> EnterpriseState:
        return self.process.state

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def violation(
        self,
        case: str,
        kind: ViolationKind = ViolationKind.LATE_RESPONSE,
        severity: Severity = Severity.MODERATE,
        offence: Offence | None = None,
        **fields: Any,
    ) -> None:
        self.n += 1
        self.keys.setdefault(case, []).append(f"{case}:{self.n}")
        report = ViolationReport(
            key=f"{case}:{self.n}",
            tracking_no=case,
            kind=kind,
            severity=severity,
            offence=offence,
            at=self.now,
            detail="",
            **fields,
        )
        self.report(EnterpriseReport(credit_code=CODE, name=self.name, policy=POLICY, violations=[report]))

    def serious(self, case: str, **fields: Any) -> None:
        """A substantiated complaint of serious severity: straight to a penalty proposal."""
        self.violation(
            case, ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING, **fields
        )

    def report(self, report: EnterpriseReport) -> None:
        self.process.receive(report, self.now)
        while self.process.step(self.now):
            self.settle()

    def settle(self) -> None:
        wanted, self.process.wanted = self.process.wanted, []
        self.process.deadlines_computed([compute_deadline(POLICY, r, CALENDAR) for r in wanted], self.now)

    def pass_deadline(self, deadline: object) -> None:
        """The deadline's timer fires twice: its warning, then the deadline itself."""
        for what in ("warning", "breach"):
            self.now = getattr(deadline, "warn_at" if what == "warning" else "due")
            self.process.alarm(deadline.key, what, self.now)  # type: ignore[attr-defined]
        self.settle()

    def take(self, action: SupervisionAction, command: object) -> str:
        """What became of the command: "applied", or the reason it was refused."""
        self.process.take(action, command, self.now)  # type: ignore[arg-type]
        self.settle()
        return self.state.requests[command.request_id]  # type: ignore[attr-defined]

    def penalty(self, penalty_id: str = "P1") -> Penalty:
        found = self.state.penalty(penalty_id)
        assert found is not None, f"no penalty {penalty_id}"
        return found

    def withdrawn(self, case: str, duplicate_of: str) -> None:
        """The case rejected as a duplicate of another: its violations withdrawn."""
        withdrawal = ViolationWithdrawal(
            key=f"{case}:withdrawn",
            tracking_no=case,
            duplicate_of=duplicate_of,
            violation_keys=self.keys.get(case, []),
            at=self.now,
        )
        self.report(
            EnterpriseReport(credit_code=CODE, name=self.name, policy=POLICY, withdrawals=[withdrawal])
        )

    def verified(self, case: str) -> None:
        """The case's rectification verified effective by its follow-up verification."""
        self.report(
            EnterpriseReport(
                credit_code=CODE,
                name=self.name,
                policy=POLICY,
                verifications=[
                    VerificationReport(
                        key=f"{case}:v{self.n}", tracking_no=case, round=1, effective=True, at=self.now
                    )
                ],
            )
        )

    def decidable(self, penalty_id: str = "P1") -> None:
        """Let the enterprise's windows pass unused: the statement's, and the hearing's if offered."""
        penalty = self.penalty(penalty_id)
        windows = [penalty.statement_due] + ([penalty.hearing.request_due] if penalty.hearing else [])
        for d in windows:
            assert d is not None
            if d.next_alarm():
                self.pass_deadline(d)
        assert penalty.status is PenaltyStatus.AWAITING_DECISION, penalty.status

    def decide_refusal(self, penalty_id: str) -> str:
        """Why a supervisor may not decide the penalty now ("applied" if it was decided)."""
        self.n += 1
        return self.take(SupervisionAction.DECIDE_PENALTY, decision(1000 + self.n, penalty_id=penalty_id))

    def decide(self, penalty_id: str = "P1", n: int = 1, **fields: object) -> str:
        """Decide once the windows have passed: confirm, unless `fields` say otherwise."""
        self.decidable(penalty_id)
        return self.take(SupervisionAction.DECIDE_PENALTY, decision(n, penalty_id=penalty_id, **fields))


def climbed(to: int) -> Ladder:
    """Penalties decided one after another up to P`to` (the 2nd a fine of 200,000 yuan, the 3rd a
    suspension, the 4th the revocation); the last one proposed and not yet decided."""
    ladder = Ladder()
    for n in range(1, to + 1):
        ladder.serious(f"CP-{n}", investigator_id=INVESTIGATOR.id)
        if n < to:
            assert ladder.decide(f"P{n}", n) == APPLIED
            ladder.later(days=1)
    return ladder


def statement(penalty: str = "P1", n: int = 1) -> Statement:
    return Statement(request_id=f"s{n}", actor=ENTERPRISE, penalty_id=penalty, text="我们已整改,请求从轻处罚")


def decision(n: int = 1, **fields: object) -> PenaltyDecision:
    values = {"penalty_id": "P1", "outcome": DecisionOutcome.CONFIRM, "reason": "事实清楚"} | fields
    return PenaltyDecision(request_id=f"d{n}", actor=SUPERVISOR, **values)  # type: ignore[arg-type]


class CaseBench:
    """A complaint's process, registered with a triage of one's choosing, driven step by step."""

    def __init__(
        self, severity: Severity = Severity.MODERATE, forwarded_after: timedelta | None = None
    ) -> None:
        case = intake(received_at=START)
        first = [
            DeadlineRequest(kind=k, start=START) for k in (DeadlineKind.RESPONSE, DeadlineKind.RESOLUTION)
        ]
        setup = CaseSetup(
            policy=POLICY,
            triage=Triage(
                category=Category.PRODUCT_QUALITY,
                severity=severity,
                priority=Priority.P3,
                rule="test",
                reasons=[],
            ),
            deadlines=[compute_deadline(POLICY, r, CALENDAR) for r in first],
        )
        # A case recorded late (a backdated phone call) reaches the enterprise after it was received.
        self.now = START + (forwarded_after or timedelta(0))
        self.process = CaseProcess.register(case, setup, self.now)
        self.settle()

    @property
    def state(self) -> CaseState:
        return self.process.state

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def settle(self) -> None:
        """Compute the deadlines the process asked for, as the calendar activity would."""
        wanted, self.process.wanted = self.process.wanted, []
        self.process.deadlines_computed([compute_deadline(POLICY, r, CALENDAR) for r in wanted], self.now)

    def send(self, action: Action, command: Command) -> str:
        """What became of the command: "applied", or the reason it was refused."""
        self.process.take(action, command, self.now)
        self.settle()
        return self.state.requests[command.request_id]

    def do(self, action: Action, cls: type[Command], actor: Actor, **fields: Any) -> str:
        return self.send(action, command(cls, actor, **fields))

    def deadline(self, kind: DeadlineKind) -> Deadline:
        found = self.state.deadline(kind)
        assert found is not None, f"no {kind} deadline"
        return found

    def pass_(self, kind: DeadlineKind) -> None:
        """The deadline's warning, then the deadline itself."""
        d = self.deadline(kind)
        for what, at in (("warning", d.warn_at), ("breach", d.due)):
            self.now = at
            self.process.alarm(d.key, what, self.now)  # type: ignore[arg-type]
        self.settle()

    def assign(self, investigator: Actor = INVESTIGATOR) -> None:
        self.process.investigator_assigned(Assignee(id=investigator.id, name=investigator.name), self.now)

    def events(self) -> list[str]:
        """The kinds of the events not yet drained, drained."""
        events, _, _ = self.process.drain()
        return [e.kind for e in events]

    # --- the way to a state ---------------------------------------------------------------

    def proposed(self) -> None:
        assert (
            self.do(Action.PROPOSE, Propose, ENTERPRISE, measures=[Measure.REPLACE], detail="换新") == APPLIED
        )

    def investigating(self) -> None:
        assert self.do(Action.ESCALATE, Escalate, SUPERVISOR, reason="需调查") == APPLIED
        self.assign()

    def rectifying(self) -> None:
        self.investigating()
        assert (
            self.do(
                Action.SUBMIT_FINDINGS,
                SubmitFindings,
                INVESTIGATOR,
                verdict=Verdict.SUBSTANTIATED,
                offence=Offence.PRODUCT_QUALITY,
                summary="批次缺陷",
            )
            == APPLIED
        )

    def verifying(self) -> None:
        self.rectifying()
        assert self.do(Action.SUBMIT_RECTIFICATION, SubmitRectification, ENTERPRISE, **REPORT) == APPLIED

    def task(self, kind: TaskKind, assignee: Actor) -> ActiveTask:
        task = ActiveTask(
            task_id=f"task-{kind}-{len(self.state.task_failures) + 1}",
            kind=kind,
            round=self.state.rectification.round if self.state.rectification else 1,
            assignee=Assignee(id=assignee.id, name=assignee.name),
            opens_at=self.now,
            due=self.now + timedelta(days=7),
        )
        self.process.task_started(task, self.now)
        return task

    def verified(self, effective: bool) -> None:
        task = self.task(TaskKind.VERIFICATION, INVESTIGATOR)
        outcome = VerificationOutcome(
            task_id=task.task_id, effective=effective, notes="核查", by=INVESTIGATOR, at=self.now
        )
        self.process.verification_done(outcome, self.now)
        self.settle()

    def evaluated(self, result: EvaluationResult | None) -> None:
        task = self.task(TaskKind.EVALUATION, EVALUATOR)
        agency = Assignee(id=EVALUATOR.org or "", name=EVALUATOR.name)
        outcome = EvaluationOutcome(
            task_id=task.task_id, agency=agency, evaluated=result is not None, result=result, at=self.now
        )
        self.process.evaluation_done(outcome, self.now)
