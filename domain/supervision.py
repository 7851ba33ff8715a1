"""Enterprise supervision: the violation ladder, applied one step at a time.

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
`EnterpriseState` and collects events, notifications and deadlines to compute.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from domain.case import Deadline, Refusal
from domain.enums import (
    SUPERVISING_ROLES,
    DeadlineKind,
    DeadlineState,
    DecisionOutcome,
    Offence,
    PenaltyKind,
    PenaltyStatus,
    Role,
    Severity,
    SupervisionAction,
    ViolationKind,
    WarningStatus,
)
from domain.ledger import Ledger, when
from domain.messages import (
    SYSTEM,
    Actor,
    CaseEvent,
    Command,
    DeadlineRequest,
    Message,
    Notification,
    Recipient,
)
from domain.policy import Policy

SUPERVISORS = Recipient(kind="role", ref=Role.SUPERVISOR)
REMEMBERED_REPORTS = 2000
KEPT_STEPS = 500  # the ladder steps a state keeps; all are in the read model
MINOR_SEVERITIES = (Severity.MINOR, Severity.MODERATE)

# --- what complaint workflows report -------------------------------------------------------


class ViolationReport(Message):
    type: Literal["violation"] = "violation"
    key: str  # "<tracking no>:<seq>": a report that arrives twice counts once
    tracking_no: str
    kind: ViolationKind
    offence: Offence | None = None
    severity: Severity
    at: datetime
    detail: str


class VerificationReport(Message):
    type: Literal["verification"] = "verification"
    key: str
    tracking_no: str
    round: int
    effective: bool
    at: datetime


class CaseReport(Message):
    """What a complaint workflow reports to its enterprise's supervision: new violations and
    verification results."""

    credit_code: str
    name: str
    violations: list[ViolationReport] = Field(default_factory=list)
    verifications: list[VerificationReport] = Field(default_factory=list)


class EnterpriseReport(CaseReport):
    """The signal the supervision workflow receives: the report, with the policy in force."""

    policy: Policy


class EnterpriseInput(Message):
    credit_code: str
    state: "EnterpriseState | None" = None  # set when the supervision continues as new


# --- what parties send -----------------------------------------------------------------------


class Statement(Command):
    """The enterprise states its case and defends itself (陈述、申辩)."""

    penalty_id: str
    text: str


class PenaltyDecision(Command):
    penalty_id: str
    outcome: DecisionOutcome
    kind: PenaltyKind | None = None  # amend: the penalty decided
    amount: Decimal | None = None
    suspension_days: int | None = None
    illegal_income: Decimal | None = None  # known: the fine is 1-10 times it
    reason: str


class OrderReport(Command):
    """The enterprise's rectification report for a warning's order."""

    warning_id: str
    cause_analysis: str
    improvement_measures: str
    implementation_effect: str


class OrderVerification(Command):
    warning_id: str
    effective: bool
    notes: str


# --- the state -------------------------------------------------------------------------------


class IssuedWarning(Message):
    id: str
    issued_at: datetime
    tracking_no: str
    cause: str
    violation_keys: list[str]
    internal: bool  # a minor problem: the enterprise rectifies internally
    # A substantiated complaint's warning is answered by the rectification its case orders;
    # any other warning orders a rectification report of its own, by `order_due`.
    order_in_case: bool = False
    order_due: Deadline | None = None
    report: OrderReport | None = None
    reported_at: datetime | None = None
    verification: OrderVerification | None = None
    status: WarningStatus = WarningStatus.ACTIVE
    ended_at: datetime | None = None


class Penalty(Message):
    id: str
    proposed_at: datetime
    trigger: str
    tracking_nos: list[str]
    violation_keys: list[str]
    kind: PenaltyKind
    amount: Decimal | None = None
    suspension_days: int | None = None
    illegal_income: Decimal | None = None
    statement_due: Deadline | None = None
    statement: Statement | None = None
    stated_at: datetime | None = None
    decision: PenaltyDecision | None = None
    decided_at: datetime | None = None
    status: PenaltyStatus = PenaltyStatus.PROPOSED
    notice_id: str | None = None
    verified_cases: list[str] = Field(default_factory=list)  # lifted once every case is rectified
    lifted_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.status in (PenaltyStatus.PROPOSED, PenaltyStatus.AWAITING_DECISION)

    def describe(self) -> str:
        if self.kind is PenaltyKind.FINE:
            return f"fine of {self.amount:,.0f} yuan"
        if self.kind is PenaltyKind.SUSPENSION:
            return f"suspension of sales for {self.suspension_days} days"
        return "revocation of the business licence"


class PublicNotice(Message):
    id: str
    penalty_id: str
    published_at: datetime
    title: str
    text: str


class Commendation(Message):
    """A positive evaluation: rectification verified."""

    at: datetime
    cause: str


class LadderStep(Message):
    at: datetime
    step: str
    detail: str
    policy_version: str
    report_key: str | None = None


class EnterpriseState(Message):
    credit_code: str
    name: str
    policy: Policy
    level: int = 0
    revision: int = 0
    violations: list[ViolationReport] = Field(default_factory=list)  # those within the repeat window
    service_quality_streak: int = 0
    warnings: list[IssuedWarning] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    notices: list[PublicNotice] = Field(default_factory=list)
    commendations: list[Commendation] = Field(default_factory=list)
    history: list[LadderStep] = Field(default_factory=list)
    reports_seen: list[str] = Field(default_factory=list)  # the latest report keys: a retry counts once
    pending: list[Annotated[ViolationReport | VerificationReport, Field(discriminator="type")]] = Field(
        default_factory=list
    )
    requests: dict[str, str] = Field(default_factory=dict)
    refusals: list[Refusal] = Field(default_factory=list)

    @property
    def public_name(self) -> str:
        """The registered name, or the code: a complainant's spelling is never published."""
        return self.name or f"enterprise {self.credit_code}"

    def warning(self, warning_id: str) -> IssuedWarning | None:
        return next((w for w in self.warnings if w.id == warning_id), None)

    def penalty(self, penalty_id: str) -> Penalty | None:
        return next((p for p in self.penalties if p.id == penalty_id), None)

    @property
    def active_warnings(self) -> list[IssuedWarning]:
        return [w for w in self.warnings if w.status is WarningStatus.ACTIVE]

    @property
    def standing_penalties(self) -> list[Penalty]:
        """Penalties proposed, awaiting decision, or confirmed and not lifted."""
        return [p for p in self.penalties if p.pending or p.status is PenaltyStatus.CONFIRMED]

    def deadlines(self) -> list[Deadline]:
        out = [w.order_due for w in self.warnings if w.order_due]
        return out + [p.statement_due for p in self.penalties if p.statement_due]

    def refusal(self, action: SupervisionAction, actor: Actor, target: str) -> str | None:
        """Why `actor` may not take `action` on warning or penalty `target` now, or None."""
        if action in (SupervisionAction.SUBMIT_STATEMENT, SupervisionAction.SUBMIT_ORDER_REPORT):
            if actor.role is not Role.ENTERPRISE or actor.org != self.credit_code:
                return f"{action} is for the enterprise {self.credit_code} itself"
        elif actor.role not in SUPERVISING_ROLES:
            return f"{action} is for a supervisor, not the {actor.role}"
        if action in (SupervisionAction.SUBMIT_STATEMENT, SupervisionAction.DECIDE_PENALTY):
            penalty = self.penalty(target)
            if penalty is None:
                return f"there is no penalty {target}"
            if not penalty.pending:
                return f"penalty {target} is {penalty.status}"
            due = penalty.statement_due
            if action is SupervisionAction.SUBMIT_STATEMENT:
                if penalty.statement is not None:
                    return "the enterprise has already stated its case"
                if penalty.status is not PenaltyStatus.PROPOSED:
                    return f"the statement window closed at {when(due.due if due else None)}"
            elif penalty.status is PenaltyStatus.PROPOSED:
                return f"the enterprise may state its case until {when(due.due if due else None)}"
            return None
        warning = self.warning(target)
        if warning is None:
            return f"there is no warning {target}"
        if warning.status is not WarningStatus.ACTIVE:
            return f"warning {target} is {warning.status}"
        if warning.order_in_case:
            return f"warning {target} is answered by the rectification ordered in case {warning.tracking_no}"
        if action is SupervisionAction.SUBMIT_ORDER_REPORT and warning.report is not None:
            return "the rectification report is already in"
        if action is SupervisionAction.VERIFY_ORDER and warning.report is None:
            return "the enterprise has not handed in its rectification report"
        return None


