"""The complaint process: how commands, deadlines and task results change a case.

`CaseProcess` is pure: it is told the time, changes the `CaseState`, and collects what must
follow (events for the read model, notifications, violations, deadlines to compute). The
workflow feeds it signals, timers and activity results, and carries out what it collects.

One class from intake to closing, over 400 lines: each transition reads beside the ones it
leads to, and they share the case's bookkeeping.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.complaint.io import CaseSetup
from domain.complaint.messages import (
    Accept,
    Admit,
    ComplaintIntake,
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
from domain.complaint.rules import refusal
from domain.complaint.state import (
    ActiveTask,
    Admission,
    CaseState,
    Escalation,
    EvidenceRequest,
    Investigation,
    Rectification,
    SiteVisit,
    TransferRecord,
)
from domain.deadlines import AlarmKind, Deadline, DeadlineRequest, deadline_key, when
from domain.enums import (
    Action,
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    Offence,
    Outcome,
    RejectionReason,
    TaskKind,
    ViolationKind,
)
from domain.ledger import Ledger
from domain.messages import (
    SUPERVISORS,
    SYSTEM,
    Actor,
    Assignee,
    CaseEvent,
    Command,
    Notification,
    Recipient,
)
from domain.policy import shared
from domain.tasks import EvaluationOutcome, VerificationOutcome

# Escalation levels: 1 supervisors alerted, 2 investigation, 3 enforcement.
ALERT, INVESTIGATION, ENFORCEMENT = 1, 2, 3


class CaseProcess(Ledger):
    def __init__(self, state: CaseState) -> None:
        super().__init__(
            state, key=state.tracking_no, tracking_no=state.tracking_no, enterprise_code=state.enterprise_code
        )
        state.policy = shared(state.policy)
        self.state = state
        self.violations: list[ViolationRecord] = []
        self.withdrawn: list[ViolationRecord] = []  # for the enterprise's supervision, once recorded
        self.wanted: list[DeadlineRequest] = []
        self._now = state.intake.received_at
        self._handlers: dict[Action, Callable[[Any], None]] = {
            Action.RESPOND: self._respond,
            Action.PROPOSE: self._propose,
            Action.ACCEPT: self._accept,
            Action.DISPUTE: self._dispute,
            Action.WITHDRAW: self._withdraw,
            Action.REJECT: self._reject,
            Action.ESCALATE: self._escalate,
            Action.REQUEST_EVIDENCE: self._request_evidence,
            Action.SUBMIT_EVIDENCE: self._submit_evidence,
            Action.RECORD_SITE_VISIT: self._record_site_visit,
            Action.SUBMIT_FINDINGS: self._submit_findings,
            Action.SUBMIT_RECTIFICATION: self._submit_rectification,
            Action.ADMIT: self._admit_case,
            Action.DECLINE: self._decline_case,
            Action.TRANSFER: self._transfer,
        }

    # --- intake --------------------------------------------------------------------------

    @classmethod
    def register(cls, intake: ComplaintIntake, setup: CaseSetup, now: datetime) -> "CaseProcess":
        state = CaseState(
            intake=intake,
            policy=setup.policy,
            triage=setup.triage,
            enterprise_revoked_at=setup.enterprise_revoked_at,
            routing=setup.routing,
        )
        process = cls(state)
        process._now = now
        t = setup.triage
        process._event(
            "received",
            f"complaint received via {intake.channel}",
            intake.recorded_by,
            channel=intake.channel,
            received_at=intake.received_at,
            policy=setup.policy.version,
        )
        process._event(
            "triaged",
            f"{t.category}, {t.severity}, priority {t.priority} (rule {t.rule})",
            category=t.category,
            severity=t.severity,
            priority=t.priority,
            rule=t.rule,
            reasons=t.reasons,
        )
        if (r := setup.routing) is not None:
            process._event(
                "routed",
                f"handled by bureau {r.bureau} ({r.rule})",
                bureau=r.bureau,
                rule=r.rule,
                reason=r.reason,
            )
        if setup.enterprise_revoked_at:
            process._event(
                "enterprise_revoked",
                f"the business licence of {intake.enterprise.name} was revoked "
                f"{when(setup.enterprise_revoked_at)}: the complaint is handled for the consumer, and no "
                "further penalty follows",
                revoked_at=setup.enterprise_revoked_at,
            )
        state.status, state.forwarded_at = CaseStatus.FORWARDED, now
        process.deadlines_computed(setup.deadlines, now)
        response = state.deadline(DeadlineKind.RESPONSE)
        process._event("forwarded", f"forwarded to {intake.enterprise.name}")
        process._notify(
            "forwarded",
            f"New complaint {state.tracking_no}: respond by {when(response.due if response else None)}",
            process._enterprise(),
        )
        if t.severity.opens_investigation:
            process._open_investigation(f"severity {t.severity} (triage rule {t.rule})", SYSTEM)
        return process

    # --- commands --------------------------------------------------------------------------

    def take(self, action: Action, command: Command, now: datetime) -> bool:
        """Apply a command once; refuse and record it if it does not fit. True if applied."""
        self._now = now
        problem = refusal(self.state, action, command.actor) or command.problem()
        if not self._admit(action, command, problem):
            return False
        self._handlers[action](command)
        return True

    def _respond(self, cmd: Respond) -> None:
        state = self.state
        state.response, state.responded_at = cmd, self._now
        self._meet(DeadlineKind.RESPONSE)
        if state.status is CaseStatus.FORWARDED:
            state.status = CaseStatus.RESPONDED
        self._event(
            "responded", "the enterprise responded", cmd.actor, message=cmd.message, request_id=cmd.request_id
        )
        self._notify("responded", f"Case {state.tracking_no}: the enterprise has answered", self._consumer())

    def _propose(self, cmd: Propose) -> None:
        state = self.state
        if state.responded_at is None:  # a proposal is also the enterprise's response
            state.responded_at = self._now
            self._meet(DeadlineKind.RESPONSE)
        state.proposal, state.proposed_at = cmd, self._now
        self._meet(DeadlineKind.RESOLUTION)
        state.status = CaseStatus.PROPOSED
        self._event(
            "proposed",
            "resolution proposed: " + ", ".join(cmd.measures),
            cmd.actor,
            measures=cmd.measures,
            amount=cmd.amount,
            detail=cmd.detail,
            request_id=cmd.request_id,
        )
        self._want(DeadlineKind.CONSUMER_DECISION)
        self._notify(
            "proposed", f"Case {state.tracking_no}: the enterprise proposes a resolution", self._consumer()
        )

    def _accept(self, cmd: Accept) -> None:
        self.state.acceptance, self.state.accepted_at = cmd, self._now
        self.state.resolved_at = self.state.proposed_at  # resolved by the proposal now accepted
        self._meet(DeadlineKind.CONSUMER_DECISION)
        self._drop(DeadlineKind.MEDIATION)  # agreed: mediation's clock has no more to count
        self._event(
            "accepted",
            "the consumer accepted the proposed resolution",
            cmd.actor,
            comment=cmd.comment,
            request_id=cmd.request_id,
        )
        self._start_evaluation()

    def _dispute(self, cmd: Dispute) -> None:
        self.state.dispute, self.state.disputed_at = cmd, self._now
        self._meet(DeadlineKind.CONSUMER_DECISION)
        self._event(
            "disputed",
            "the consumer disputed the proposed resolution",
            cmd.actor,
            reason=cmd.reason,
            request_id=cmd.request_id,
        )
        self._open_investigation("disputed by the consumer", cmd.actor)

    def _withdraw(self, cmd: Withdraw) -> None:
        self._close(Outcome.WITHDRAWN, cmd.reason or "withdrawn by the consumer", cmd.actor)

    def _reject(self, cmd: Reject) -> None:
        if cmd.reason is RejectionReason.DUPLICATE:
            outcome, note = Outcome.REJECTED_DUPLICATE, f"duplicate of {cmd.duplicate_of}"
            self.state.duplicate_of = cmd.duplicate_of
            self._withdraw_violations(cmd)
        else:
            outcome, note = Outcome.REJECTED_OUT_OF_SCOPE, "out of scope"
        self._close(outcome, f"{note}. {cmd.note}".strip(" ."), cmd.actor)

    def _withdraw_violations(self, cmd: Reject) -> None:
        """A duplicate's violations count no more: the grievance counts once, as the case it repeats."""
        counted = [v for v in self.state.violations if v.withdrawn_at is None]
        if not counted:
            return
        for v in counted:
            v.withdrawn_at = self._now
        self.withdrawn = counted
        self._event(
            "violations_withdrawn",
            f"{len(counted)} violation(s) withdrawn from the enterprise's record: "
            f"the case repeats case {cmd.duplicate_of}",
            cmd.actor,
            seqs=[v.seq for v in counted],
            duplicate_of=cmd.duplicate_of,
        )

    # --- the bureau's own decisions: acceptance, and mediation's end --------------------------

    def _admit_case(self, cmd: Admit) -> None:
        self._admitted(Admission(outcome="admitted", at=self._now, by=cmd.actor, note=cmd.note), cmd.actor)

    def _decline_case(self, cmd: Decline) -> None:
        state = self.state
        state.admission = Admission(
            outcome="declined", at=self._now, by=cmd.actor, ground=cmd.ground, note=cmd.note
        )
        self._meet(DeadlineKind.ACCEPTANCE, self._acceptance_round())
        self._event(
            "declined",
            f"not accepted: {cmd.ground}",
            cmd.actor,
            ground=cmd.ground,
            note=cmd.note,
            request_id=cmd.request_id,
        )
        note = f"not accepted ({cmd.ground}). {cmd.note}".strip(" .")
        self._close(Outcome.NOT_ADMITTED, note, cmd.actor)

    def _transfer(self, cmd: Transfer) -> None:
        """The case passes to the competent bureau: its acceptance clock starts anew there, the
        enterprise's clocks run on, and both bureaus are told."""
        state = self.state
        before, after = state.routing or cmd.origin, cmd.target
        assert before is not None and after is not None, "the service layer names both bureaus"
        state.routing = after
        state.transfers.append(
            TransferRecord(
                at=self._now,
                from_bureau=before.bureau,
                to_bureau=after.bureau,
                reason=cmd.reason,
                by=cmd.actor,
            )
        )
        self._drop(DeadlineKind.ACCEPTANCE)
        self.wanted.append(
            DeadlineRequest(kind=DeadlineKind.ACCEPTANCE, start=self._now, round=self._acceptance_round() + 1)
        )
        self._event(
            "transferred",
            f"transferred from bureau {before.bureau} to bureau {after.bureau}: {cmd.reason}",
            cmd.actor,
            from_bureau=before.bureau,
            to_bureau=after.bureau,
            reason=cmd.reason,
            request_id=cmd.request_id,
        )
        subject = (
            f"Case {state.tracking_no} is transferred from bureau {before.bureau} to bureau {after.bureau}"
        )
        self._notify("transferred", subject, Recipient.bureau(before.bureau), Recipient.bureau(after.bureau))

    def _acceptance_round(self) -> int:
        """The acceptance clock's round: one more with each transfer."""
        return max((d.round for d in self.state.deadlines if d.kind is DeadlineKind.ACCEPTANCE), default=1)

    def _admitted(self, admission: Admission, by: Actor) -> None:
        """Accepted, by a decision or when the window closed undecided: mediation's clock starts."""
        state = self.state
        state.admission = admission
        if admission.outcome == "deemed":
            self._event("deemed_admitted", "no acceptance decision in time: the complaint counts as accepted")
        else:
            self._meet(DeadlineKind.ACCEPTANCE, self._acceptance_round())
            self._event("admitted", "the bureau accepted the complaint", by, note=admission.note)
        self._notify(
            "admitted", f"Complaint {state.tracking_no} is accepted by the regulator", self._consumer()
        )
        if state.still_runs(DeadlineKind.MEDIATION):
            self.wanted.append(DeadlineRequest(kind=DeadlineKind.MEDIATION, start=admission.at))

    def _acceptance_overdue(self, d: Deadline) -> None:
        """The bureau missed its own clock: the case counts as accepted, the bureau above is told."""
        d.state, d.breached_at = DeadlineState.BREACHED, self._now
        self._admitted(Admission(outcome="deemed", at=d.due), SYSTEM)
        routing = self.state.routing
        above = Recipient.bureau(routing.above) if routing and routing.above else SUPERVISORS
        subject = (
            f"Case {self.state.tracking_no}: acceptance not decided in time by bureau {self._bureau_code()}"
        )
        self._notify("acceptance_overdue", subject, above, self._bureau())

    def _mediation_ended(self, d: Deadline) -> None:
        """No agreement within the window: mediation ends, the parties are told, and the case goes
        on to an investigation or closes, as the policy says."""
        state = self.state
        self._event("mediation_ended", f"no agreement by {when(d.due)}: mediation ended", window=d.window)
        subject = f"Complaint {state.tracking_no}: mediation ended without agreement"
        self._notify("mediation_ended", subject, self._consumer(), self._enterprise(), self._bureau())
        if state.policy.jurisdiction.after_mediation == "closing":
            self._close(Outcome.MEDIATION_ENDED, "mediation ended without agreement", SYSTEM)
        else:
            self._open_investigation("mediation ended without agreement", SYSTEM)
        d.state, d.breached_at = DeadlineState.BREACHED, self._now  # ran out: nothing left to meet

    def _bureau_code(self) -> str:
        routing = self.state.routing
        return routing.bureau if routing else "(none)"

    def _bureau(self) -> Recipient:
        """The supervisors of the bureau that handles the case (all of them, for a case from before)."""
        routing = self.state.routing
        return Recipient.bureau(routing.bureau) if routing else SUPERVISORS

    def _escalate(self, cmd: Escalate) -> None:
        self._open_investigation(f"escalated: {cmd.reason}", cmd.actor)

    def _request_evidence(self, cmd: RequestEvidence) -> None:
        inv = self._investigation()
        n = len(inv.evidence_requests) + 1
        inv.evidence_requests.append(
            EvidenceRequest(round=n, items=cmd.items, requested_at=self._now, requested_by=cmd.actor)
        )
        self._event(
            "evidence_requested",
            f"evidence requested: {cmd.items}",
            cmd.actor,
            round=n,
            items=cmd.items,
            request_id=cmd.request_id,
        )
        self._want(DeadlineKind.EVIDENCE, n)
        self._notify(
            "evidence_requested", f"Case {self.state.tracking_no}: evidence requested", self._enterprise()
        )

    def _submit_evidence(self, cmd: SubmitEvidence) -> None:
        request = self._investigation().open_evidence_request()
        assert request is not None  # the rules checked it
        request.submission, request.submitted_at = cmd, self._now
        self._meet(DeadlineKind.EVIDENCE, request.round)
        self._event(
            "evidence_submitted",
            "the enterprise submitted evidence",
            cmd.actor,
            round=request.round,
            description=cmd.description,
            documents=cmd.documents,
            request_id=cmd.request_id,
        )
        self._notify(
            "evidence_submitted", f"Case {self.state.tracking_no}: evidence submitted", self._investigator()
        )

    def _record_site_visit(self, cmd: RecordSiteVisit) -> None:
        self._investigation().site_visits.append(SiteVisit(recorded_at=self._now, visit=cmd))
        self._event(
            "site_visit",
            f"on-site visit on {cmd.visited_on} at {cmd.location}",
            cmd.actor,
            visited_on=cmd.visited_on,
            location=cmd.location,
            notes=cmd.notes,
            request_id=cmd.request_id,
        )

    def _submit_findings(self, cmd: SubmitFindings) -> None:
        state, inv = self.state, self._investigation()
        inv.findings, inv.findings_at = cmd, self._now
        self._meet(DeadlineKind.INVESTIGATION)
        self._drop(DeadlineKind.EVIDENCE)
        self._event(
            "findings",
            f"findings: {cmd.verdict}" + (f" ({cmd.offence})" if cmd.offence else ""),
            cmd.actor,
            verdict=cmd.verdict,
            offence=cmd.offence,
            measures=[m.model_dump(mode="json") for m in cmd.measures],
            summary=cmd.summary,
            request_id=cmd.request_id,
        )
        if not cmd.verdict.substantiated:
            self._notify(
                "findings",
                f"Case {state.tracking_no}: complaint not substantiated",
                self._consumer(),
                self._enterprise(),
            )
            self._start_evaluation()
            return
        self._notify(
            "substantiated", f"Case {state.tracking_no}: the complaint is substantiated", self._consumer()
        )
        self._violation(ViolationKind.SUBSTANTIATED_COMPLAINT, f"{cmd.verdict}: {cmd.summary}", cmd.offence)
        self._order_rectification(1)

    def _submit_rectification(self, cmd: SubmitRectification) -> None:
        state = self.state
        rect = state.rectification
        assert rect is not None  # status RECTIFYING has one
        rect.report, rect.submitted_at = cmd, self._now
        self._meet(DeadlineKind.RECTIFICATION, rect.round)
        state.status = CaseStatus.VERIFYING
        self._event(
            "rectification_submitted",
            f"rectification report, round {rect.round}",
            cmd.actor,
            round=rect.round,
            cause_analysis=cmd.cause_analysis,
            improvement_measures=cmd.improvement_measures,
            implementation_effect=cmd.implementation_effect,
            request_id=cmd.request_id,
        )

    # --- deadlines ---------------------------------------------------------------------------

    def deadlines_computed(self, deadlines: list[Deadline], now: datetime) -> None:
        self._now = now
        for d in deadlines:
            if d.key in self.state.met_early:  # what it awaited came before the deadline itself
                self.state.met_early.remove(d.key)
                d.end(DeadlineState.MET, now)
            elif not self.state.still_runs(d.kind, d.round):
                d.end(DeadlineState.CLOSED, now)
            self.state.deadlines.append(d)
            self._event(
                "deadline_set",
                f"{d.kind} due {when(d.due)} ({d.window})",
                kind=d.kind,
                round=d.round,
                due=d.due,
                warn_at=d.warn_at,
                basis=d.basis,
                state=d.state,
            )

    def alarm(self, key: str, what: AlarmKind, now: datetime) -> None:
        """A deadline's timer fired, for its warning or its breach."""
        self._now = now
        d = next((d for d in self.state.deadlines if d.key == key), None)
        alarm = d.next_alarm() if d else None
        if d is None or alarm is None or alarm.what != what:
            return
        if not self.state.still_runs(d.kind, d.round):
            d.end(DeadlineState.CLOSED, now)
            return
        if what == "warning":
            d.warned_at = now
            if now < d.due:
                self._warn(d)
        else:
            self._breach(d)

    def _warn(self, d: Deadline) -> None:
        self._event("deadline_warning", f"{d.kind} due {when(d.due)}", kind=d.kind, round=d.round, due=d.due)
        party = {
            DeadlineKind.CONSUMER_DECISION: self._consumer(),
            DeadlineKind.INVESTIGATION: self._investigator(),
            DeadlineKind.ACCEPTANCE: self._bureau(),
            DeadlineKind.MEDIATION: self._bureau(),
        }.get(d.kind, self._enterprise())
        self._notify(f"{d.kind}_warning", f"Case {self.state.tracking_no}: {d.kind} due {when(d.due)}", party)

    def _breach(self, d: Deadline) -> None:
        state, now = self.state, self._now
        if d.kind is DeadlineKind.CONSUMER_DECISION:
            d.end(DeadlineState.CLOSED, now)
            state.resolved_at = state.proposed_at
            self._event("deemed_accepted", "no answer from the consumer: the proposal counts as accepted")
            self._start_evaluation()
            return
        if d.kind is DeadlineKind.ACCEPTANCE:
            self._acceptance_overdue(d)
            return
        if d.kind is DeadlineKind.MEDIATION:
            self._mediation_ended(d)
            return
        d.state, d.breached_at = DeadlineState.BREACHED, now
        # A backdated case can reach the enterprise after its deadline: no fault of the enterprise.
        attributable = state.forwarded_at is not None and state.forwarded_at < d.due
        self._event(
            "deadline_breached",
            f"{d.kind} overdue since {when(d.due)}",
            kind=d.kind,
            round=d.round,
            due=d.due,
            attributable=attributable,
        )
        subject = f"Case {state.tracking_no}: {d.kind} overdue"
        match d.kind:
            case DeadlineKind.RESPONSE:
                self._escalate_to(ALERT, "the enterprise did not respond in time")
                self._count_violation(
                    attributable, ViolationKind.LATE_RESPONSE, f"no response by {when(d.due)}"
                )
                self._notify("response_overdue", subject, SUPERVISORS, self._enterprise())
            case DeadlineKind.RESOLUTION:
                self._count_violation(
                    attributable, ViolationKind.LATE_RESOLUTION, f"not resolved by {when(d.due)}"
                )
                self._notify("resolution_overdue", subject, SUPERVISORS, self._enterprise())
                self._open_investigation("resolution overdue", SYSTEM)
            case DeadlineKind.INVESTIGATION:
                self._escalate_to(ENFORCEMENT, "investigation overdue")
                self._notify("investigation_overdue", subject, SUPERVISORS, self._investigator())
            case DeadlineKind.EVIDENCE:
                self._escalate_to(ENFORCEMENT, "evidence overdue")
                self._violation(ViolationKind.LATE_EVIDENCE, f"evidence not submitted by {when(d.due)}")
                self._notify(
                    "evidence_overdue", subject, SUPERVISORS, self._investigator(), self._enterprise()
                )
            case DeadlineKind.RECTIFICATION:
                self._escalate_to(ENFORCEMENT, "rectification report overdue")
                self._violation(
                    ViolationKind.LATE_RECTIFICATION, f"rectification report not submitted by {when(d.due)}"
                )
                self._notify("rectification_overdue", subject, SUPERVISORS, self._enterprise())

    def _want(self, kind: DeadlineKind, round_: int = 1) -> None:
        self.wanted.append(DeadlineRequest(kind=kind, start=self._now, round=round_))

    def _meet(self, kind: DeadlineKind, round_: int = 1) -> None:
        """The deadline of this kind and round is met; if it is still being computed, it will be."""
        d = next((d for d in self.state.deadlines if d.kind is kind and d.round == round_), None)
        if d is None:
            self.state.met_early.append(deadline_key(kind, round_))
        elif d.running:
            d.end(
                DeadlineState.MET if d.state is DeadlineState.PENDING else DeadlineState.MET_LATE, self._now
            )

    def _drop(self, kind: DeadlineKind) -> None:
        for d in self.state.deadlines:
            if d.kind is kind and d.running:
                d.end(DeadlineState.CLOSED, self._now)

    # --- investigation, rectification, tasks --------------------------------------------------

    def _open_investigation(self, cause: str, by: Actor) -> None:
        state = self.state
        if state.investigation is None:
            state.investigation = Investigation(opened_at=self._now, cause=cause)
            state.status = CaseStatus.INVESTIGATING
            self._drop(DeadlineKind.RESOLUTION)
            self._drop(DeadlineKind.CONSUMER_DECISION)
            self._drop(DeadlineKind.MEDIATION)
            self._event("investigation_opened", f"investigation opened: {cause}", by, cause=cause)
            self._want(DeadlineKind.INVESTIGATION)
            self._notify(
                "investigation_opened",
                f"Case {state.tracking_no}: the regulator investigates the complaint",
                self._consumer(),
            )
        self._escalate_to(INVESTIGATION, cause, by)

    @property
    def needs_investigator(self) -> bool:
        inv = self.state.investigation
        return self.state.status is CaseStatus.INVESTIGATING and inv is not None and inv.investigator is None

    def investigator_assigned(self, who: Assignee, now: datetime) -> None:
        self._now = now
        if not self.needs_investigator:
            return
        self._investigation().investigator = who
        self._event("investigator_assigned", f"assigned to investigator {who.name}", investigator=who.id)
        self._notify(
            "assigned",
            f"Case {self.state.tracking_no} is assigned to you",
            Recipient.account(who.id),
        )

    def _order_rectification(self, round_: int) -> None:
        state = self.state
        state.rectifications.append(Rectification(round=round_, ordered_at=self._now))
        state.status = CaseStatus.RECTIFYING
        self._want(DeadlineKind.RECTIFICATION, round_)
        self._event("rectification_ordered", f"rectification ordered, round {round_}", round=round_)
        self._notify(
            "rectification_ordered",
            f"Case {state.tracking_no}: rectification report required",
            self._enterprise(),
        )

    def _start_evaluation(self) -> None:
        self.state.status = CaseStatus.EVALUATING
        self.state.resolved_at = self.state.resolved_at or self._now
        self._event("evaluation_due", "the case goes to third-party evaluation")
        self._notify(
            "evaluation_request",
            f"Case {self.state.tracking_no}: an independent agency will ask about your satisfaction",
            self._consumer(),
        )

    @property
    def needs_task(self) -> TaskKind | None:
        if self.state.task is not None:
            return None
        if self.state.status is CaseStatus.VERIFYING:
            return TaskKind.VERIFICATION
        if self.state.status is CaseStatus.EVALUATING:
            return TaskKind.EVALUATION
        return None

    def task_started(self, task: ActiveTask, now: datetime) -> None:
        self._now = now
        self.state.task = task
        self._event(
            f"{task.kind}_started",
            f"{task.kind} by {task.assignee.name}, due {when(task.due)}",
            task_id=task.task_id,
            assignee=task.assignee.id,
            opens_at=task.opens_at,
            due=task.due,
        )

    def task_failed(self, reason: str, now: datetime) -> None:
        """The child workflow failed (terminated, timed out): on record, and started again later."""
        self._now = now
        state, task = self.state, self.state.task
        if task is None:
            return
        key = state.task_key(task.kind)
        state.task_failures[key] = state.task_failures.get(key, 0) + 1
        state.task = None
        self._event(
            "task_failed",
            f"{task.kind} {task.task_id} failed: {reason}; it starts again",
            task_id=task.task_id,
            reason=reason,
        )
        self._notify(
            "task_failed", f"Case {state.tracking_no}: the {task.kind} failed and starts again", SUPERVISORS
        )

    def verification_done(self, outcome: VerificationOutcome, now: datetime) -> None:
        self._now = now
        state, rect = self.state, self.state.rectification
        assert rect is not None
        rect.verification, state.task = outcome, None
        verdict = "effective" if outcome.effective else "not effective"
        self._event(
            "verified",
            f"rectification {verdict}",
            outcome.by,
            task_id=outcome.task_id,
            effective=outcome.effective,
            notes=outcome.notes,
            late=outcome.late,
        )
        if outcome.effective:
            self._start_evaluation()
            return
        self._escalate_to(ENFORCEMENT, f"rectification round {rect.round} not effective")
        self._violation(ViolationKind.INEFFECTIVE_RECTIFICATION, outcome.notes)
        self._notify(
            "rectification_ineffective",
            f"Case {state.tracking_no}: rectification not effective",
            SUPERVISORS,
            self._enterprise(),
        )
        self._order_rectification(rect.round + 1)

    def evaluation_done(self, outcome: EvaluationOutcome, now: datetime) -> None:
        self._now = now
        state = self.state
        state.evaluation, state.task = outcome, None
        r = outcome.result
        summary = (
            (
                f"satisfaction {r.satisfaction}/5, service attitude {r.service_attitude}/5, "
                f"resolved {'yes' if r.resolved else 'no'}"
            )
            if r
            else "not evaluated: no answer by the deadline"
        )
        self._event(
            "evaluated",
            summary,
            task_id=outcome.task_id,
            evaluated=outcome.evaluated,
            result=r.model_dump(mode="json", exclude={"actor", "request_id"}) if r else None,
        )
        inv = state.investigation
        if inv and inv.findings and not inv.findings.verdict.substantiated:
            outcome_ = Outcome.NOT_SUBSTANTIATED
        elif state.rectifications:
            outcome_ = Outcome.RESOLVED_AFTER_RECTIFICATION
        elif state.accepted_at is None:
            outcome_ = Outcome.RESOLVED_BY_DEFAULT
        else:
            outcome_ = Outcome.RESOLVED
        self._close(outcome_, summary, SYSTEM)

    # --- closing, escalation, violations -----------------------------------------------------

    def _close(self, outcome: Outcome, note: str, by: Actor) -> None:
        state = self.state
        for d in state.deadlines:
            if d.running:
                d.end(DeadlineState.CLOSED, self._now)
        state.status, state.outcome, state.closing_note, state.closed_at = (
            CaseStatus.CLOSED,
            outcome,
            note,
            self._now,
        )
        self._event("closed", f"closed: {outcome}", by, outcome=outcome, note=note)
        self._notify(
            "closed", f"Case {state.tracking_no} is closed: {outcome}", self._consumer(), self._enterprise()
        )

    def _escalate_to(self, level: int, cause: str, by: Actor = SYSTEM) -> None:
        state = self.state
        if level <= state.escalation_level:  # already there: the cause is on record, the level stays
            self._event(
                "escalation_cause",
                f"{cause} (escalation stays at level {state.escalation_level})",
                by,
                level=state.escalation_level,
                cause=cause,
            )
            return
        state.escalation_level = level
        state.escalations.append(Escalation(level=state.escalation_level, cause=cause, at=self._now, by=by))
        self._event(
            "escalated",
            f"escalation level {state.escalation_level}: {cause}",
            by,
            level=state.escalation_level,
            cause=cause,
        )
        self._notify(
            "escalated",
            f"Case {state.tracking_no} escalated to level {state.escalation_level}: {cause}",
            SUPERVISORS,
        )

    def _count_violation(self, attributable: bool, kind: ViolationKind, detail: str) -> None:
        if attributable:
            self._violation(kind, detail)
        else:
            self._event(
                "not_counted",
                f"{kind} not counted against the enterprise: the case reached it after the deadline",
                kind=kind,
            )

    def _violation(self, kind: ViolationKind, detail: str, offence: Offence | None = None) -> None:
        self._event("violation", f"violation recorded: {kind}", kind=kind, detail=detail, offence=offence)
        rectification = self.state.rectification
        record = ViolationRecord(
            seq=self.state.revision,
            kind=kind,
            at=self._now,
            enterprise_code=self.state.enterprise_code,
            detail=detail,
            offence=offence,
            round=rectification.round if rectification and kind.failed_rectification else None,
        )
        self.state.violations.append(record)
        self.violations.append(record)

    # --- bookkeeping -------------------------------------------------------------------------

    def _investigation(self) -> Investigation:
        assert self.state.investigation is not None
        return self.state.investigation

    def _enterprise(self) -> Recipient:
        return Recipient.enterprise(self.state.enterprise_code)

    def _consumer(self) -> Recipient:
        return Recipient.consumer(self.state.tracking_no)

    def _investigator(self) -> Recipient:
        inv = self.state.investigation
        if inv and inv.investigator:
            return Recipient.account(inv.investigator.id)
        return SUPERVISORS

    def drain(self) -> tuple[list[CaseEvent], list[Notification], list[ViolationRecord]]:
        """What the read model has not seen yet."""
        out = (self.events, self.notifications, self.violations)
        self.events, self.notifications, self.violations = [], [], []
        return out
