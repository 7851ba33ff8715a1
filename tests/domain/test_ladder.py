"""The violation ladder, rung by rung, as pure rules."""

from decimal import Decimal

import pytest

from domain.enums import (
    Offence,
    PenaltyKind,
    PenaltyStatus,
    Role,
    Severity,
    SupervisionAction,
    ViolationKind,
    WarningStatus,
)
from domain.messages import Actor
from domain.supervision.messages import (
    EnterpriseReport,
    OrderReport,
    OrderVerification,
    Statement,
    VerificationReport,
)
from tests.support import POLICY
from tests.support.processes import CODE, ENTERPRISE, SUPERVISOR, Ladder, decision, statement


def test_a_first_violation_brings_a_warning_with_a_rectification_order() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    [warning] = ladder.state.warnings
    assert (warning.id, warning.status, warning.internal, ladder.state.level) == (
        "W1",
        WarningStatus.ACTIVE,
        True,
        1,
    )
    assert warning.order_due is not None and warning.order_due.window == "15 working days"
    ladder.violation("CP-1", ViolationKind.LATE_RESOLUTION)
    assert len(ladder.state.warnings) == 1 and ladder.state.warnings[0].violation_keys == ["CP-1:1", "CP-1:2"]
    assert not ladder.state.penalties


def test_a_repeat_violation_within_the_window_brings_a_penalty_proposal() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.later(days=30)
    ladder.violation("CP-2")
    [penalty] = ladder.state.penalties
    assert (penalty.kind, penalty.amount, penalty.status) == (
        PenaltyKind.FINE,
        Decimal(50000),
        PenaltyStatus.PROPOSED,
    )
    assert penalty.trigger.startswith("repeat violation within 180 days") and ladder.state.level == 2
    assert penalty.statement_due is not None and penalty.statement_due.window == "5 working days"
    ladder.later(days=200)
    ladder.violation("CP-3")  # the earlier cases are outside the window now, but P1 is still undecided
    assert len(ladder.state.penalties) == 1 and "CP-3" in penalty.tracking_nos


def test_a_serious_violation_goes_straight_to_the_penalty_procedure() -> None:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.CRITICAL, Offence.PRODUCT_SAFETY)
    assert not ladder.state.warnings and ladder.state.penalties[0].trigger.startswith(
        "serious violation (critical)"
    )


def test_two_consecutive_service_quality_complaints_bring_a_penalty() -> None:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, offence=Offence.SERVICE_QUALITY)
    assert ladder.state.warnings and ladder.state.service_quality_streak == 1
    ladder.violation("CP-2", ViolationKind.SUBSTANTIATED_COMPLAINT, offence=Offence.SERVICE_QUALITY)
    assert ladder.state.penalties[0].trigger == "2 consecutive substantiated service-quality complaints"


def test_an_overdue_rectification_order_brings_a_penalty_and_raises_the_level() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    warning = ladder.state.warnings[0]
    assert warning.order_due is not None
    ladder.pass_deadline(warning.order_due)
    assert warning.status is WarningStatus.ESCALATED
    assert ladder.state.penalties[0].trigger == "warning W1: rectification report overdue"
    assert ladder.state.level == 2  # raised to 2, and a penalty keeps it at least 2


def test_the_statement_window_comes_before_the_decision() -> None:
    ladder = Ladder()
    ladder.violation(
        "CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING
    )
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision()).startswith(
        "the enterprise may state its case until"
    )
    stranger = Statement(
        request_id="x", actor=Actor(id="e2", role=Role.ENTERPRISE, org="other"), penalty_id="P1", text="?"
    )
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, stranger).startswith(
        "submit_statement is for the enterprise"
    )
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement()) == "applied"
    assert ladder.state.penalties[0].status is PenaltyStatus.AWAITING_DECISION
    not_a_supervisor = decision(2)
    not_a_supervisor.actor = ENTERPRISE
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, not_a_supervisor).startswith(
        "decide_penalty is for a supervisor"
    )
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(3)) == "applied"
    penalty = ladder.state.penalties[0]
    assert penalty.status is PenaltyStatus.PAYMENT_DUE and penalty.notice_id == "N1"
    assert penalty.hearing is None and penalty.hearing_outcome.startswith("none: the law gives none")
    [notice] = ladder.state.notices
    assert CODE in notice.text and "fine of 50,000 yuan" in notice.title


def test_without_a_statement_the_window_closes_and_the_supervisor_decides() -> None:
    ladder = Ladder()
    ladder.violation(
        "CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING
    )
    due = ladder.state.penalties[0].statement_due
    assert due is not None
    ladder.pass_deadline(due)
    assert ladder.state.penalties[0].status is PenaltyStatus.AWAITING_DECISION
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement()).startswith(
        "the statement window closed"
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"outcome": "amend", "kind": "fine", "amount": Decimal(600000)},
            "amount: must be from 1 to 500,000 yuan",
        ),
        (
            {"outcome": "amend", "kind": "fine", "amount": Decimal(5000), "illegal_income": Decimal(10000)},
            "amount: must be from 10,000 to 100,000 yuan",
        ),
        (
            {"outcome": "amend", "kind": "suspension"},
            "suspension_days: an amended suspension names its length",
        ),
        (
            {"outcome": "amend", "kind": "suspension", "suspension_days": 400},
            "suspension_days: must be from 1 to 365",
        ),
        ({"outcome": "amend"}, "kind: an amended penalty names its kind"),
        ({"reason": " "}, "reason: must not be empty"),
    ],
)
def test_an_amendment_stays_within_the_laws_bounds(fields: dict, problem: str) -> None:
    ladder = Ladder()
    ladder.violation(
        "CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING
    )
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(**fields)) == problem
    assert (
        ladder.take(
            SupervisionAction.DECIDE_PENALTY,
            decision(2, outcome="amend", kind="fine", amount=Decimal(8000), illegal_income=Decimal(1000)),
        )
        == "applied"
    )
    assert ladder.state.penalties[0].amount == Decimal(8000)


