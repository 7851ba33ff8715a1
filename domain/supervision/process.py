"""The violation ladder, applied one step at a time.

Complaint workflows report each violation to their enterprise's supervision workflow. For
each, the ladder decides: a first violation brings a warning with a rectification order; a
rectification overdue or found ineffective, a serious violation, a repeat within the window,
or consecutive substantiated service-quality complaints bring a penalty proposal. The
enterprise is told and may state its case within its statement window; then a supervisor
confirms, amends within the law's bounds, or drops it. A confirmed penalty is published in a
public notice. Verified rectification lifts warnings and penalties and records a positive
evaluation; a failed one raises the supervision level, which makes follow-up verification
more frequent.

`SupervisionProcess` is pure, like the complaint process: told the time, it changes the
`EnterpriseState` and collects events, notifications and deadlines to compute. One class
over 400 lines, for the reason the complaint's is: each rung reads beside the next.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.deadlines import AlarmKind, Deadline, DeadlineRequest, when
from domain.enums import (
    DeadlineKind,
    DeadlineState,
    DecisionOutcome,
    Offence,
    PenaltyKind,
    PenaltyStatus,
    Severity,
    SupervisionAction,
    ViolationKind,
    WarningStatus,
)
from domain.ids import enterprise_workflow_id, notice_id, penalty_id, warning_id
from domain.ledger import Ledger
from domain.messages import SUPERVISORS, SYSTEM, Actor, CaseEvent, Notification, Recipient
from domain.supervision.messages import (
    EnterpriseReport,
    OrderReport,
    OrderVerification,
    PenaltyDecision,
    Statement,
    VerificationReport,
    ViolationReport,
)
from domain.supervision.rules import decision_problem, fine_bounds, refusal
from domain.supervision.state import (
    Commendation,
    EnterpriseState,
    IssuedWarning,
    LadderStep,
    Penalty,
    PublicNotice,
)

REMEMBERED_REPORTS = 2000
KEPT_STEPS = 500  # the ladder steps a state keeps; all are in the read model
MINOR_SEVERITIES = (Severity.MINOR, Severity.MODERATE)
SupervisionCommand = Statement | PenaltyDecision | OrderReport | OrderVerification


class SupervisionProcess(Ledger):
    def __init__(self, state: EnterpriseState) -> None:
        super().__init__(
            state, key=enterprise_workflow_id(state.credit_code), enterprise_code=state.credit_code
        )
        self.state = state
        self.wanted: list[DeadlineRequest] = []
        self.notices: list[PublicNotice] = []
        self._handlers: dict[SupervisionAction, Callable[[Any], None]] = {
            SupervisionAction.SUBMIT_STATEMENT: self._submit_statement,
            SupervisionAction.DECIDE_PENALTY: self._decide_penalty,
            SupervisionAction.SUBMIT_ORDER_REPORT: self._submit_order_report,
            SupervisionAction.VERIFY_ORDER: self._verify_order,
        }

    # --- reports from complaint workflows --------------------------------------------------

    def receive(self, report: EnterpriseReport, now: datetime) -> None:
        """Queue the report's items not seen before; the ladder takes them one at a time."""
        self._now = now
        state = self.state
        state.policy, state.name = report.policy, report.name or state.name
        items: list[ViolationReport | VerificationReport] = [*report.violations, *report.verifications]
        for item in items:
            if item.key not in state.reports_seen:
                state.reports_seen = [*state.reports_seen, item.key][-REMEMBERED_REPORTS:]
                state.pending.append(item)

    def step(self, now: datetime) -> bool:
        """Decide on the oldest queued report. False if there was none."""
        self._now = now
        if not self.state.pending:
            return False
        item = self.state.pending.pop(0)
        if isinstance(item, ViolationReport):
            self._violation(item)
        else:
            self._verification(item)
        return True

    def _violation(self, v: ViolationReport) -> None:
        state, rules = self.state, self.state.policy.supervision
        window_start = self._now - timedelta(days=rules.repeat_window_days)
        state.violations = [x for x in state.violations if x.at >= window_start]
        earlier_cases = {x.tracking_no for x in state.violations} - {v.tracking_no}
        state.violations.append(v)
        self._event(
            "violation",
            f"violation {v.kind} in case {v.tracking_no}",
            kind=v.kind,
            tracking_no=v.tracking_no,
            severity=v.severity,
            offence=v.offence,
            key=v.key,
        )
        if v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT:
            service = v.offence is Offence.SERVICE_QUALITY
            state.service_quality_streak = state.service_quality_streak + 1 if service else 0

        if v.kind in (ViolationKind.LATE_RECTIFICATION, ViolationKind.INEFFECTIVE_RECTIFICATION):
            failure = "overdue" if v.kind is ViolationKind.LATE_RECTIFICATION else "not effective"
            self._raise_level(f"rectification in case {v.tracking_no} {failure}")
            self._propose_penalty(f"rectification in case {v.tracking_no} {failure}", [v])
        elif v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT and v.severity in rules.serious_severities:
            self._propose_penalty(
                f"serious violation ({v.severity}): the administrative penalty procedure", [v]
            )
        elif (
            v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT
            and v.offence is Offence.SERVICE_QUALITY
            and state.service_quality_streak >= rules.consecutive_service_quality
        ):
            state.service_quality_streak = 0
            self._propose_penalty(
                f"{rules.consecutive_service_quality} consecutive substantiated service-quality complaints",
                [v],
            )
        elif earlier_cases:
            self._propose_penalty(
                f"repeat violation within {rules.repeat_window_days} days "
                f"(earlier: {', '.join(sorted(earlier_cases))})",
                [v],
            )
        elif self._pending_penalty() is not None:  # the matter is before a supervisor: it joins
            self._propose_penalty("", [v])
        elif same := next((w for w in state.active_warnings if w.tracking_no == v.tracking_no), None):
            same.violation_keys.append(v.key)
            self._history("joined", f"recorded with warning {same.id}", v.key)
        else:
            self._warn(v)

    def _pending_penalty(self) -> Penalty | None:
        return next((p for p in self.state.penalties if p.pending), None)

    def _warn(self, v: ViolationReport) -> None:
        state = self.state
        internal = v.severity in MINOR_SEVERITIES
        in_case = v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT
        warning = IssuedWarning(
            id=warning_id(len(state.warnings) + 1),
            issued_at=self._now,
            tracking_no=v.tracking_no,
            cause=f"{v.kind} in case {v.tracking_no}",
            violation_keys=[v.key],
            internal=internal,
            order_in_case=in_case,
        )
        state.warnings.append(warning)
        state.level = max(state.level, 1)
        order = "internal rectification" if internal else "rectification"
        where = f" (the one ordered in case {v.tracking_no})" if in_case else ""
        self._history("warning", f"warning {warning.id} and {order} order{where}: {warning.cause}", v.key)
        if not in_case:
            self.wanted.append(
                DeadlineRequest(
                    kind=DeadlineKind.RECTIFICATION_ORDER,
                    start=self._now,
                    round=len(state.warnings),
                    subject=warning.id,
                )
            )
        self._notify(
            "warning",
            f"Warning {warning.id}: {warning.cause}; a {order} report is required",
            self._enterprise(),
            SUPERVISORS,
        )

    def _propose_penalty(
        self, trigger: str, reports: list[ViolationReport], cases: list[str] | None = None
    ) -> None:
        """Propose a penalty; while one awaits its decision, the matter joins that one instead."""
        state, rules = self.state, self.state.policy.supervision
        cases = sorted({r.tracking_no for r in reports} | set(cases or []))
        if (pending := self._pending_penalty()) is not None:
            pending.violation_keys += [r.key for r in reports if r.key not in pending.violation_keys]
            pending.tracking_nos = sorted(set(pending.tracking_nos) | set(cases))
            self._history(
                "joined",
                f"joins penalty proposal {pending.id}" + (f": {trigger}" if trigger else ""),
                reports[0].key if reports else None,
            )
            return
        window_start = self._now - timedelta(days=rules.repeat_window_days)
        earlier = [
            p
            for p in state.penalties
            if p.status in (PenaltyStatus.CONFIRMED, PenaltyStatus.LIFTED)
            and p.decided_at
            and p.decided_at >= window_start
        ]
        rung = rules.penalties[min(len(earlier), len(rules.penalties) - 1)]
        low, high = fine_bounds(state.policy, None)
        amount = min(max(rung.amount, low), high) if rung.amount is not None else None
        penalty = Penalty(
            id=penalty_id(len(state.penalties) + 1),
            proposed_at=self._now,
            trigger=trigger,
            tracking_nos=cases,
            violation_keys=[r.key for r in reports],
            kind=rung.kind,
            amount=amount,
            suspension_days=rung.suspension_days,
        )
        state.penalties.append(penalty)
        state.level = max(state.level, 2)
        self._history(
            "penalty_proposed",
            f"penalty {penalty.id} proposed: {penalty.describe()} ({trigger})",
            reports[0].key if reports else None,
        )
        self.wanted.append(
            DeadlineRequest(
                kind=DeadlineKind.STATEMENT, start=self._now, round=len(state.penalties), subject=penalty.id
            )
        )
        self._notify(
            "penalty_proposed",
            f"Penalty {penalty.id} proposed: {penalty.describe()}. You may state "
            "your case before it is decided",
            self._enterprise(),
        )
        self._notify(
            "penalty_proposed", f"{state.public_name}: penalty {penalty.id} proposed ({trigger})", SUPERVISORS
        )

    def _verification(self, r: VerificationReport) -> None:
        self._event(
            "verification",
            f"case {r.tracking_no} rectification round {r.round} "
            f"{'effective' if r.effective else 'not effective'}",
            tracking_no=r.tracking_no,
            effective=r.effective,
            key=r.key,
        )
        if r.effective:
            self._lift(
                lambda tracking_no: tracking_no == r.tracking_no,
                f"rectification verified in case {r.tracking_no}",
                r.key,
            )

    # --- deadlines ---------------------------------------------------------------------------

    def deadlines_computed(self, deadlines: list[Deadline], now: datetime) -> None:
        self._now = now
        for d in deadlines:
            if d.kind is DeadlineKind.RECTIFICATION_ORDER:
                warning = self._warning(d.subject)
                warning.order_due = d
                if warning.status is not WarningStatus.ACTIVE:
                    d.end(DeadlineState.CLOSED, now)
                self._event(
                    "deadline_set",
                    f"warning {warning.id}: rectification report due {when(d.due)}",
                    warning=warning.id,
                    due=d.due,
                )
            else:
                penalty = self._penalty(d.subject)
                penalty.statement_due = d
                if penalty.status is not PenaltyStatus.PROPOSED:
                    d.end(DeadlineState.CLOSED, now)
                self._event(
                    "deadline_set",
                    f"penalty {penalty.id}: statement due {when(d.due)}",
                    penalty=penalty.id,
                    due=d.due,
                )

    def alarm(self, key: str, what: AlarmKind, now: datetime) -> None:
        self._now = now
        d = next((d for d in self.state.deadlines() if d.key == key), None)
        alarm = d.next_alarm() if d else None
        if d is None or alarm is None or alarm.what != what:
            return
        if what == "warning":
            d.warned_at = now
            if d.kind is DeadlineKind.RECTIFICATION_ORDER:
                warning = self._warning(d.subject)
                self._event(
                    "order_warning",
                    f"warning {warning.id}: rectification report due {when(d.due)}",
                    warning=warning.id,
                    due=d.due,
                )
                self._notify(
                    "order_warning",
                    f"Warning {warning.id}: the rectification report is due {when(d.due)}",
                    self._enterprise(),
                )
            return
        if d.kind is DeadlineKind.STATEMENT:
            d.end(DeadlineState.CLOSED, now)
            penalty = self._penalty(d.subject)
            penalty.status = PenaltyStatus.AWAITING_DECISION
            self._history(
                "statement_window_closed",
                f"penalty {penalty.id}: no statement by {when(d.due)}; awaiting a supervisor's decision",
            )
            self._notify(
                "decision_due",
                f"{self.state.public_name}: penalty {penalty.id} awaits your decision",
                SUPERVISORS,
            )
            return
        warning = self._warning(d.subject)
        d.breached_at = now
        d.end(DeadlineState.CLOSED, now)
        if warning.status is WarningStatus.ACTIVE and warning.report is None:
            warning.status, warning.ended_at = WarningStatus.ESCALATED, now
            self._raise_level(f"warning {warning.id}: rectification report overdue")
            self._propose_penalty(
                f"warning {warning.id}: rectification report overdue", [], cases=[warning.tracking_no]
            )

    # --- what parties send -------------------------------------------------------------------

    def take(self, action: SupervisionAction, command: SupervisionCommand, now: datetime) -> bool:
        self._now = now
        target = (
            command.penalty_id if isinstance(command, Statement | PenaltyDecision) else command.warning_id
        )
        problem = refusal(self.state, action, command.actor, target) or (
            decision_problem(self.state, command)
            if isinstance(command, PenaltyDecision)
            else command.problem()
        )
        if not self._admit(action, command, problem):
            return False
        self._handlers[action](command)
        return True

    def _submit_statement(self, cmd: Statement) -> None:
        penalty = self.state.penalty(cmd.penalty_id)
        assert penalty is not None
        penalty.statement, penalty.stated_at = cmd, self._now
        penalty.status = PenaltyStatus.AWAITING_DECISION
        if penalty.statement_due:
            penalty.statement_due.end(DeadlineState.MET, self._now)
        self._history("statement", f"penalty {penalty.id}: the enterprise stated its case", actor=cmd.actor)
        self._notify(
            "decision_due", f"{self.state.public_name} stated its case on penalty {penalty.id}", SUPERVISORS
        )

    def _decide_penalty(self, cmd: PenaltyDecision) -> None:
        state = self.state
        penalty = state.penalty(cmd.penalty_id)
        assert penalty is not None
        penalty.decision, penalty.decided_at = cmd, self._now
        if penalty.statement_due and penalty.statement_due.state is DeadlineState.PENDING:
            penalty.statement_due.end(DeadlineState.CLOSED, self._now)
        if cmd.outcome is DecisionOutcome.DROP:
            penalty.status = PenaltyStatus.DROPPED
            self._history("penalty_dropped", f"penalty {penalty.id} dropped: {cmd.reason}", actor=cmd.actor)
            self._settle_level()
            self._notify("penalty_dropped", f"Penalty {penalty.id} is dropped", self._enterprise())
            return
        if cmd.outcome is DecisionOutcome.AMEND:
            assert cmd.kind is not None
            penalty.kind, penalty.illegal_income = cmd.kind, cmd.illegal_income
            penalty.amount = cmd.amount if cmd.kind is PenaltyKind.FINE else None
            penalty.suspension_days = cmd.suspension_days if cmd.kind is PenaltyKind.SUSPENSION else None
        penalty.status = PenaltyStatus.CONFIRMED
        self._history(
            "penalty_confirmed",
            f"penalty {penalty.id} {cmd.outcome}ed: {penalty.describe()}",
            actor=cmd.actor,
        )
        notice = PublicNotice(
            id=notice_id(len(state.notices) + 1),
            penalty_id=penalty.id,
            published_at=self._now,
            title=f"{state.public_name}: {penalty.describe()}",
            text=(
                f"{state.public_name} (unified social credit code {state.credit_code}) is given a "
                f"{penalty.describe()} under the Consumer Rights Protection Law for: {penalty.trigger}. "
                f"Cases: {', '.join(penalty.tracking_nos) or 'supervision record'}."
            ),
        )
        state.notices.append(notice)
        penalty.notice_id = notice.id
        self.notices.append(notice)
        self._history("public_notice", f"public notice {notice.id}: {notice.title}")
        self._notify(
            "penalty_confirmed", f"Penalty {penalty.id} decided: {penalty.describe()}", self._enterprise()
        )

    def _submit_order_report(self, cmd: OrderReport) -> None:
        warning = self.state.warning(cmd.warning_id)
        assert warning is not None
        warning.report, warning.reported_at = cmd, self._now
        if warning.order_due and warning.order_due.state is DeadlineState.PENDING:
            warning.order_due.end(DeadlineState.MET, self._now)
        self._history(
            "order_report", f"warning {warning.id}: rectification report handed in", actor=cmd.actor
        )
        self._notify(
            "order_report",
            f"{self.state.public_name}: verify the rectification for warning {warning.id}",
            SUPERVISORS,
        )

    def _verify_order(self, cmd: OrderVerification) -> None:
        warning = self.state.warning(cmd.warning_id)
        assert warning is not None
        warning.verification = cmd
        if cmd.effective:
            self._lift(
                lambda tracking_no: tracking_no == warning.tracking_no,
                f"warning {warning.id}: rectification verified",
                None,
                by=cmd.actor,
                also=warning,
            )
            return
        warning.status, warning.ended_at = WarningStatus.ESCALATED, self._now
        self._raise_level(f"warning {warning.id}: rectification not effective", cmd.actor)
        # The supervisor's notes stay in the record; the trigger is published with a decided penalty.
        self._propose_penalty(
            f"warning {warning.id}: rectification not effective", [], cases=[warning.tracking_no]
        )

    # --- lifting and levels --------------------------------------------------------------------

    def _lift(
        self,
        concerns: Callable[[str], bool],
        cause: str,
        key: str | None,
        *,
        by: Actor = SYSTEM,
        also: IssuedWarning | None = None,
    ) -> None:
        """Lift the warnings and confirmed penalties of the cases `concerns` selects (and `also`)."""
        state, lifted = self.state, []
        for w in state.active_warnings:
            if w is also or concerns(w.tracking_no):
                w.status, w.ended_at = WarningStatus.LIFTED, self._now
                if w.order_due and w.order_due.state is DeadlineState.PENDING:
                    w.order_due.end(DeadlineState.CLOSED, self._now)
                lifted.append(w.id)
        for p in state.penalties:
            if p.status is not PenaltyStatus.CONFIRMED:
                continue
            p.verified_cases = sorted(set(p.verified_cases) | {t for t in p.tracking_nos if concerns(t)})
            if p.tracking_nos and set(p.verified_cases) >= set(p.tracking_nos):  # every case rectified
                p.status, p.lifted_at = PenaltyStatus.LIFTED, self._now
                lifted.append(p.id)
        if not lifted:
            return
        state.commendations.append(Commendation(at=self._now, cause=cause))
        self._history(
            "lifted", f"{', '.join(lifted)} lifted: {cause}; positive evaluation recorded", key, actor=by
        )
        self._settle_level()
        self._notify("lifted", f"{', '.join(lifted)} lifted: {cause}", self._enterprise())

    def _raise_level(self, cause: str, by: Actor = SYSTEM) -> None:
        state = self.state
        new = min(state.level + 1, state.policy.supervision.max_level)
        if new != state.level:
            state.level = new
            self._history("level_raised", f"supervision level {new}: {cause}", actor=by)

    def _settle_level(self) -> None:
        """With no warning or penalty standing, the level comes down one step."""
        state = self.state
        if state.level and not state.active_warnings and not state.standing_penalties:
            state.level -= 1
            self._history("level_lowered", f"supervision level {state.level}")

    # --- bookkeeping -------------------------------------------------------------------------

    def _history(self, step: str, detail: str, key: str | None = None, *, actor: Actor = SYSTEM) -> None:
        del self.state.history[:-KEPT_STEPS]
        self.state.history.append(
            LadderStep(
                at=self._now,
                step=step,
                detail=detail,
                policy_version=self.state.policy.version,
                report_key=key,
            )
        )
        self._event(step, detail, actor, key=key, level=self.state.level)

    def _enterprise(self) -> Recipient:
        return Recipient.enterprise(self.state.credit_code)

    def _warning(self, warning_id: str) -> IssuedWarning:
        warning = self.state.warning(warning_id)
        assert warning is not None, f"no warning {warning_id}"
        return warning

    def _penalty(self, penalty_id: str) -> Penalty:
        penalty = self.state.penalty(penalty_id)
        assert penalty is not None, f"no penalty {penalty_id}"
        return penalty

    def drain(self) -> tuple[list[CaseEvent], list[Notification], list[PublicNotice]]:
        out = (self.events, self.notifications, self.notices)
        self.events, self.notifications, self.notices = [], [], []
        return out
