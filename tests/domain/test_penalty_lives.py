"""Each penalty kind's life as the law has it, the hearing before the heavy ones, one proposal
per ground, and the ladder of supervisions begun before: pure rules, every refusal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.enums import (
    DeadlineState,
    PenaltyKind,
    PenaltyStatus,
    Role,
    SupervisionAction,
    ViolationKind,
    WarningStatus,
)
from domain.ledger import APPLIED
from domain.messages import Actor, Assignee
from domain.supervision.ladder import last_day
from domain.supervision.legacy import LegacyLadder
from domain.supervision.messages import (
    FinePayment,
    HearingRecord,
    HearingRequest,
    HearingSchedule,
    OrderReport,
    SuspensionVerification,
)
from domain.supervision.process import SupervisionProcess
from domain.supervision.rules import surcharge_on
from tests.support import POLICY
from tests.support.processes import (
    ENTERPRISE,
    INVESTIGATOR,
    REPORT,
    START,
    SUPERVISOR,
    Ladder,
    climbed,
    decision,
    statement,
)

OFFICER = Assignee(id="sup-qian", name="钱立")  # a supervisor who investigated nothing here


def fined(amount: str = "") -> Ladder:
    """A serious violation's fine of 50,000 yuan, decided at once after the enterprise's
    statement (2026-12-01, Beijing): its payment falls due."""
    ladder = Ladder()
    ladder.serious("CP-1", investigator_id=INVESTIGATOR.id)
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement()) == APPLIED
    fields = {"outcome": "amend", "kind": "fine", "amount": Decimal(amount)} if amount else {}
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(**fields)) == APPLIED
    return ladder


def order_report() -> OrderReport:
    return OrderReport(request_id="r1", actor=ENTERPRISE, warning_id="W1", **REPORT)


def pay(ladder: Ladder, n: int, on: date, amount: str, penalty: str = "P1") -> str:
    payment = FinePayment(
        request_id=f"pay{n}",
        actor=SUPERVISOR,
        penalty_id=penalty,
        receipt_no=f"NS-{n:06d}",
        paid_on=on,
        amount=Decimal(amount),
    )
    return ladder.take(SupervisionAction.RECORD_PAYMENT, payment)


# --- a fine -----------------------------------------------------------------------------------


def test_a_fine_falls_due_in_fifteen_days_and_is_paid_with_a_receipt() -> None:
    ladder = fined()
    fine = ladder.penalty()
    assert fine.status is PenaltyStatus.PAYMENT_DUE and fine.payment_due is not None
    assert fine.payment_due.window == "15 days, extended past rest days"
    assert last_day(fine.payment_due, POLICY) == date(2026, 12, 16)  # decided on the 1st, Beijing
    assert ladder.state.level == 2
    ladder.later(days=9)
    assert pay(ladder, 1, date(2026, 12, 10), "50000") == APPLIED
    assert (fine.status, fine.surcharge, fine.payment_due.state) == (
        PenaltyStatus.PAID,
        Decimal(0),
        DeadlineState.MET,
    )
    assert ladder.state.level == 1  # nothing stands any more
    assert pay(ladder, 2, date(2026, 12, 10), "50000") == "penalty P1 is paid"


def test_a_fine_unpaid_by_its_due_date_runs_late_with_a_surcharge_capped_at_the_fine() -> None:
    ladder = fined()
    fine = ladder.penalty()
    assert fine.payment_due is not None
    ladder.pass_deadline(fine.payment_due)
    assert fine.status is PenaltyStatus.OVERDUE and fine.payment_due.state is DeadlineState.BREACHED
    assert ladder.state.history[-1].step == "fine_overdue"
    due_day = last_day(fine.payment_due, POLICY)
    assert surcharge_on(POLICY, fine, due_day) == Decimal(0)
    assert surcharge_on(POLICY, fine, due_day + timedelta(days=1)) == Decimal(1500)
    assert surcharge_on(POLICY, fine, due_day + timedelta(days=10)) == Decimal(15000)
    assert surcharge_on(POLICY, fine, due_day + timedelta(days=40)) == Decimal(
        50000
    )  # art. 72: at most the fine

    ladder.later(days=2)
    paid_on = due_day + timedelta(days=2)
    assert pay(ladder, 1, paid_on, "50000") == (
        f"amount: 53,000.00 yuan were due on {paid_on} (the fine and 3,000.00 for paying late)"
    )
    assert pay(ladder, 2, paid_on, "53000") == APPLIED
    assert (fine.status, fine.surcharge, fine.payment_due.state) == (
        PenaltyStatus.PAID,
        Decimal(3000),
        DeadlineState.MET_LATE,
    )


def test_a_fine_paid_on_its_last_day_is_on_time_however_late_it_is_recorded() -> None:
    ladder = fined()
    fine = ladder.penalty()
    assert fine.payment_due is not None
    ladder.pass_deadline(fine.payment_due)
    assert fine.status is PenaltyStatus.OVERDUE
    assert pay(ladder, 1, last_day(fine.payment_due, POLICY), "50000") == APPLIED
    assert (fine.surcharge, fine.payment_due.state) == (Decimal(0), DeadlineState.MET)


@pytest.mark.parametrize(
    ("on", "problem"),
    [
        (date(2026, 12, 3), "paid_on: must not be in the future"),
        (date(2026, 11, 30), "paid_on: before the fine was decided (2026-12-01)"),
    ],
)
def test_a_payment_is_dated_between_the_decision_and_today(on: date, problem: str) -> None:
    ladder = fined()
    assert pay(ladder, 1, on, "50000") == problem
    assert ladder.penalty().status is PenaltyStatus.PAYMENT_DUE


def test_verified_rectification_never_lifts_a_fine_but_counts_in_the_enterprises_favour() -> None:
    ladder = fined()
    ladder.verified("CP-1")
    fine = ladder.penalty()
    assert fine.status is PenaltyStatus.PAYMENT_DUE and fine.lifted_at is None
    assert [c.cause for c in ladder.state.commendations] == ["rectification verified in case CP-1"]
    assert "P1 (fine of 50,000 yuan) stays on the record" in ladder.state.history[-1].detail


def test_only_a_fine_is_paid() -> None:
    ladder = climbed(3)
    assert ladder.decide("P3", 3) == APPLIED
    assert pay(ladder, 1, date(2026, 12, 3), "1", penalty="P3") == (
        "penalty P3 is a suspension of sales for 30 days, not a fine"
    )


# --- a suspension -------------------------------------------------------------------------------


def test_a_suspension_is_in_force_until_rectification_is_verified_and_its_term_has_run() -> None:
    ladder = climbed(3)
    assert ladder.decide("P3", 3) == APPLIED
    suspension = ladder.penalty("P3")
    assert suspension.status is PenaltyStatus.IN_FORCE and suspension.term_due is not None
    assert suspension.term_due.window == "30 days"
    ladder.verified("CP-3")  # before its term ends
    assert suspension.status is PenaltyStatus.IN_FORCE
    assert "P3 is lifted when its term ends" in ladder.state.history[-1].detail
    ladder.pass_deadline(suspension.term_due)
    assert suspension.status is PenaltyStatus.LIFTED and suspension.lifted_at == ladder.now
    assert ladder.state.notices[-1].title.endswith("suspension of sales for 30 days lifted")


def test_a_suspension_whose_term_has_run_waits_for_verified_rectification() -> None:
    ladder = climbed(3)
    ladder.decide("P3", 3)
    suspension = ladder.penalty("P3")
    assert suspension.term_due is not None
    ladder.pass_deadline(suspension.term_due)
    assert suspension.status is PenaltyStatus.IN_FORCE
    assert ladder.state.history[-1].step == "suspension_term_ended"
    ladder.verified("CP-3")
    assert suspension.status is PenaltyStatus.LIFTED


def test_a_case_rectified_before_its_suspension_is_decided_counts_for_it() -> None:
    ladder = climbed(3)
    ladder.verified("CP-3")  # while P3 waits for its decision
    assert ladder.penalty("P3").verified_cases == ["CP-3"]
    assert ladder.decide("P3", 3) == APPLIED
    suspension = ladder.penalty("P3")
    assert suspension.term_due is not None
    ladder.pass_deadline(suspension.term_due)
    assert suspension.status is PenaltyStatus.LIFTED


def verify_suspension(n: int, effective: bool, actor: Actor = SUPERVISOR) -> SuspensionVerification:
    return SuspensionVerification(
        request_id=f"sv{n}", actor=actor, penalty_id="P3", effective=effective, notes="现场核查"
    )


def test_a_supervisor_verifies_the_rectification_a_suspension_orders() -> None:
    """A suspension whose cases order no rectification of their own (late responses)."""
    ladder = Ladder()
    for n, case in enumerate(("CP-1", "CP-2", "CP-3"), 1):
        ladder.violation(case)  # W1, then repeats: P1, P2, P3
        if n > 1:
            assert ladder.decide(f"P{n - 1}", n) == APPLIED
    ladder.violation("CP-4")
    assert ladder.decide("P3", 9) == APPLIED
    suspension = ladder.penalty("P3")
    assert suspension.kind is PenaltyKind.SUSPENSION and suspension.status is PenaltyStatus.IN_FORCE
    assert ladder.take(
        SupervisionAction.VERIFY_SUSPENSION, verify_suspension(1, True, ENTERPRISE)
    ).startswith("verify_suspension is for a supervisor")
    level = ladder.state.level
    assert ladder.take(SupervisionAction.VERIFY_SUSPENSION, verify_suspension(2, False)) == APPLIED
    assert ladder.state.level == min(level + 1, 3) and suspension.status is PenaltyStatus.IN_FORCE
    assert ladder.take(SupervisionAction.VERIFY_SUSPENSION, verify_suspension(3, True)) == APPLIED
    assert suspension.rectified and suspension.status is PenaltyStatus.IN_FORCE  # its term runs on
    assert ladder.take(SupervisionAction.VERIFY_SUSPENSION, verify_suspension(4, True)) == (
        "the rectification under penalty P3 is verified"
    )
    assert suspension.term_due is not None
    ladder.pass_deadline(suspension.term_due)
    assert suspension.status is PenaltyStatus.LIFTED
    fine = SuspensionVerification(
        request_id="sv5", actor=SUPERVISOR, penalty_id="P1", effective=True, notes="x"
    )
    assert ladder.take(SupervisionAction.VERIFY_SUSPENSION, fine) == (
        "penalty P1 is a fine of 50,000 yuan, not a suspension"
    )


# --- a revocation -------------------------------------------------------------------------------


def test_a_revocation_ends_the_ladder_and_what_stands_ends_with_it() -> None:
    ladder = climbed(3)
    ladder.decide("P3", 3)
    ladder.violation("CP-9")  # a repeat within the window: P4, the revocation
    assert ladder.penalty("P4").kind is PenaltyKind.REVOCATION
    assert ladder.decide("P4", 4) == APPLIED
    state = ladder.state
    assert ladder.penalty("P4").status is PenaltyStatus.REVOKED and state.revoked_at == ladder.now
    assert ladder.penalty("P3").status is PenaltyStatus.SUPERSEDED
    assert [n.title.split(": ")[1] for n in state.notices][-1] == "revocation of the business licence"

    ladder.verified("CP-9")  # rectified afterwards: a positive evaluation, the revocation stays
    assert ladder.penalty("P4").status is PenaltyStatus.REVOKED and state.commendations
    for n in range(10, 13):
        ladder.serious(f"CP-{n}")
    assert len(state.penalties) == 4 and not state.active_warnings
    assert (
        ladder.take(SupervisionAction.DECIDE_PENALTY, decision(9, penalty_id="P4")) == "penalty P4 is revoked"
    )


def test_a_warning_standing_at_the_revocation_is_superseded() -> None:
    ladder = Ladder()
    ladder.violation("CP-0")  # W1, its order running
    for n in range(1, 5):
        ladder.serious(f"CP-{n}")
        assert ladder.decide(f"P{n}", n) == APPLIED
    [warning] = ladder.state.warnings
    assert warning.status is WarningStatus.SUPERSEDED
    assert warning.order_due is not None and warning.order_due.state is DeadlineState.CLOSED
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report()) == "warning W1 is superseded"


# --- the hearing ----------------------------------------------------------------------------------


def test_a_large_fine_offers_a_hearing_and_is_decided_only_once_its_window_has_passed() -> None:
    ladder = climbed(2)  # P2: a fine of 200,000 yuan
    p2 = ladder.penalty("P2")
    assert p2.hearing is not None and p2.hearing.request_due is not None
    assert p2.hearing.request_due.window == "5 working days"
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement("P2", 2)) == APPLIED
    assert p2.status is PenaltyStatus.PROPOSED  # the hearing window is still open
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(2, penalty_id="P2")).startswith(
        "the enterprise may ask for a hearing until"
    )
    ladder.pass_deadline(p2.hearing.request_due)
    assert p2.status is PenaltyStatus.AWAITING_DECISION
    assert ladder.take(SupervisionAction.REQUEST_HEARING, asks("P2")).startswith(
        "a hearing could be asked for until"
    )
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(3, penalty_id="P2")) == APPLIED
    assert p2.hearing_outcome.startswith("waived: not asked for by")


def asks(penalty: str = "P1", n: int = 1, actor: Actor = ENTERPRISE) -> HearingRequest:
    return HearingRequest(request_id=f"h{n}", actor=actor, penalty_id=penalty)


def schedule(n: int, at_days: float, officer: Assignee = OFFICER, penalty: str = "P2") -> HearingSchedule:
    return HearingSchedule(
        request_id=f"hs{n}",
        actor=SUPERVISOR,
        penalty_id=penalty,
        at=START + timedelta(days=at_days),
        place="区市场监管局三楼听证室",
        presiding_officer=officer,
    )


def record(n: int, attended: bool = True, at_days: float = 12, penalty: str = "P2") -> HearingRecord:
    return HearingRecord(
        request_id=f"hr{n}",
        actor=SUPERVISOR,
        penalty_id=penalty,
        held_at=START + timedelta(days=at_days),
        attended=attended,
        record="企业陈述了整改情况",
        opinion="事实清楚,建议维持",
    )


def test_a_hearing_asked_for_is_scheduled_held_and_recorded_before_the_decision() -> None:
    ladder = climbed(2)
    p2 = ladder.penalty("P2")
    assert ladder.take(SupervisionAction.REQUEST_HEARING, asks("P2")) == APPLIED
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement("P2", 2)) == APPLIED
    assert p2.status is PenaltyStatus.HEARING
    assert ladder.take(SupervisionAction.REQUEST_HEARING, asks("P2", 2)) == (
        "the enterprise has already asked for a hearing"
    )
    assert ladder.decide_refusal("P2") == "the hearing the enterprise asked for has not been held"
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(1)) == "the hearing has not been scheduled"
    investigator = Assignee(id=INVESTIGATOR.id, name=INVESTIGATOR.name)
    assert ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(1, 12, investigator)) == (
        "presiding_officer: 李强 investigated a case of this penalty; someone who did not presides over "
        "the hearing"
    )
    assert ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(2, 0)) == (
        "at: the hearing is held after it is scheduled"
    )
    assert ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(3, 12)) == APPLIED
    assert ladder.decide_refusal("P2").startswith(
        "the hearing the enterprise asked for has not been held (sch"
    )
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(4, at_days=11)) == (
        "held_at: must not be in the future"
    )
    ladder.now = START + timedelta(days=12.5)
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(5, at_days=11)) == (
        "held_at: the hearing is scheduled for 2026-12-13; one held earlier is scheduled anew first"
    )
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(2, at_days=13)) == (
        "held_at: must not be in the future"
    )
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(3)) == APPLIED
    assert p2.status is PenaltyStatus.AWAITING_DECISION
    assert ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(4, 20)) == "the hearing has been held"
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(5, penalty_id="P2")) == APPLIED
    assert p2.hearing_outcome.startswith("held 2026-12-13T") and "presided over by 钱立" in p2.hearing_outcome
    assert "after a hearing" in ladder.state.notices[-1].text


def test_a_hearing_the_enterprise_does_not_attend_is_waived() -> None:
    ladder = climbed(2)
    ladder.take(SupervisionAction.REQUEST_HEARING, asks("P2"))
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement("P2", 2))
    ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(1, 12))
    ladder.now = START + timedelta(days=12.5)
    p2 = ladder.penalty("P2")
    assert ladder.take(SupervisionAction.RECORD_HEARING, record(2, attended=False)) == APPLIED
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(5, penalty_id="P2")) == APPLIED
    assert p2.hearing_outcome.startswith("waived: the enterprise did not attend the hearing of 2026-12-13")


def test_no_hearing_is_offered_before_a_small_fine_and_none_is_asked_for_twice() -> None:
    ladder = Ladder()
    ladder.serious("CP-1")
    assert ladder.take(SupervisionAction.REQUEST_HEARING, asks()) == (
        "the law gives no hearing before a fine of 50,000 yuan"
    )
    stranger = Actor(id="ent-x", role=Role.ENTERPRISE, org="91440300MA5F8R7T1F")
    assert ladder.take(SupervisionAction.REQUEST_HEARING, asks(n=2, actor=stranger)).startswith(
        "request_hearing is for the enterprise"
    )
    assert ladder.take(SupervisionAction.SCHEDULE_HEARING, schedule(1, 12, penalty="P1")) == (
        "the enterprise has not asked for a hearing"
    )


def test_a_heavier_amendment_is_notified_anew_with_the_enterprises_rights() -> None:
    ladder = Ladder()
    ladder.serious("CP-1")
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    heavier = decision(2, outcome="amend", kind="suspension", suspension_days=15, reason="情节严重")
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, heavier) == APPLIED
    p1 = ladder.penalty()
    assert (p1.kind, p1.status, p1.statement, p1.notified) == (
        PenaltyKind.SUSPENSION,
        PenaltyStatus.PROPOSED,
        None,
        ["fine of 50,000 yuan"],
    )
    assert p1.hearing is not None and p1.hearing.request_due is not None  # a suspension gives one
    assert ladder.decide_refusal("P1").startswith("the enterprise may state its case until")
    assert ladder.decide("P1", 3) == APPLIED and p1.status is PenaltyStatus.IN_FORCE


def test_a_penalty_notified_anew_is_not_decided_before_its_new_window_is_known() -> None:
    ladder = Ladder()
    ladder.serious("CP-1")
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    ladder.process.take(
        SupervisionAction.DECIDE_PENALTY,
        decision(2, outcome="amend", kind="fine", amount=Decimal(80000)),
        ladder.now,
    )
    assert ladder.process.wanted and ladder.penalty().statement_due is None  # being computed
    assert ladder.decide_refusal("P1") == "the enterprise may state its case until —"


def test_a_lighter_amendment_is_decided_at_once() -> None:
    ladder = fined("30000")
    p1 = ladder.penalty()
    assert (p1.amount, p1.status, p1.notified) == (Decimal(30000), PenaltyStatus.PAYMENT_DUE, [])


# --- one proposal per ground ------------------------------------------------------------------------


def test_a_failed_rectification_round_leads_to_one_proposal_however_often_it_fails() -> None:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.LATE_RECTIFICATION, round=1)
    assert ladder.decide() == APPLIED
    ladder.violation("CP-1", ViolationKind.INEFFECTIVE_RECTIFICATION, round=1)  # the same round
    assert len(ladder.state.penalties) == 1 and ladder.state.level == 3
    assert (
        ladder.state.history[-1].detail
        == "violation in case CP-1 recorded with penalty P1, on the same ground"
    )
    ladder.violation("CP-1", ViolationKind.INEFFECTIVE_RECTIFICATION, round=2)  # the next round fails too
    assert [p.grounds for p in ladder.state.penalties] == [["rectification:CP-1:1"], ["rectification:CP-1:2"]]


def test_a_cases_handling_leads_to_one_proposal_and_its_finding_to_another() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")  # W1
    ladder.violation("CP-2")  # a repeat: P1 for the handling of CP-2
    assert ladder.decide() == APPLIED
    ladder.violation("CP-2", ViolationKind.LATE_RESOLUTION)  # the same handling
    assert len(ladder.state.penalties) == 1
    ladder.violation("CP-3")  # another case's handling: a ground of its own
    assert [p.grounds for p in ladder.state.penalties] == [["handling:CP-2"], ["handling:CP-3"]]
    ladder.serious("CP-2")  # the wrong CP-2's findings establish: joins P2, still undecided
    assert ladder.penalty("P2").grounds == ["finding:CP-2", "handling:CP-3"]


def test_a_ground_a_warning_has_met_leads_to_no_penalty() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")  # W1, for the handling of CP-1
    ladder.violation("CP-2")  # a repeat: P1
    assert ladder.decide() == APPLIED
    ladder.violation("CP-1", ViolationKind.LATE_RESOLUTION)  # CP-1's handling again, other cases about
    assert len(ladder.state.penalties) == 1
    assert (
        ladder.state.history[-1].detail
        == "violation in case CP-1 recorded with warning W1, on the same ground"
    )
    assert ladder.state.warnings[0].violation_keys == ["CP-1:1", "CP-1:3"]


def test_an_overdue_order_covers_the_warnings_own_ground() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    warning = ladder.state.warnings[0]
    assert warning.order_due is not None
    ladder.pass_deadline(warning.order_due)
    assert ladder.penalty().grounds == ["handling:CP-1", "order:W1"]
    assert ladder.decide() == APPLIED
    ladder.violation("CP-1", ViolationKind.LATE_RESOLUTION)
    assert len(ladder.state.penalties) == 1 and len(ladder.state.warnings) == 1


# --- supervisions begun before ---------------------------------------------------------------------


def test_a_supervision_begun_before_keeps_its_ladder_and_its_new_run_adopts_the_record() -> None:
    old = Ladder(LegacyLadder)
    for n in range(1, 5):
        old.serious(f"CP-{n}")
        old.take(SupervisionAction.SUBMIT_STATEMENT, statement(f"P{n}", n))
        assert old.take(SupervisionAction.DECIDE_PENALTY, decision(n, penalty_id=f"P{n}")) == APPLIED
    assert [p.status for p in old.state.penalties] == [PenaltyStatus.CONFIRMED] * 4
    assert all(p.hearing is None for p in old.state.penalties)
    old.verified("CP-4")
    assert old.penalty("P4").status is PenaltyStatus.LIFTED  # as it was: the reason for the change
    old.serious("CP-5")
    assert old.penalty("P5").kind is PenaltyKind.REVOCATION and old.penalty("P5").hearing is None

    # Continued as new: the record carried over, into the procedure.
    new = Ladder()
    new.process = SupervisionProcess(old.state)
    new.now = old.now + timedelta(days=1)
    new.process.adopt(new.now)
    new.settle()
    assert [p.status for p in new.state.penalties[:3]] == [
        PenaltyStatus.PAYMENT_DUE,
        PenaltyStatus.PAYMENT_DUE,
        PenaltyStatus.IN_FORCE,
    ]
    assert new.penalty("P4").status is PenaltyStatus.LIFTED and new.state.revoked_at is None
    p1, p3 = new.penalty("P1"), new.penalty("P3")
    assert p1.payment_due is not None and p1.payment_due.started_at == new.now  # no payment was asked for
    assert p3.term_due is not None and p3.term_due.started_at == p3.decided_at
    p5 = new.penalty("P5")
    assert p5.hearing is not None and p5.status is PenaltyStatus.PROPOSED
    revision = new.state.revision
    new.process.adopt(new.now)
    assert new.state.revision == revision  # adopting twice changes nothing


def test_a_revocation_confirmed_before_ends_the_ladder_once_adopted() -> None:
    old = Ladder(LegacyLadder)
    for n in range(1, 5):
        old.serious(f"CP-{n}")
        old.take(SupervisionAction.SUBMIT_STATEMENT, statement(f"P{n}", n))
        old.take(SupervisionAction.DECIDE_PENALTY, decision(n, penalty_id=f"P{n}"))
    new = Ladder()
    new.process = SupervisionProcess(old.state)
    new.now = old.now
    new.process.adopt(new.now)
    assert new.penalty("P4").status is PenaltyStatus.REVOKED
    assert new.state.revoked_at == new.penalty("P4").decided_at
    new.serious("CP-9")
    assert len(new.state.penalties) == 4


def test_a_revocation_adopted_ends_what_the_ladder_of_before_kept_on_with() -> None:
    old = Ladder(LegacyLadder)
    for n in range(1, 6):  # the ladder of before went on after the revocation: P5, a suspension
        old.serious(f"CP-{n}")
        old.take(SupervisionAction.SUBMIT_STATEMENT, statement(f"P{n}", n))
        old.take(SupervisionAction.DECIDE_PENALTY, decision(n, penalty_id=f"P{n}"))
    old.serious("CP-6")  # and proposed P6
    assert [p.kind for p in old.state.penalties[3:5]] == [PenaltyKind.REVOCATION, PenaltyKind.REVOCATION]
    new = Ladder()
    new.process = SupervisionProcess(old.state)
    new.now = old.now
    new.process.adopt(new.now)
    statuses = [p.status for p in new.state.penalties]
    assert statuses == [
        PenaltyStatus.PAYMENT_DUE,
        PenaltyStatus.PAYMENT_DUE,
        PenaltyStatus.SUPERSEDED,  # the suspension, in force until the revocation
        PenaltyStatus.REVOKED,
        PenaltyStatus.REVOKED,
        PenaltyStatus.SUPERSEDED,  # the proposal after it
    ]
    assert new.state.revoked_at == new.penalty("P4").decided_at
    assert (
        new.take(SupervisionAction.DECIDE_PENALTY, decision(9, penalty_id="P6")) == "penalty P6 is superseded"
    )
