"""The supervision of one enterprise (`enterprise-<credit code>`): a long-running workflow that
receives every violation its cases report and climbs the ladder one step at a time.

Started by the first report, with signal-with-start; it never ends, and continues as new
before its history grows large. The rules are `domain.supervision`; this shell feeds them
reports, the parties' signals and the timers of orders, windows, payments and terms.

Penalties have lived as the law has them since policy 2026.3 (`PENALTY_PROCEDURE`): a run
begun before keeps the ladder it began with (`LegacyLadder`), so its history replays, until it
continues as new, which the first report from a worker of this version brings about; the new
run adopts the record into the procedure.
"""

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import AlarmKind, Deadline, DeadlineRequest, DeadlinesInput
    from domain.enums import SupervisionAction
    from domain.ledger import Answer, answer
    from domain.readmodel import MeasureRecord, supervision_update
    from domain.supervision.io import EnterpriseInput, SupervisionCheck
    from domain.supervision.legacy import LegacyLadder
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
        SuspensionVerification,
    )
    from domain.supervision.process import SupervisionCommand, SupervisionProcess
    from domain.supervision.rules import refusal
    from domain.supervision.state import EnterpriseState
    from workflows import activities
    from workflows import search_attributes as sa
    from workflows.activities import READS_IN_TASK  # asked for in __init__, before any local activity

from workflows.timers import DeadlineTimers

# The signal a case's report arrives by, and the one the first report starts the workflow with.
REPORT = "report"
PENALTY_PROCEDURE = "penalty-procedure"


@workflow.defn
class EnterpriseWorkflow:
    @workflow.init
    def __init__(self, input: EnterpriseInput) -> None:
        lawful = workflow.patched(PENALTY_PROCEDURE)
        self._in_task = workflow.patched(READS_IN_TASK)
        self._ladder: type[SupervisionProcess] = SupervisionProcess if lawful else LegacyLadder
        self._process = self._ladder(input.state) if input.state else None
        self._timers = DeadlineTimers(lambda: self.enterprise.deadlines(), self._alarm)
        self._published: list[SearchAttributeUpdate] | None = None
        self._adopt = False  # a legacy run, told of the procedure: continue as new
        self._measures: dict[str, MeasureRecord] = {}  # warnings and penalties as this run wrote them

    @property
    def process(self) -> SupervisionProcess:
        assert self._process is not None, "no report has arrived yet"
        return self._process

    @property
    def enterprise(self) -> EnterpriseState:
        return self.process.state

    @workflow.run
    async def run(self, input: EnterpriseInput) -> None:
        await workflow.wait_condition(lambda: self._process is not None)
        self.process.adopt(workflow.now())
        while True:
            await self._settle()
            if self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._has_work():
                    workflow.continue_as_new(
                        EnterpriseInput(credit_code=self.enterprise.credit_code, state=self.enterprise)
                    )
            await workflow.wait_condition(lambda: self._has_work() or self._continue_as_new_due())

    def _has_work(self) -> bool:
        p = self.process
        return bool(p.state.pending or p.wanted or p.events)

    def _continue_as_new_due(self) -> bool:
        info = workflow.info()
        limit = self.enterprise.policy.supervision.continue_as_new_after_events
        return (
            self._adopt or info.get_current_history_length() >= limit or info.is_continue_as_new_suggested()
        )

    async def _settle(self) -> None:
        """Compute the deadlines a step asked for and record it, before the next step."""
        while True:
            p = self.process
            if p.wanted:
                requests, p.wanted = p.wanted, []
                p.deadlines_computed(await self._compute(requests), workflow.now())
            elif p.events:
                await self._record()
            elif not p.step(workflow.now()):
                break
            self._timers.sync()
        self._timers.sync()

    async def _compute(self, requests: list[DeadlineRequest]) -> list[Deadline]:
        return await activities.compute_deadlines(
            DeadlinesInput(policy=self.enterprise.policy, requests=requests), here=self._in_task
        )

    async def _record(self) -> None:
        events, notifications, notices = self.process.drain()
        update = supervision_update(
            self.enterprise, workflow.info().workflow_id, events, notifications, notices, self._measures
        )
        await activities.record_supervision(update)
        self._measures.update((m.measure_id, m) for m in update.measures)
        updates = sa.of_enterprise(self.enterprise)
        if updates != self._published:
            workflow.upsert_search_attributes(updates)
            self._published = updates

    def _alarm(self, key: str, what: AlarmKind) -> None:
        self.process.alarm(key, what, workflow.now())

    # --- signals ---------------------------------------------------------------------------

    @workflow.signal(name=REPORT)
    def report(self, report: EnterpriseReport) -> None:
        """Violations and verification results from a complaint workflow."""
        if self._process is None:
            self._process = self._ladder(
                EnterpriseState(credit_code=report.credit_code, name=report.name, policy=report.policy)
            )
        self._process.receive(report, workflow.now())
        self._adopt = self._adopt or (self._ladder is LegacyLadder and report.procedure >= PROCEDURE)

    async def _take(self, action: SupervisionAction, command: SupervisionCommand) -> None:
        await workflow.wait_condition(lambda: self._process is not None)
        self.process.take(action, command, workflow.now())

    @workflow.signal
    async def submit_statement(self, command: Statement) -> None:
        await self._take(SupervisionAction.SUBMIT_STATEMENT, command)

    @workflow.signal
    async def decide_penalty(self, command: PenaltyDecision) -> None:
        await self._take(SupervisionAction.DECIDE_PENALTY, command)

    @workflow.signal
    async def submit_order_report(self, command: OrderReport) -> None:
        await self._take(SupervisionAction.SUBMIT_ORDER_REPORT, command)

    @workflow.signal
    async def verify_order(self, command: OrderVerification) -> None:
        await self._take(SupervisionAction.VERIFY_ORDER, command)

    @workflow.signal
    async def request_hearing(self, command: HearingRequest) -> None:
        await self._take(SupervisionAction.REQUEST_HEARING, command)

    @workflow.signal
    async def schedule_hearing(self, command: HearingSchedule) -> None:
        await self._take(SupervisionAction.SCHEDULE_HEARING, command)

    @workflow.signal
    async def record_hearing(self, command: HearingRecord) -> None:
        await self._take(SupervisionAction.RECORD_HEARING, command)

    @workflow.signal
    async def record_payment(self, command: FinePayment) -> None:
        await self._take(SupervisionAction.RECORD_PAYMENT, command)

    @workflow.signal
    async def verify_suspension(self, command: SuspensionVerification) -> None:
        await self._take(SupervisionAction.VERIFY_SUSPENSION, command)

    # --- queries -----------------------------------------------------------------------------

    @workflow.query
    def state(self) -> EnterpriseState | None:
        return self._process.state if self._process else None

    @workflow.query
    def level(self) -> int:
        """The rung of the ladder the enterprise stands on: what a case's verification asks."""
        return self._process.state.level if self._process else 0

    @workflow.query
    def check(self, check: SupervisionCheck) -> str | None:
        if self._process is None:
            return "this enterprise is not under supervision"
        return refusal(self.enterprise, check.action, check.actor, check.target)

    @workflow.query
    def answer(self, request_id: str) -> Answer[EnterpriseState]:
        """What became of the request, with the supervision after it once applied."""
        if self._process is None:
            return Answer()
        return answer(self._process.state.requests, request_id, self._process.state)