def decision_problem(state: EnterpriseState, decision: PenaltyDecision) -> str | None:
    """What is wrong with a decision's content: the law's bounds (CRPL art. 56)."""
    if not decision.reason.strip():
        return "reason: must not be empty"
    if decision.outcome is not DecisionOutcome.AMEND:
        return None
    if decision.kind is None:
        return "kind: an amended penalty names its kind"
    if decision.kind is PenaltyKind.FINE:
        if decision.amount is None or decision.amount <= 0:
            return "amount: an amended fine names its amount"
        low, high = fine_bounds(state.policy, decision.illegal_income)
        if not low <= decision.amount <= high:
            return f"amount: must be from {low:,.0f} to {high:,.0f} yuan"
    elif decision.kind is PenaltyKind.SUSPENSION and not (
        decision.suspension_days and 1 <= decision.suspension_days <= 365
    ):
        return "suspension_days: must be from 1 to 365"
    return None


def fine_bounds(policy: Policy, illegal_income: Decimal | None) -> tuple[Decimal, Decimal]:
    rules = policy.supervision
    if illegal_income is not None and illegal_income > 0:
        return rules.income_multiple_min * illegal_income, rules.income_multiple_max * illegal_income
    return Decimal(1), rules.fine_cap_without_income


def content_problem(command: Command) -> str | None:
    texts: dict[str, str] = {}
    if isinstance(command, Statement):
        texts["text"] = command.text
    elif isinstance(command, OrderReport):
        texts = {
            "cause_analysis": command.cause_analysis,
            "improvement_measures": command.improvement_measures,
            "implementation_effect": command.implementation_effect,
        }
    elif isinstance(command, OrderVerification):
        texts["notes"] = command.notes
    for name, value in texts.items():
        if not value.strip():
            return f"{name}: must not be empty"
    return None


