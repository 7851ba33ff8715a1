"""The violation ladder, applied one step at a time.

Complaint workflows report each violation to their enterprise's supervision workflow. For
each, the ladder decides: a first violation brings a warning with a rectification order; a
rectification overdue or found ineffective, a serious violation, a repeat within the window,
or consecutive substantiated service-quality complaints bring a penalty proposal, which the
penalty procedure (`procedure.py`) carries to its decision and through its life. Each ground
(`ladder.ground`) leads to one proposal at most, and a proposal awaiting its decision takes in
every new ground. Verified rectification lifts warnings and suspensions and always records a
positive evaluation; a failed one raises the supervision level, which makes follow-up
verification more frequent. A revoked licence ends the ladder: what its cases report is
recorded, and nothing more is proposed.

`SupervisionProcess` is pure, like the complaint process: told the time, it changes the
`EnterpriseState` and collects events, notifications, notices and deadlines to compute. One
class over 400 lines, for the reason the complaint's is: each rung reads beside the next; what
follows a proposal lives in `procedure.py`.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.deadlines import AlarmKind, Deadline, DeadlineRequest, when
from domain.enums import (
    DeadlineKind,
    DeadlineState,
    Offence,
    PenaltyKind,
    PenaltyStatus,
    Severity,
    SupervisionAction,
    ViolationKind,
    WarningStatus,
)
from domain.ids import penalty_id, warning_id
from domain.messages import SUPERVISORS, SYSTEM, Actor
from domain.supervision.ladder import ground, hearing_due, order_ground
from domain.supervision.messages import (
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
    VerificationReport,
    ViolationReport,
    ViolationWithdrawal,
)
from domain.supervision.procedure import PenaltyProcedure
from domain.supervision.rules import command_problem, fine_bounds, refusal
from domain.supervision.state import Commendation, EnterpriseState, Hearing, IssuedWarning, Penalty

REMEMBERED_REPORTS = 2000
MINOR_SEVERITIES = (Severity.MINOR, Severity.MODERATE)
SupervisionCommand = (
    Statement
    | PenaltyDecision
    | OrderReport
    | OrderVerification
    | HearingRequest
    | HearingSchedule
    | HearingRecord
    | FinePayment
    | SuspensionVerification
)


class SupervisionProcess(PenaltyProcedure):
    def __init__(self, state: EnterpriseState) -> None:
        super().__init__(state)
        self._handlers: dict[SupervisionAction, Callable[[Any], None]] = {
            SupervisionAction.SUBMIT_STATEMENT: self._submit_statement,
            SupervisionAction.DECIDE_PENALTY: self._decide_penalty,
            SupervisionAction.SUBMIT_ORDER_REPORT: self._submit_order_report,
            SupervisionAction.VERIFY_ORDER: self._verify_order,
            SupervisionAction.REQUEST_HEARING: self._request_hearing,
            SupervisionAction.SCHEDULE_HEARING: self._schedule_hearing,
            SupervisionAction.RECORD_HEARING: self._record_hearing,
            SupervisionAction.RECORD_PAYMENT: self._record_payment,
            SupervisionAction.VERIFY_SUSPENSION: self._verify_suspension,
        }

    def adopt(self, now: datetime) -> None:
        """Carry a record kept before penalties had lives of their own into their procedure: a
        confirmed fine falls due, its 15 days from now (no payment was asked for before); a
        confirmed suspension comes into force for its term from its decision; an undecided
        penalty the law gives a hearing for offers one; and a confirmed revocation, taken last,
        ends the ladder and what stood beside it. Nothing happens to a record that needs none
        of it."""
        self._now = now
        penalties = self.state.penalties
        for p in penalties:
            if p.status is PenaltyStatus.CONFIRMED and p.kind is not PenaltyKind.REVOCATION:
                self._history("adopted", f"penalty {p.id}: a {p.describe()} decided, now carried out")
                self._execute(p, now if p.kind is PenaltyKind.FINE else p.decided_at or now)
            elif p.pending and p.hearing is None and hearing_due(self.state.policy, p.kind, p.amount):
                p.hearing = Hearing(offered_at=now)
                self._want(DeadlineKind.HEARING_REQUEST, p, now)
                self._history("adopted", f"penalty {p.id}: the enterprise may ask for a hearing")
                self._advance(p)
        # A revocation last: what stood beside it ends with it.
        for p in penalties:
            if p.status is PenaltyStatus.CONFIRMED:
                self._history("adopted", f"penalty {p.id}: a {p.describe()} decided, now carried out")
                self._execute(p, p.decided_at or now)

    # --- reports from complaint workflows --------------------------------------------------

    def receive(self, report: EnterpriseReport, now: datetime) -> None:
        """Queue the report's items not seen before; the ladder takes them one at a time."""
        self._now = now
        state = self.state
        state.policy, state.name = report.policy, report.name or state.name
        items: list[ViolationReport | VerificationReport | ViolationWithdrawal] = [
            *report.violations,
            *report.verifications,
            *report.withdrawals,
        ]
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
        elif isinstance(item, ViolationWithdrawal):
            self._withdrawal(item)
        else:
            self._verification(item)
        return True

    def _recorded(self, v: ViolationReport) -> set[str]:
        """Record the violation; the other cases with violations within the repeat window."""
        state = self.state
        window_start = self._now - timedelta(days=state.policy.supervision.repeat_window_days)
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
        return earlier_cases

    def _violation(self, v: ViolationReport) -> None:
        state = self.state
        earlier_cases = self._recorded(v)
        if v.kind.failed_rectification:
            self._raise_level(f"rectification in case {v.tracking_no} {_failure(v)}")
        if state.revoked_at is not None:
            self._history(
                "recorded",
                f"violation in case {v.tracking_no} recorded: the business licence was revoked "
                f"{when(state.revoked_at)}, nothing further is proposed",
                v.key,
            )
            return
        g = ground(v)
        if answered := self._answered(g):
            answered.violation_keys.append(v.key)
            self._history(
                "recorded",
                f"violation in case {v.tracking_no} recorded with {_measure(answered)}, on the same ground",
                v.key,
            )
            return
        if trigger := self._penalty_trigger(v, earlier_cases):
            self._propose_penalty(trigger, [v], [g])
        elif self._pending_penalty() is not None:  # the matter is before a supervisor: it joins
            self._propose_penalty("", [v], [g])
        elif same := next((w for w in state.active_warnings if w.tracking_no == v.tracking_no), None):
            same.violation_keys.append(v.key)
            same.grounds = sorted({*same.grounds, g})
            self._history("joined", f"recorded with warning {same.id}", v.key)
        else:
            self._warn(v)

    def _answered(self, g: str) -> Penalty | IssuedWarning | None:
        """The decided penalty, or the warning, that a ground has already met: what the same
        ground brings again is recorded with it. An undecided penalty still takes it in."""
        state = self.state
        penalty = next((p for p in state.penalties if g in p.grounds), None)
        if penalty is not None:
            return None if penalty.pending else penalty
        return next((w for w in state.warnings if g in w.grounds), None)

    def _penalty_trigger(self, v: ViolationReport, earlier_cases: set[str]) -> str:
        """Why this violation calls for a penalty, or "" if it does not."""
        state, rules = self.state, self.state.policy.supervision
        substantiated = v.kind is ViolationKind.SUBSTANTIATED_COMPLAINT
        if v.kind.failed_rectification:
            return f"rectification in case {v.tracking_no} {_failure(v)}"
        if substantiated and v.severity in rules.serious_severities:
            return f"serious violation ({v.severity}): the administrative penalty procedure"
        if (
            substantiated
            and v.offence is Offence.SERVICE_QUALITY
            and state.service_quality_streak >= rules.consecutive_service_quality
        ):
            state.service_quality_streak = 0
            return f"{rules.consecutive_service_quality} consecutive substantiated service-quality complaints"
        if earlier_cases:
            return (
                f"repeat violation within {rules.repeat_window_days} days "
                f"(earlier: {', '.join(sorted(earlier_cases))})"
            )
        return ""

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
            grounds=[ground(v)],
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
        self,
        trigger: str,
        reports: list[ViolationReport],
        grounds: list[str],
        cases: list[str] | None = None,
    ) -> None:
        """Propose a penalty; while one awaits its decision, the matter joins that one instead."""
        state, rules = self.state, self.state.policy.supervision
        cases = sorted({r.tracking_no for r in reports} | set(cases or []))
        investigators = {r.investigator_id for r in reports if r.investigator_id}
        if (pending := self._pending_penalty()) is not None:
            pending.violation_keys += [r.key for r in reports if r.key not in pending.violation_keys]
            pending.tracking_nos = sorted(set(pending.tracking_nos) | set(cases))
            pending.grounds = sorted(set(pending.grounds) | set(grounds))
            pending.investigators = sorted(set(pending.investigators) | investigators)
            self._history(
                "joined",
                f"joins penalty proposal {pending.id}" + (f": {trigger}" if trigger else ""),
                reports[0].key if reports else None,
            )
            return
        window_start = self._now - timedelta(days=rules.repeat_window_days)
        earlier = [
            p for p in state.penalties if p.status.decided and p.decided_at and p.decided_at >= window_start
        ]
        rung = rules.penalties[min(len(earlier), len(rules.penalties) - 1)]
        low, high = fine_bounds(state.policy, None)
        penalty = Penalty(
            id=penalty_id(len(state.penalties) + 1),
            proposed_at=self._now,
            trigger=trigger,
            tracking_nos=cases,
            violation_keys=[r.key for r in reports],
            grounds=sorted(set(grounds)),
            investigators=sorted(investigators),
            kind=rung.kind,
            amount=min(max(rung.amount, low), high) if rung.amount is not None else None,
            suspension_days=rung.suspension_days,
        )
        state.penalties.append(penalty)
        state.level = max(state.level, 2)
        self._history(
            "penalty_proposed",
            f"penalty {penalty.id} proposed: {penalty.describe()} ({trigger})",
            reports[0].key if reports else None,
        )
        self._give_notice(penalty)

    def _order_failed(self, warning: IssuedWarning, failure: str, by: Actor = SYSTEM) -> None:
        """A warning's own order overdue or not effective: the level rises and a penalty follows."""
        warning.status, warning.ended_at = WarningStatus.ESCALATED, self._now
        cause = f"warning {warning.id}: rectification {failure}"
        self._raise_level(cause, by)
        # A supervisor's notes stay in the record; the trigger is published with a decided penalty.
        self._propose_penalty(
            cause, [], [order_ground(warning.id), *warning.grounds], cases=[warning.tracking_no]
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
            self._rectified(
                lambda tracking_no: tracking_no == r.tracking_no,
                f"rectification verified in case {r.tracking_no}",
                r.key,
            )

    def _withdrawal(self, w: ViolationWithdrawal) -> None:
        """A case confirmed to repeat an earlier one: its violations leave the repeat window, a
        warning or an undecided proposal that rests on nothing else is withdrawn, one that rests
        on more leaves it out and is put before the supervisors again. A decided penalty stands."""
        state, keys = self.state, set(w.violation_keys)
        state.violations = [v for v in state.violations if v.key not in keys]
        self._history(
            "violations_withdrawn",
            f"the violations of case {w.tracking_no} withdrawn: it repeats case {w.duplicate_of}",
            w.key,
        )
        for warning in state.active_warnings:
            if set(warning.violation_keys) <= keys:
                warning.status, warning.ended_at = WarningStatus.WITHDRAWN, self._now
                if warning.order_due and warning.order_due.state is DeadlineState.PENDING:
                    warning.order_due.end(DeadlineState.CLOSED, self._now)
                self._history("warning_withdrawn", f"warning {warning.id} withdrawn with them", w.key)
                self._notify("warning_withdrawn", f"Warning {warning.id} is withdrawn", self._enterprise())
        for penalty in state.penalties:
            if not keys & set(penalty.violation_keys):
                continue
            if not penalty.pending:
                self._history("recorded", f"penalty {penalty.id}, decided, stands", w.key)
                continue
            penalty.violation_keys = [k for k in penalty.violation_keys if k not in keys]
            penalty.tracking_nos = [t for t in penalty.tracking_nos if t != w.tracking_no]
            if penalty.violation_keys:
                self._history("penalty_reviewed", f"penalty proposal {penalty.id} stands without them", w.key)
                self._notify(
                    "penalty_reviewed",
                    f"Penalty proposal {penalty.id} named case {w.tracking_no}, a duplicate: review it",
                    SUPERVISORS,
                )
            else:
                self._withdraw_proposal(penalty, w)
        self._settle_level()

    def _withdraw_proposal(self, penalty: Penalty, w: ViolationWithdrawal) -> None:
        """An undecided proposal whose every violation was withdrawn: it ends, as a dropped one."""
        windows = [penalty.statement_due, penalty.hearing.request_due if penalty.hearing else None]
        for window in windows:
            if window and window.state is DeadlineState.PENDING:
                window.end(DeadlineState.CLOSED, self._now)
        penalty.status = PenaltyStatus.DROPPED
        self._history(
            "penalty_dropped",
            f"penalty {penalty.id} dropped: case {w.tracking_no} repeats case {w.duplicate_of}",
            w.key,
        )
        self._notify("penalty_dropped", f"Penalty {penalty.id} is dropped", self._enterprise(), SUPERVISORS)

    def _rectified(
        self,
        concerns: Callable[[str], bool],
        cause: str,
        key: str | None,
        *,
        by: Actor = SYSTEM,
        also: IssuedWarning | None = None,
    ) -> None:
        """Verified rectification of the cases `concerns` selects (and of `also`): a positive
        evaluation; their warnings lifted, and each suspension once all its cases are rectified
        and its term has run. A fine or a revocation stays on the record."""
        state, lifted, kept = self.state, self._lift_warnings(concerns, also), []
        suspensions = []
        for p in state.penalties:
            newly = {t for t in p.tracking_nos if concerns(t)} - set(p.verified_cases)
            if p.status is PenaltyStatus.DROPPED or not newly:
                continue
            p.verified_cases = sorted(set(p.verified_cases) | newly)  # an undecided one keeps it too
            if p.pending:
                continue
            if p.status is not PenaltyStatus.IN_FORCE:
                kept.append(f"{p.id} ({p.describe()}) stays on the record")
            elif not p.rectified:
                kept.append(f"{p.id} stays in force until all its cases are rectified")
            elif p.term_due and p.term_due.state is DeadlineState.PENDING:
                kept.append(f"{p.id} is lifted when its term ends {when(p.term_due.due)}")
            else:
                suspensions.append(p)
        state.commendations.append(Commendation(at=self._now, cause=cause))
        self._history(
            "rectified",
            "; ".join(
                [f"{cause}: positive evaluation recorded"]
                + ([f"{', '.join(lifted)} lifted"] if lifted else [])
                + kept
            ),
            key,
            actor=by,
        )
        if lifted:
            self._settle_level()
            self._notify("lifted", f"{', '.join(lifted)} lifted: {cause}", self._enterprise())
        for p in suspensions:
            self._lift_suspension(p, cause)

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
                continue
            penalty = self._penalty(d.subject)
            still = self._place(penalty, d)
            if not still:
                d.end(DeadlineState.CLOSED, now)
            self._event(
                "deadline_set",
                f"penalty {penalty.id}: {d.kind.replace('_', ' ')} due {when(d.due)}",
                penalty=penalty.id,
                kind=d.kind,
                due=d.due,
            )

    @staticmethod
    def _place(penalty: Penalty, d: Deadline) -> bool:
        """Keep a penalty's deadline where it belongs; False if what it times is already over."""
        if d.kind is DeadlineKind.STATEMENT:
            penalty.statement_due = d
            return penalty.pending and penalty.statement is None
        if d.kind is DeadlineKind.HEARING_REQUEST:
            assert penalty.hearing is not None
            penalty.hearing.request_due = d
            return penalty.pending and penalty.hearing.request is None
        if d.kind is DeadlineKind.PAYMENT:
            penalty.payment_due = d
            return penalty.status is PenaltyStatus.PAYMENT_DUE
        penalty.term_due = d
        return penalty.status is PenaltyStatus.IN_FORCE

    def alarm(self, key: str, what: AlarmKind, now: datetime) -> None:
        self._now = now
        d = next((d for d in self.state.deadlines() if d.key == key), None)
        alarm = d.next_alarm() if d else None
        if d is None or alarm is None or alarm.what != what:
            return
        if what == "warning":
            d.warned_at = now
            self._forewarn(d)
            return
        if d.kind is DeadlineKind.RECTIFICATION_ORDER:
            warning = self._warning(d.subject)
            d.breached_at = now
            d.end(DeadlineState.CLOSED, now)
            if warning.status is WarningStatus.ACTIVE and warning.report is None:
                self._order_failed(warning, "report overdue")
            return
        penalty = self._penalty(d.subject)
        if d.kind is DeadlineKind.PAYMENT:
            d.breached_at, d.state = now, DeadlineState.BREACHED
            self._payment_overdue(penalty)
            return
        d.end(DeadlineState.MET if d.kind is DeadlineKind.SUSPENSION_TERM else DeadlineState.CLOSED, now)
        if d.kind is DeadlineKind.STATEMENT:
            self._statement_window_closed(penalty)
        elif d.kind is DeadlineKind.HEARING_REQUEST:
            self._hearing_window_closed(penalty)
        else:
            self._term_ended(penalty)

    def _forewarn(self, d: Deadline) -> None:
        """Before a rectification report or a fine falls due, the enterprise is reminded."""
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
        elif d.kind is DeadlineKind.PAYMENT:
            self._event("payment_reminder", f"penalty {d.subject}: the fine is due {when(d.due)}", due=d.due)
            self._notify(
                "payment_reminder", f"Penalty {d.subject}: the fine is due {when(d.due)}", self._enterprise()
            )

    # --- what parties send -------------------------------------------------------------------

    def take(self, action: SupervisionAction, command: SupervisionCommand, now: datetime) -> bool:
        self._now = now
        target = (
            command.warning_id if isinstance(command, OrderReport | OrderVerification) else command.penalty_id
        )
        problem = refusal(self.state, action, command.actor, target) or command_problem(
            self.state, command, now
        )
        if not self._admit(action, command, problem):
            return False
        self._handlers[action](command)
        return True

    def _submit_order_report(self, cmd: OrderReport) -> None:
        warning = self._warning(cmd.warning_id)
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

    def _verify_suspension(self, cmd: SuspensionVerification) -> None:
        """A supervisor verifies the rectification a suspension orders, as a case's follow-up
        verification would for its own: effective, it counts for every case of the suspension."""
        penalty = self._penalty(cmd.penalty_id)
        penalty.verification = cmd
        cases = set(penalty.tracking_nos)
        if cmd.effective:
            self._rectified(
                lambda tracking_no: tracking_no in cases,
                f"penalty {penalty.id}: rectification verified",
                None,
                by=cmd.actor,
            )
            return
        self._raise_level(f"penalty {penalty.id}: rectification not effective", cmd.actor)
        self._history(
            "rectification_not_effective",
            f"penalty {penalty.id}: rectification not effective; in force until it is",
            actor=cmd.actor,
        )

    def _verify_order(self, cmd: OrderVerification) -> None:
        warning = self._warning(cmd.warning_id)
        warning.verification = cmd
        if cmd.effective:
            self._rectified(
                lambda tracking_no: tracking_no == warning.tracking_no,
                f"warning {warning.id}: rectification verified",
                None,
                by=cmd.actor,
                also=warning,
            )
        else:
            self._order_failed(warning, "not effective", cmd.actor)


def _measure(measure: Penalty | IssuedWarning) -> str:
    return f"{'penalty' if isinstance(measure, Penalty) else 'warning'} {measure.id}"


def _failure(v: ViolationReport) -> str:
    return "overdue" if v.kind is ViolationKind.LATE_RECTIFICATION else "not effective"
