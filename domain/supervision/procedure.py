"""The administrative penalty procedure, from the notice of a proposed penalty to its end.

The enterprise is told of the penalty and may state its case and defend itself (陈述、申辩);
before a large fine, a suspension or a revocation it may also ask for a hearing (听证), which is
then scheduled, held by someone who did not investigate, and recorded before a supervisor
decides (Administrative Penalty Law 2021 art. 44, 45, 63-65). A supervisor confirms, amends
within the law's bounds (a heavier amendment is notified anew), or drops it. Each kind then
lives as the law has it: a fine falls due in 15 days and is paid, or runs late with its
surcharge (art. 67, 72), and stays on the record; a suspension is in force until verified
rectification lifts it, not before its term ends; a revocation of the business licence ends
the ladder.

`SupervisionBooks` is what the ladder and the procedure share; `PenaltyProcedure` is the part
of `SupervisionProcess` (in `process.py`) that carries a penalty through its life.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from domain.deadlines import DeadlineRequest, when
from domain.enums import (
    DeadlineKind,
    DeadlineState,
    DecisionOutcome,
    PenaltyKind,
    PenaltyStatus,
    WarningStatus,
)
from domain.ids import enterprise_workflow_id, notice_id
from domain.ledger import Ledger
from domain.messages import SUPERVISORS, SYSTEM, Actor, CaseEvent, Notification, Recipient
from domain.policy import Window
from domain.supervision.ladder import hearing_due, heavier, last_day
from domain.supervision.messages import (
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    PenaltyDecision,
    Statement,
)
from domain.supervision.state import (
    EnterpriseState,
    Hearing,
    IssuedWarning,
    LadderStep,
    Penalty,
    PublicNotice,
)

KEPT_STEPS = 500  # the ladder steps a state keeps; all are in the read model


class SupervisionBooks(Ledger):
    """The state, what a step asks for (deadlines to compute, notices to publish), and the
    bookkeeping every step shares."""

    def __init__(self, state: EnterpriseState) -> None:
        super().__init__(
            state, key=enterprise_workflow_id(state.credit_code), enterprise_code=state.credit_code
        )
        self.state = state
        self.wanted: list[DeadlineRequest] = []
        self.notices: list[PublicNotice] = []

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

    def _want(
        self, kind: DeadlineKind, penalty: Penalty, start: datetime, window: Window | None = None
    ) -> None:
        """A deadline of a penalty's, to compute; its round is the penalty's number."""
        number = self.state.penalties.index(penalty) + 1
        self.wanted.append(
            DeadlineRequest(kind=kind, start=start, round=number, subject=penalty.id, window=window)
        )

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

    def _lift_warnings(self, concerns: Callable[[str], bool], also: IssuedWarning | None) -> list[str]:
        """Lift the active warnings of the cases `concerns` selects (and `also`): their ids."""
        lifted = []
        for w in self.state.active_warnings:
            if w is also or concerns(w.tracking_no):
                w.status, w.ended_at = WarningStatus.LIFTED, self._now
                if w.order_due and w.order_due.state is DeadlineState.PENDING:
                    w.order_due.end(DeadlineState.CLOSED, self._now)
                lifted.append(w.id)
        return lifted

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

    def drain(self) -> tuple[list[CaseEvent], list[Notification], list[PublicNotice]]:
        out = (self.events, self.notifications, self.notices)
        self.events, self.notifications, self.notices = [], [], []
        return out


class PenaltyProcedure(SupervisionBooks):
    # --- the notice, the statement and the hearing -----------------------------------------

    def _hearing_offered(self, penalty: Penalty) -> bool:
        return hearing_due(self.state.policy, penalty.kind, penalty.amount)

    def _give_notice(self, penalty: Penalty) -> None:
        """Tell the enterprise of the penalty proposed and of its rights before the decision."""
        heard = self._hearing_offered(penalty)
        self._want(DeadlineKind.STATEMENT, penalty, self._now)
        if heard:
            penalty.hearing = Hearing(offered_at=self._now)
            self._want(DeadlineKind.HEARING_REQUEST, penalty, self._now)
        rights = "state your case and ask for a hearing" if heard else "state your case"
        self._notify(
            "penalty_proposed",
            f"Penalty {penalty.id} proposed: {penalty.describe()}. You may {rights} before it is decided",
            self._enterprise(),
        )
        self._notify(
            "penalty_proposed",
            f"{self.state.public_name}: penalty {penalty.id} proposed ({penalty.trigger})",
            SUPERVISORS,
        )

    def _advance(self, penalty: Penalty) -> None:
        """Where an undecided penalty stands: a hearing awaited, a window still open, or ready
        for a supervisor's decision."""
        if not penalty.pending:
            return
        hearing = penalty.hearing
        if hearing and hearing.awaited:
            status = PenaltyStatus.HEARING
        elif penalty.statement_open or (hearing and hearing.open):
            status = PenaltyStatus.PROPOSED
        else:
            status = PenaltyStatus.AWAITING_DECISION
        if status is penalty.status:
            return
        penalty.status = status
        if status is PenaltyStatus.AWAITING_DECISION:
            self._notify(
                "decision_due",
                f"{self.state.public_name}: penalty {penalty.id} awaits your decision",
                SUPERVISORS,
            )

    def _submit_statement(self, cmd: Statement) -> None:
        penalty = self._penalty(cmd.penalty_id)
        penalty.statement, penalty.stated_at = cmd, self._now
        if penalty.statement_due:
            penalty.statement_due.end(DeadlineState.MET, self._now)
        self._history("statement", f"penalty {penalty.id}: the enterprise stated its case", actor=cmd.actor)
        self._notify(
            "statement", f"{self.state.public_name} stated its case on penalty {penalty.id}", SUPERVISORS
        )
        self._advance(penalty)

    def _statement_window_closed(self, penalty: Penalty) -> None:
        due = penalty.statement_due
        self._history(
            "statement_window_closed",
            f"penalty {penalty.id}: no statement by {when(due.due if due else None)}",
        )
        self._advance(penalty)

    def _request_hearing(self, cmd: HearingRequest) -> None:
        penalty = self._penalty(cmd.penalty_id)
        hearing = penalty.hearing
        assert hearing is not None
        hearing.request, hearing.requested_at = cmd, self._now
        if hearing.request_due:
            hearing.request_due.end(DeadlineState.MET, self._now)
        self._history(
            "hearing_requested", f"penalty {penalty.id}: the enterprise asks for a hearing", actor=cmd.actor
        )
        self._notify(
            "hearing_requested",
            f"{self.state.public_name} asks for a hearing on penalty {penalty.id}: schedule it",
            SUPERVISORS,
        )
        self._advance(penalty)

    def _hearing_window_closed(self, penalty: Penalty) -> None:
        due = penalty.hearing.request_due if penalty.hearing else None
        self._history(
            "hearing_window_closed",
            f"penalty {penalty.id}: no hearing asked for by {when(due.due if due else None)}",
        )
        self._advance(penalty)

    def _schedule_hearing(self, cmd: HearingSchedule) -> None:
        penalty = self._penalty(cmd.penalty_id)
        hearing = penalty.hearing
        assert hearing is not None
        again = "rescheduled" if hearing.schedule else "scheduled"
        hearing.schedule, hearing.scheduled_at = cmd, self._now
        where = f"{when(cmd.at)}, {cmd.place}, presided over by {cmd.presiding_officer.name}"
        self._history(
            "hearing_scheduled", f"penalty {penalty.id}: hearing {again} for {where}", actor=cmd.actor
        )
        self._notify(
            "hearing_scheduled", f"The hearing on penalty {penalty.id} is held {where}", self._enterprise()
        )

    def _record_hearing(self, cmd: HearingRecord) -> None:
        penalty = self._penalty(cmd.penalty_id)
        hearing = penalty.hearing
        assert hearing is not None
        hearing.record, hearing.recorded_at = cmd, self._now
        self._history(
            "hearing_recorded",
            f"penalty {penalty.id}: hearing {hearing.outcome(self.state.policy.tz)}",
            actor=cmd.actor,
        )
        self._advance(penalty)

    # --- the decision ----------------------------------------------------------------------

    def _decide_penalty(self, cmd: PenaltyDecision) -> None:
        penalty = self._penalty(cmd.penalty_id)
        if cmd.outcome is DecisionOutcome.AMEND and heavier(
            *_terms(cmd), than=(penalty.kind, penalty.amount, penalty.suspension_days)
        ):
            self._notify_anew(penalty, cmd)
            return
        self._decided(penalty, cmd)
        if cmd.outcome is DecisionOutcome.DROP:
            self._drop(penalty, cmd)
            return
        if cmd.outcome is DecisionOutcome.AMEND:
            amend(penalty, cmd)
        self._history(
            "penalty_decided",
            f"penalty {penalty.id} {cmd.outcome}ed: {penalty.describe()}; hearing {penalty.hearing_outcome}",
            actor=cmd.actor,
        )
        self._execute(penalty, self._now)
        self._publish(penalty)
        self._notify(
            "penalty_decided", f"Penalty {penalty.id} decided: {penalty.describe()}", self._enterprise()
        )

    def _decided(self, penalty: Penalty, cmd: PenaltyDecision) -> None:
        """The decision taken, with how the right to a hearing was used."""
        penalty.decision, penalty.decided_at = cmd, self._now
        if penalty.statement_due and penalty.statement_due.state is DeadlineState.PENDING:
            penalty.statement_due.end(DeadlineState.CLOSED, self._now)
        if penalty.hearing:
            penalty.hearing_outcome = penalty.hearing.outcome(self.state.policy.tz)
        elif hearing_due(self.state.policy, penalty.kind, penalty.amount):
            penalty.hearing_outcome = "not offered: proposed before hearings were recorded"
        else:
            penalty.hearing_outcome = f"none: the law gives none before a {penalty.describe()}"

    def _drop(self, penalty: Penalty, cmd: PenaltyDecision) -> None:
        penalty.status = PenaltyStatus.DROPPED
        self._history("penalty_dropped", f"penalty {penalty.id} dropped: {cmd.reason}", actor=cmd.actor)
        self._settle_level()
        self._notify("penalty_dropped", f"Penalty {penalty.id} is dropped", self._enterprise())

    def _notify_anew(self, penalty: Penalty, cmd: PenaltyDecision) -> None:
        """A heavier penalty than the one notified is not decided: it is notified anew, with the
        enterprise's rights again (art. 44, 45)."""
        earlier = penalty.describe()
        penalty.notified.append(earlier)
        for window in (penalty.statement_due, penalty.hearing.request_due if penalty.hearing else None):
            if window and window.state is DeadlineState.PENDING:
                window.end(DeadlineState.CLOSED, self._now)
        amend(penalty, cmd)
        if penalty.hearing is not None:
            penalty.earlier_hearings.append(penalty.hearing)
        penalty.statement, penalty.stated_at, penalty.hearing = None, None, None
        penalty.statement_due = None  # until the new window is computed, it stands open
        penalty.status = PenaltyStatus.PROPOSED
        self._history(
            "penalty_notified_anew",
            f"penalty {penalty.id} amended to a {penalty.describe()}, heavier than the {earlier} notified: "
            f"notified anew ({cmd.reason})",
            actor=cmd.actor,
        )
        self._give_notice(penalty)

    def _execute(self, penalty: Penalty, since: datetime) -> None:
        """The penalty as its kind has it, from its decision."""
        if penalty.kind is PenaltyKind.FINE:
            penalty.status = PenaltyStatus.PAYMENT_DUE
            self._want(DeadlineKind.PAYMENT, penalty, since)
        elif penalty.kind is PenaltyKind.SUSPENSION:
            penalty.status = PenaltyStatus.IN_FORCE
            term = Window(days=penalty.suspension_days or 1)
            self._want(DeadlineKind.SUSPENSION_TERM, penalty, since, term)
        else:
            penalty.status = PenaltyStatus.REVOKED
            self._revoke(since)

    def _revoke(self, since: datetime) -> None:
        """The licence revoked: warnings, suspensions and proposals standing end with it, and no
        step follows. (Only a record carried over from the ladder of before holds a proposal then.)"""
        state = self.state
        state.revoked_at = state.revoked_at or since
        ended = []
        for w in state.active_warnings:
            w.status, w.ended_at = WarningStatus.SUPERSEDED, self._now
            if w.order_due and w.order_due.state is DeadlineState.PENDING:
                w.order_due.end(DeadlineState.CLOSED, self._now)
            ended.append(w.id)
        for p in state.penalties:
            if p.status is PenaltyStatus.IN_FORCE or p.pending:
                p.status, p.ended_at = PenaltyStatus.SUPERSEDED, self._now
                hearing = p.hearing.request_due if p.hearing else None
                for d in (p.term_due, p.statement_due, hearing):
                    if d and d.state is DeadlineState.PENDING:
                        d.end(DeadlineState.CLOSED, self._now)
                ended.append(p.id)
        self._history(
            "licence_revoked",
            "the business licence is revoked: the ladder ends here; complaints against the enterprise "
            "are still handled for consumers" + (f"; {', '.join(ended)} ended with it" if ended else ""),
        )

    def _publish(self, penalty: Penalty) -> None:
        state = self.state
        heard = " after a hearing" if penalty.hearing and penalty.hearing.record else ""
        self._publish_notice(
            penalty,
            f"{state.public_name}: {penalty.describe()}",
            f"{state.public_name} (unified social credit code {state.credit_code}) is given a "
            f"{penalty.describe()}{heard} under the Consumer Rights Protection Law for: {penalty.trigger}. "
            f"Cases: {', '.join(penalty.tracking_nos) or 'supervision record'}.",
        )

    def _publish_notice(self, penalty: Penalty, title: str, text: str) -> None:
        state = self.state
        notice = PublicNotice(
            id=notice_id(len(state.notices) + 1),
            penalty_id=penalty.id,
            published_at=self._now,
            title=title,
            text=text,
        )
        state.notices.append(notice)
        penalty.notice_id = penalty.notice_id or notice.id
        self.notices.append(notice)
        self._history("public_notice", f"public notice {notice.id}: {notice.title}")

    # --- a fine's payment, a suspension's term ---------------------------------------------

    def _record_payment(self, cmd: FinePayment) -> None:
        penalty = self._penalty(cmd.penalty_id)
        assert penalty.amount is not None
        penalty.payment, penalty.paid_recorded_at = cmd, self._now
        penalty.surcharge = cmd.amount - penalty.amount
        due = penalty.payment_due
        if due and due.state in (DeadlineState.PENDING, DeadlineState.BREACHED):
            late = cmd.paid_on > last_day(due, self.state.policy)  # as the receipt dates it
            due.end(DeadlineState.MET_LATE if late else DeadlineState.MET, self._now)
        penalty.status = PenaltyStatus.PAID
        surcharge = f", with {penalty.surcharge:,.2f} yuan for paying late" if penalty.surcharge else ""
        self._history(
            "fine_paid",
            f"penalty {penalty.id}: {penalty.describe()} paid on {cmd.paid_on} "
            f"(receipt {cmd.receipt_no}){surcharge}",
            actor=cmd.actor,
        )
        self._settle_level()
        self._notify("fine_paid", f"Payment of penalty {penalty.id} recorded", self._enterprise())

    def _payment_overdue(self, penalty: Penalty) -> None:
        assert penalty.payment_due is not None and penalty.amount is not None
        penalty.status = PenaltyStatus.OVERDUE
        rules = self.state.policy.supervision.late_payment
        accrual = (
            f"{rules.daily_rate:.0%} of the fine is added for each day late, "
            f"at most {penalty.amount * rules.cap:,.2f} yuan"
        )
        self._history(
            "fine_overdue", f"penalty {penalty.id}: not paid by {when(penalty.payment_due.due)}; {accrual}"
        )
        self._notify("fine_overdue", f"Penalty {penalty.id} is overdue: {accrual}", self._enterprise())
        self._notify(
            "fine_overdue", f"{self.state.public_name}: penalty {penalty.id} is overdue", SUPERVISORS
        )

    def _term_ended(self, penalty: Penalty) -> None:
        if penalty.rectified:
            self._lift_suspension(penalty, "its term has ended and its rectification is verified")
            return
        self._history(
            "suspension_term_ended",
            f"penalty {penalty.id}: the {penalty.suspension_days}-day term has ended; in force until "
            "rectification is verified",
        )

    def _lift_suspension(self, penalty: Penalty, cause: str) -> None:
        penalty.status, penalty.lifted_at = PenaltyStatus.LIFTED, self._now
        self._history("lifted", f"{penalty.id} lifted: {cause}")
        self._publish_notice(
            penalty,
            f"{self.state.public_name}: {penalty.describe()} lifted",
            f"The {penalty.describe()} given to {self.state.public_name} (unified social credit code "
            f"{self.state.credit_code}) is lifted: {cause}.",
        )
        self._settle_level()
        self._notify("lifted", f"{penalty.id} lifted: {cause}", self._enterprise())


def _terms(cmd: PenaltyDecision) -> tuple[PenaltyKind, Decimal | None, int | None]:
    assert cmd.kind is not None  # an amendment names its kind
    return cmd.kind, cmd.amount, cmd.suspension_days


def amend(penalty: Penalty, cmd: PenaltyDecision) -> None:
    assert cmd.kind is not None
    penalty.kind, penalty.illegal_income = cmd.kind, cmd.illegal_income
    penalty.amount = cmd.amount if cmd.kind is PenaltyKind.FINE else None
    penalty.suspension_days = cmd.suspension_days if cmd.kind is PenaltyKind.SUSPENSION else None
