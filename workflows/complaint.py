"""The complaint workflow: one case from intake to closing, its deadlines kept as timers.

The process rules live in `domain.complaint.process`; this shell feeds them signals, timers and
activity results, and carries out what they ask: deadlines computed by an activity, the read
model written by an activity, the investigator and the evaluation agency chosen by
activities, verification and evaluation run as child workflows.
"""

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from domain.complaint.io import ActionCheck, CaseResult, ComplaintInput, Recorded
    from domain.complaint.messages import (
        Accept,
        Admit,
        ConsumerDetails,
        Decline,
        Dispute,
        Escalate,
        Propose,
        RecordSiteVisit,
        Reject,
        RequestEvidence,
        Respond,
        SubmitEvidence,
        SubmitFindings,
        SubmitRectification,
        Transfer,
        ViolationRecord,
        Withdraw,
    )
    from domain.complaint.process import CaseProcess
    from domain.complaint.rules import one_notice_per_breach, refusal
    from domain.complaint.state import ActiveTask, CaseState
    from domain.deadlines import AlarmKind, Deadline, DeadlineRequest, DeadlinesInput
    from domain.enums import Action, CaseStatus, DeadlineKind, RecipientKind, TaskKind
    from domain.ids import task_id, verification_key, violation_key, withdrawal_key
    from domain.ledger import Answer, answer
    from domain.messages import Assignee, Command
    from domain.readmodel import CaseUpdate, snapshot
    from domain.supervision.messages import (
        CaseReport,
        VerificationReport,
        ViolationReport,
        ViolationWithdrawal,
    )
    from domain.tasks import EvaluationInput, VerificationInput
    from workflows import activities
    from workflows import search_attributes as sa
    from workflows.activities import READS_IN_TASK

from workflows.evaluation import EvaluationWorkflow
from workflows.timers import DeadlineTimers
from workflows.verification import VerificationWorkflow

# The patch that reports violations and verifications to the enterprise's supervision, and
# spaces follow-up verification by the enterprise's supervision level.
SUPERVISION = "enterprise-supervision"
RETRY_FAILED_TASK = timedelta(hours=1)
# The patch that tells the consumer more of their case: answered, investigated, substantiated,
# surveyed. A case begun before it keeps to what it told before.
CONSUMER_UPDATES = "consumer-updates"
TOLD_SINCE = frozenset({"responded", "investigation_opened", "substantiated", "evaluation_request"})
# The patch that tells the supervisors of a missed response once, not twice.
ONE_BREACH_NOTICE = "one-breach-notice"
# The patch that reports to the enterprise's supervision in the activity that records the step,
# not in one of its own after it.
REPORT_WITH_RECORD = "report-with-record"
# The patch that works out a case's setup (policy, triage, first deadlines: reads and
# arithmetic, a few milliseconds) inside its first workflow task, as a local activity: a task
# and an activity less on the server for each complaint. Its record stays an activity of its
# own: it writes, and makes the first tries of its deliveries, while the case answers queries.
STEPS_IN_TASK = "steps-in-task"
# The patch that withdraws a case's violations from its enterprise's supervision when the case
# is rejected as a duplicate of another: the grievance counts once.
WITHDRAW_DUPLICATES = "withdraw-duplicates"
# A run that follows READS_IN_TASK (later steps' reads as local activities) asks for it, and for
# every patch after it, as it begins: a query can end a task at a local activity, the rest going
# to a task of its own, and a patch first asked for after one would be placed elsewhere by a
# replay (tests/workflows/test_queried_while_working.py). A run begun before it asks for each
# patch when it first matters, as it did, and runs no local activity but its setup.
ASKED_AT_START = (CONSUMER_UPDATES, ONE_BREACH_NOTICE, REPORT_WITH_RECORD, SUPERVISION, WITHDRAW_DUPLICATES)