def test_a_dropped_penalty_publishes_nothing() -> None:
    ladder = Ladder()
    ladder.violation(
        "CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING
    )
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    ladder.take(SupervisionAction.DECIDE_PENALTY, decision(outcome="drop", reason="证据不足"))
    assert ladder.state.penalties[0].status is PenaltyStatus.DROPPED and not ladder.state.notices
    assert ladder.state.level == 1


def test_each_penalty_within_the_window_climbs_the_ladder_to_revocation_where_it_ends() -> None:
    ladder = Ladder()
    kinds = []
    for n in range(1, 5):
        ladder.serious(f"CP-{n}")
        assert ladder.decide(f"P{n}", n) == "applied"
        kinds.append((ladder.state.penalties[-1].kind, ladder.state.penalties[-1].amount))
        ladder.later(days=10)
    assert kinds == [
        (PenaltyKind.FINE, Decimal(50000)),
        (PenaltyKind.FINE, Decimal(200000)),
        (PenaltyKind.SUSPENSION, None),
        (PenaltyKind.REVOCATION, None),
    ]
    assert ladder.state.revoked_at == ladder.penalty("P4").decided_at
    ladder.serious("CP-5")
    ladder.violation("CP-6")
    assert len(ladder.state.penalties) == 4 and len(ladder.state.warnings) == 0
    assert ladder.state.history[-1].detail.startswith("violation in case CP-6 recorded: the business licence")


def test_verified_rectification_lifts_the_warning_and_records_a_positive_evaluation() -> None:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, offence=Offence.PRODUCT_QUALITY)
    ladder.report(
        EnterpriseReport(
            credit_code=CODE,
            name="明辉电器",
            policy=POLICY,
            verifications=[
                VerificationReport(key="CP-1:v1", tracking_no="CP-1", round=1, effective=True, at=ladder.now)
            ],
        )
    )
    assert ladder.state.warnings[0].status is WarningStatus.LIFTED
    assert ladder.state.commendations and ladder.state.level == 0


def test_the_enterprises_own_rectification_report_is_verified_by_a_supervisor() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    report = OrderReport(
        request_id="r1",
        actor=ENTERPRISE,
        warning_id="W1",
        cause_analysis="客服排班不足",
        improvement_measures="增设夜班",
        implementation_effect="响应时间缩短一半",
    )
    early = OrderVerification(request_id="v0", actor=SUPERVISOR, warning_id="W1", effective=True, notes="好")
    assert (
        ladder.take(SupervisionAction.VERIFY_ORDER, early)
        == "the enterprise has not handed in its rectification report"
    )
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, report) == "applied"
    failed = OrderVerification(
        request_id="v1", actor=SUPERVISOR, warning_id="W1", effective=False, notes="仍超时"
    )
    assert ladder.take(SupervisionAction.VERIFY_ORDER, failed) == "applied"
    assert ladder.state.warnings[0].status is WarningStatus.ESCALATED
    assert ladder.state.penalties[0].trigger.startswith("warning W1: rectification not effective")
    assert ladder.state.level == 2


def test_a_fine_stays_on_the_record_when_its_cases_are_rectified() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.violation("CP-2")  # a repeat: P1
    ladder.violation("CP-3")  # joins P1 while it awaits its decision
    assert ladder.penalty().tracking_nos == ["CP-2", "CP-3"] and len(ladder.state.penalties) == 1
    ladder.decide()
    for case in ("CP-3", "CP-2"):
        ladder.verified(case)
    fine = ladder.penalty()
    assert fine.status is PenaltyStatus.PAYMENT_DUE and fine.lifted_at is None
    assert fine.verified_cases == ["CP-2", "CP-3"] and len(ladder.state.commendations) == 2
    assert ladder.state.history[-1].detail == (
        "rectification verified in case CP-2: positive evaluation recorded; "
        "P1 (fine of 50,000 yuan) stays on the record"
    )


def test_a_failed_warning_joins_the_pending_proposal_with_its_case_and_raises_the_level() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")  # W1, with its own order
    ladder.violation(
        "CP-2", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.FALSE_ADVERTISING
    )
    assert [p.id for p in ladder.state.penalties] == ["P1"] and ladder.state.level == 2
    warning = ladder.state.warnings[0]
    assert warning.order_due is not None
    ladder.pass_deadline(warning.order_due)
    assert [p.id for p in ladder.state.penalties] == ["P1"]  # joined, not a second proposal
    assert "CP-1" in ladder.state.penalties[0].tracking_nos and ladder.state.level == 3
    ladder.violation("CP-2", ViolationKind.INEFFECTIVE_RECTIFICATION)
    assert ladder.state.level == 3 and len(ladder.state.penalties) == 1  # the top level holds


def test_an_orders_warning_is_an_event_and_the_notice_names_only_the_registered_name() -> None:
    ladder = Ladder()
    ladder.state.name = ladder.name = ""  # not in the registry: reports carry no name
    ladder.violation("CP-1")
    ladder.process.drain()
    warning = ladder.state.warnings[0]
    assert warning.order_due is not None
    ladder.now = warning.order_due.warn_at
    ladder.process.alarm(warning.order_due.key, "warning", ladder.now)
    events, notifications, _ = ladder.process.drain()
    assert [e.kind for e in events] == ["order_warning"] and [n.topic for n in notifications] == [
        "order_warning"
    ]
    ladder.violation("CP-2")
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision()) == "applied"
    assert ladder.state.notices[0].title.startswith(f"enterprise {CODE}:")