# --- the process -----------------------------------------------------------------------------


class SupervisionProcess(Ledger):
    def __init__(self, state: EnterpriseState) -> None:
        super().__init__(state, key=f"enterprise-{state.credit_code}", enterprise_code=state.credit_code)
        self.state = state
        self.wanted: list[DeadlineRequest] = []
        self.notices: list[PublicNotice] = []

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
            id=f"W{len(state.warnings) + 1}",
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
                    kind=DeadlineKind.RECTIFICATION_ORDER, start=self._now, round=len(state.warnings)
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
            id=f"P{len(state.penalties) + 1}",
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
            DeadlineRequest(kind=DeadlineKind.STATEMENT, start=self._now, round=len(state.penalties))
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
                warning = self.state.warnings[d.round - 1]
                warning.order_due = d
                if warning.status is not WarningStatus.ACTIVE:
                    d.state, d.ended_at = DeadlineState.CLOSED, now
                self._event(
                    "deadline_set",
                    f"warning {warning.id}: rectification report due {when(d.due)}",
                    warning=warning.id,
                    due=d.due,
                )
            else:
                penalty = self.state.penalties[d.round - 1]
                penalty.statement_due = d
                if penalty.status is not PenaltyStatus.PROPOSED:
                    d.state, d.ended_at = DeadlineState.CLOSED, now
                self._event(
                    "deadline_set",
                    f"penalty {penalty.id}: statement due {when(d.due)}",
                    penalty=penalty.id,
                    due=d.due,
                )

    def alarm(self, key: str, what: str, now: datetime) -> None:
        self._now = now
        d = next((d for d in self.state.deadlines() if d.key == key), None)
        if d is None or d.next_alarm() is None or d.next_alarm()[1] != what:  # type: ignore[index]
            return
        if what == "warning":
            d.warned_at = now
            if d.kind is DeadlineKind.RECTIFICATION_ORDER:
                warning = self.state.warnings[d.round - 1]
                self._event(
                    "order_warning",
                    f"warning {warning.id}: rectification report due {when(d.due)}",
                    warning=warning.id,
                    due=d.due,
                )
                self._notify(
                    "order_warning",
                    f"Warning {self.state.warnings[d.round - 1].id}: the rectification "
                    f"report is due {when(d.due)}",
                    self._enterprise(),
                )
            return
        if d.kind is DeadlineKind.STATEMENT:
            d.state, d.ended_at = DeadlineState.CLOSED, now
            penalty = self.state.penalties[d.round - 1]
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
        warning = self.state.warnings[d.round - 1]
        d.state, d.breached_at, d.ended_at = DeadlineState.CLOSED, now, now
        if warning.status is WarningStatus.ACTIVE and warning.report is None:
            warning.status, warning.ended_at = WarningStatus.ESCALATED, now
            self._raise_level(f"warning {warning.id}: rectification report overdue")
            self._propose_penalty(
                f"warning {warning.id}: rectification report overdue", [], cases=[warning.tracking_no]
            )

    # --- what parties send -------------------------------------------------------------------

    def take(
        self,
        action: SupervisionAction,
        command: Statement | PenaltyDecision | OrderReport | OrderVerification,
        now: datetime,
    ) -> bool:
        self._now = now
        target = (
            command.penalty_id if isinstance(command, Statement | PenaltyDecision) else command.warning_id
        )
        refusal = self.state.refusal(action, command.actor, target) or content_problem(command)
        if refusal is None and isinstance(command, PenaltyDecision):
            refusal = decision_problem(self.state, command)
        if not self._admit(action, command, refusal):
            return False
        getattr(self, f"_{action.value}")(command)
        return True

    def _submit_statement(self, cmd: Statement) -> None:
        penalty = self.state.penalty(cmd.penalty_id)
        assert penalty is not None
        penalty.statement, penalty.stated_at = cmd, self._now
        penalty.status = PenaltyStatus.AWAITING_DECISION
        if penalty.statement_due:
            penalty.statement_due.state, penalty.statement_due.ended_at = DeadlineState.MET, self._now
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
            penalty.statement_due.state, penalty.statement_due.ended_at = DeadlineState.CLOSED, self._now
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
            id=f"N{len(state.notices) + 1}",
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
            warning.order_due.state, warning.order_due.ended_at = DeadlineState.MET, self._now
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
        also: "IssuedWarning | None" = None,
    ) -> None:
        """Lift the warnings and confirmed penalties of the cases `concerns` selects (and `also`)."""
        state, lifted = self.state, []
        for w in state.active_warnings:
            if w is also or concerns(w.tracking_no):
                w.status, w.ended_at = WarningStatus.LIFTED, self._now
                if w.order_due and w.order_due.state is DeadlineState.PENDING:
                    w.order_due.state, w.order_due.ended_at = DeadlineState.CLOSED, self._now
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
        return Recipient(kind="enterprise", ref=self.state.credit_code)

    def drain(self) -> tuple[list[CaseEvent], list[Notification], list[PublicNotice]]:
        out = (self.events, self.notifications, self.notices)
        self.events, self.notifications, self.notices = [], [], []
        return out


EnterpriseInput.model_rebuild()