@workflow.defn
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, input: ComplaintInput) -> None:
        self._process = CaseProcess(input.state) if input.state else None
        self._recorded = input.state.revision if input.state else 0
        self._reported = self._recorded  # the revision recorded and reported to the enterprise too
        self._timers = DeadlineTimers(lambda: self.case.deadlines, self._alarm)
        self._assigning: asyncio.Task[None] | None = None
        self._child: asyncio.Task[None] | None = None
        self._published: list[SearchAttributeUpdate] | None = None
        self._verifications: list[VerificationReport] = []  # for the enterprise's supervision
        self._in_task = False  # READS_IN_TASK, asked for as the run begins

    @property
    def process(self) -> CaseProcess:
        assert self._process is not None, "the case is not registered yet"
        return self._process

    @property
    def case(self) -> CaseState:
        return self.process.state

    # --- the run -------------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: ComplaintInput) -> CaseResult:
        self._in_task = workflow.patched(READS_IN_TASK)
        if self._in_task:
            for patch in ASKED_AT_START:
                workflow.patched(patch)
        if self._process is None:  # the setup is not kept in this frame: the case holds what it needs
            self._process = CaseProcess.register(
                input.intake,
                await activities.prepare_case(input.intake, here=workflow.patched(STEPS_IN_TASK)),
                workflow.now(),
            )
        while True:
            await self._settle()
            if self.case.status is CaseStatus.CLOSED:
                break
            if self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._has_work():
                    workflow.continue_as_new(ComplaintInput(intake=self.case.intake, state=self.case))
            await workflow.wait_condition(lambda: self._has_work() or self._continue_as_new_due())
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._settle()
        case = self.case
        assert case.outcome is not None and case.closed_at is not None
        return CaseResult(
            tracking_no=case.tracking_no,
            outcome=case.outcome,
            closed_at=case.closed_at,
            escalation_level=case.escalation_level,
            violations=len(case.violations),
        )

    def _has_work(self) -> bool:
        p = self.process
        return (
            bool(p.wanted or p.events)
            or (p.needs_investigator and self._assigning is None)
            or (p.needs_task is not None and self._child is None)
        )

    def _continue_as_new_due(self) -> bool:
        info = workflow.info()
        long = info.get_current_history_length() >= self.case.policy.history.continue_as_new_after_events
        idle = self._child is None and self._assigning is None
        return idle and (long or info.is_continue_as_new_suggested())

    async def _settle(self) -> None:
        """Carry out what the process asked for until nothing is left."""
        while True:
            p = self.process
            if p.needs_investigator and self._assigning is None:
                self._assigning = asyncio.create_task(self._assign_investigator())
            if p.needs_task is not None and self._child is None:
                self._child = asyncio.create_task(self._run_task(p.needs_task))
            if p.wanted:
                requests, p.wanted = p.wanted, []
                p.deadlines_computed(await self._compute(requests), workflow.now())
            elif p.events:
                await self._record()
            else:
                break
            self._timers.sync()
        self._timers.sync()

    async def _compute(self, requests: list[DeadlineRequest]) -> list[Deadline]:
        return await activities.compute_deadlines(
            DeadlinesInput(policy=self.case.policy, requests=requests), here=self._in_task
        )

    async def _record(self) -> None:
        events, notifications, violations = self.process.drain()
        withdrawn, self.process.withdrawn = self.process.withdrawn, []
        if any(n.topic in TOLD_SINCE for n in notifications) and not workflow.patched(CONSUMER_UPDATES):
            notifications = [n for n in notifications if n.topic not in TOLD_SINCE]
        once = one_notice_per_breach(notifications)
        if len(once) < len(notifications) and workflow.patched(ONE_BREACH_NOTICE):
            notifications = once
        told = any(n.recipient.kind is RecipientKind.CONSUMER for n in notifications)
        update = CaseUpdate(
            snapshot=snapshot(self.case, workflow.info().workflow_id),
            events=events,
            notifications=notifications,
            violations=violations,
            withdrawn=withdrawn,
            consumer=self.case.intake.consumer if told else None,
        )
        withdrawal = (
            self._withdrawal(withdrawn) if withdrawn and workflow.patched(WITHDRAW_DUPLICATES) else None
        )
        together = bool(violations or self._verifications or withdrawal) and workflow.patched(
            REPORT_WITH_RECORD
        )
        if together:
            verifications, self._verifications = self._verifications, []
            if workflow.patched(SUPERVISION):
                update.report = self._report(violations, verifications, withdrawal)
        await activities.record_case(update)
        self._recorded = update.snapshot.revision
        self._publish()
        if not together:
            verifications, self._verifications = self._verifications, []  # as runs of before did
            if (violations or verifications) and workflow.patched(SUPERVISION):
                await activities.report_to_enterprise(self._report(violations, verifications))
        self._reported = update.snapshot.revision

    def _report(
        self,
        violations: list[ViolationRecord],
        verifications: list[VerificationReport],
        withdrawal: ViolationWithdrawal | None = None,
    ) -> CaseReport:
        case = self.case
        investigator = case.investigation.investigator if case.investigation else None
        return CaseReport(
            credit_code=case.enterprise_code,
            name=case.intake.enterprise.name,
            violations=[
                ViolationReport(
                    key=violation_key(case.tracking_no, v.seq),
                    tracking_no=case.tracking_no,
                    kind=v.kind,
                    offence=v.offence,
                    severity=case.triage.severity,
                    at=v.at,
                    detail=v.detail,
                    round=v.round,
                    investigator_id=investigator.id if investigator else "",
                )
                for v in violations
            ],
            verifications=verifications,
            withdrawals=[withdrawal] if withdrawal else [],
        )

    def _withdrawal(self, withdrawn: list[ViolationRecord]) -> ViolationWithdrawal:
        case = self.case
        assert case.duplicate_of is not None
        return ViolationWithdrawal(
            key=withdrawal_key(case.tracking_no),
            tracking_no=case.tracking_no,
            duplicate_of=case.duplicate_of,
            violation_keys=[violation_key(case.tracking_no, v.seq) for v in withdrawn],
            at=workflow.now(),
        )

    def _publish(self) -> None:
        """Keep the search attributes in step with the case."""
        updates = sa.of_case(self.case)
        if updates != self._published:
            workflow.upsert_search_attributes(updates)
            self._published = updates

    def _alarm(self, key: str, what: AlarmKind) -> None:
        self.process.alarm(key, what, workflow.now())

    # --- investigator and child workflows ----------------------------------------------------

    async def _assign_investigator(self) -> None:
        who = await activities.assign_investigator(self.case.tracking_no, here=self._in_task)
        self.process.investigator_assigned(who, workflow.now())
        self._assigning = None

    async def _run_task(self, kind: TaskKind) -> None:
        """Run the child; if it fails (terminated, timed out), record it and start it again later."""
        try:
            if kind is TaskKind.VERIFICATION:
                await self._verify()
            else:
                await self._evaluate()
        except ChildWorkflowError as failure:
            self.process.task_failed(str(failure.cause or failure), workflow.now())
            await workflow.sleep(RETRY_FAILED_TASK, summary=f"start the {kind} again")
        finally:
            self._child = None

    def _task_started(
        self, kind: TaskKind, round_: int, assignee: Assignee, opens_at: datetime, due: Deadline
    ) -> str:
        """The task's child id, now on record in the case as the task in flight."""
        attempt = self.case.task_attempt(kind)
        child_id = task_id(workflow.info().workflow_id, kind, round_, attempt)
        task = ActiveTask(
            task_id=child_id, kind=kind, round=round_, assignee=assignee, opens_at=opens_at, due=due.due
        )
        self.process.task_started(task, workflow.now())
        return child_id

    async def _verify(self) -> None:
        case = self.case
        rect, inv = case.rectification, case.investigation
        assert rect and rect.submitted_at and inv and inv.investigator
        check = DeadlineRequest(
            kind=DeadlineKind.VERIFICATION_CHECK, start=rect.submitted_at, round=rect.round
        )
        if workflow.patched(SUPERVISION):  # the closer the enterprise is watched, the sooner it is checked
            level = await activities.supervision_level(case.enterprise_code)
            windows = case.policy.supervision.verification_by_level
            check.window = windows[min(level, len(windows) - 1)]
        opens = (await self._compute([check]))[0]
        due = (
            await self._compute(
                [DeadlineRequest(kind=DeadlineKind.VERIFICATION, start=opens.due, round=rect.round)]
            )
        )[0]
        child_id = self._task_started(TaskKind.VERIFICATION, rect.round, inv.investigator, opens.due, due)
        outcome = await workflow.execute_child_workflow(
            VerificationWorkflow.run,
            VerificationInput(
                task_id=child_id,
                tracking_no=case.tracking_no,
                enterprise_code=case.enterprise_code,
                round=rect.round,
                investigator=inv.investigator,
                opens=opens,
                due=due,
            ),
            id=child_id,
            parent_close_policy=workflow.ParentClosePolicy.REQUEST_CANCEL,
            static_summary=f"follow-up verification, round {rect.round}",
        )
        self.process.verification_done(outcome, workflow.now())
        self._verifications.append(
            VerificationReport(
                key=verification_key(case.tracking_no, rect.round),
                tracking_no=case.tracking_no,
                round=rect.round,
                effective=outcome.effective,
                at=outcome.at,
            )
        )

    async def _evaluate(self) -> None:
        case = self.case
        agency = await activities.assign_agency(case.tracking_no, here=self._in_task)
        due = (await self._compute([DeadlineRequest(kind=DeadlineKind.EVALUATION, start=workflow.now())]))[0]
        child_id = self._task_started(TaskKind.EVALUATION, 1, agency, workflow.now(), due)
        outcome = await workflow.execute_child_workflow(
            EvaluationWorkflow.run,
            EvaluationInput(
                task_id=child_id,
                tracking_no=case.tracking_no,
                enterprise_code=case.enterprise_code,
                agency=agency,
                due=due,
            ),
            id=child_id,
            parent_close_policy=workflow.ParentClosePolicy.REQUEST_CANCEL,
            static_summary="third-party evaluation",
        )
        self.process.evaluation_done(outcome, workflow.now())

    # --- signals: one per action, each with its actor and request id ------------------------

    async def _take(self, action: Action, command: Command) -> None:
        await workflow.wait_condition(lambda: self._process is not None)
        self.process.take(action, command, workflow.now())

    @workflow.signal
    async def respond(self, command: Respond) -> None:
        await self._take(Action.RESPOND, command)

    @workflow.signal
    async def propose(self, command: Propose) -> None:
        await self._take(Action.PROPOSE, command)

    @workflow.signal
    async def accept(self, command: Accept) -> None:
        await self._take(Action.ACCEPT, command)

    @workflow.signal
    async def dispute(self, command: Dispute) -> None:
        await self._take(Action.DISPUTE, command)

    @workflow.signal
    async def withdraw(self, command: Withdraw) -> None:
        await self._take(Action.WITHDRAW, command)

    @workflow.signal
    async def reject(self, command: Reject) -> None:
        await self._take(Action.REJECT, command)

    @workflow.signal
    async def admit(self, command: Admit) -> None:
        await self._take(Action.ADMIT, command)

    @workflow.signal
    async def decline(self, command: Decline) -> None:
        await self._take(Action.DECLINE, command)

    @workflow.signal
    async def transfer(self, command: Transfer) -> None:
        await self._take(Action.TRANSFER, command)

    @workflow.signal
    async def escalate(self, command: Escalate) -> None:
        await self._take(Action.ESCALATE, command)

    @workflow.signal
    async def request_evidence(self, command: RequestEvidence) -> None:
        await self._take(Action.REQUEST_EVIDENCE, command)

    @workflow.signal
    async def submit_evidence(self, command: SubmitEvidence) -> None:
        await self._take(Action.SUBMIT_EVIDENCE, command)

    @workflow.signal
    async def record_site_visit(self, command: RecordSiteVisit) -> None:
        await self._take(Action.RECORD_SITE_VISIT, command)

    @workflow.signal
    async def submit_findings(self, command: SubmitFindings) -> None:
        await self._take(Action.SUBMIT_FINDINGS, command)

    @workflow.signal
    async def submit_rectification(self, command: SubmitRectification) -> None:
        await self._take(Action.SUBMIT_RECTIFICATION, command)

    # --- queries and the intake update ------------------------------------------------------

    @workflow.query
    def state(self) -> CaseState | None:
        return self._process.state if self._process else None

    @workflow.query
    def recorded(self) -> Recorded | None:
        """How far the read model and the enterprise's supervision hold the case: lighter to ask
        than its whole state, for what waits on them."""
        if self._process is None:
            return None
        case = self._process.state
        task_id = case.task.task_id if case.task else None
        return Recorded(revision=case.revision, recorded=self._reported, task_id=task_id)

    @workflow.query
    def consumer(self) -> ConsumerDetails | None:
        """The consumer's details alone: what a delivery to the consumer asks the case for."""
        return self._process.state.intake.consumer if self._process else None

    @workflow.query
    def check(self, check: ActionCheck) -> str | None:
        """Why the action would be refused now, or None."""
        if self._process is None:
            return "the case is still being registered"
        return refusal(self.case, check.action, check.actor)

    @workflow.query
    def answer(self, request_id: str) -> Answer[CaseState]:
        """What became of the request, with the case after it once applied."""
        if self._process is None:
            return Answer()
        return answer(self._process.state.requests, request_id, self._process.state)

    @workflow.update
    async def registered(self) -> CaseState:
        """Returns once the case is triaged, its deadlines set and the read model written."""
        await workflow.wait_condition(lambda: self._process is not None and self._recorded > 0)
        return self.case
