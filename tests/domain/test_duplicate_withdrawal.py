"""A case confirmed to repeat an earlier one counts once: its violations are withdrawn from the
enterprise's supervision, with what rests on nothing else."""

from domain.complaint.messages import Reject
from domain.enums import (
    Action,
    DeadlineKind,
    DeadlineState,
    PenaltyStatus,
    RejectionReason,
    WarningStatus,
)
from domain.ledger import APPLIED
from tests.support import SUPERVISOR, command
from tests.support.processes import CaseBench, Ladder


def test_a_proposal_resting_only_on_the_duplicate_is_dropped_and_the_original_still_counts() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.later(days=3)
    ladder.violation("CP-2")  # a repeat within the window: a penalty proposal
    penalty = ladder.penalty()
    assert penalty.status is PenaltyStatus.PROPOSED and ladder.state.level == 2

    ladder.later(hours=2)
    ladder.withdrawn("CP-2", duplicate_of="CP-1")
    assert penalty.status is PenaltyStatus.DROPPED
    assert penalty.statement_due is not None and penalty.statement_due.state is DeadlineState.CLOSED
    assert [v.tracking_no for v in ladder.state.violations] == ["CP-1"]
    # As with a proposal a supervisor drops, the level comes down once nothing stands.
    assert ladder.state.warnings[0].status is WarningStatus.ACTIVE and ladder.state.level == 2
    assert [s.step for s in ladder.state.history[-2:]] == ["violations_withdrawn", "penalty_dropped"]

    ladder.later(days=1)
    ladder.violation("CP-3")  # the original still counts: a repeat again
    assert (
        ladder.penalty("P2").trigger.startswith("repeat violation") and "CP-1" in ladder.penalty("P2").trigger
    )


def test_a_warning_issued_only_for_the_duplicate_is_withdrawn_with_its_order() -> None:
    ladder = Ladder()
    ladder.violation("CP-2")
    [warning] = ladder.state.warnings
    assert warning.order_due is not None and ladder.state.level == 1
    ladder.process.drain()

    ladder.withdrawn("CP-2", duplicate_of="CP-1")
    assert warning.status is WarningStatus.WITHDRAWN and warning.order_due.state is DeadlineState.CLOSED
    assert ladder.state.level == 0 and not ladder.state.violations
    _, notifications, _ = ladder.process.drain()
    assert [n.topic for n in notifications] == ["warning_withdrawn"]

    ladder.violation("CP-3")  # nothing earlier in the window: a first warning, not a penalty
    assert [w.id for w in ladder.state.warnings] == ["W1", "W2"] and not ladder.state.penalties


def test_a_proposal_with_other_cases_stands_without_the_duplicate_and_goes_back_to_the_supervisors() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.violation("CP-2")
    ladder.violation("CP-3")  # joins P1
    penalty = ladder.penalty()
    assert penalty.tracking_nos == ["CP-2", "CP-3"]
    ladder.process.drain()

    ladder.withdrawn("CP-2", duplicate_of="CP-1")
    assert penalty.status is PenaltyStatus.PROPOSED and penalty.tracking_nos == ["CP-3"]
    assert penalty.violation_keys == ladder.keys["CP-3"]
    _, notifications, _ = ladder.process.drain()
    assert [(n.topic, n.recipient.ref) for n in notifications] == [("penalty_reviewed", "supervisor")]


def test_a_decided_penalty_stands_and_a_withdrawal_arriving_twice_counts_once() -> None:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.violation("CP-2")
    assert ladder.decide() == APPLIED
    status = ladder.penalty().status

    ladder.withdrawn("CP-2", duplicate_of="CP-1")
    ladder.withdrawn("CP-2", duplicate_of="CP-1")
    assert ladder.penalty().status is status and status is not PenaltyStatus.DROPPED
    assert [s.step for s in ladder.state.history].count("violations_withdrawn") == 1
    assert "P1, decided, stands" in ladder.state.history[-1].detail


def test_a_case_rejected_as_a_duplicate_withdraws_its_own_violations() -> None:
    bench = CaseBench()
    bench.pass_(DeadlineKind.RESPONSE)
    [violation] = bench.state.violations
    bench.events()

    reject = command(Reject, SUPERVISOR, reason=RejectionReason.DUPLICATE, duplicate_of="CP-1")
    assert bench.send(Action.REJECT, reject) == APPLIED
    assert violation.withdrawn_at == bench.now and bench.process.withdrawn == [violation]
    assert bench.state.duplicate_of == "CP-1"
    assert bench.events() == ["violations_withdrawn", "closed"]


def test_a_case_rejected_as_out_of_scope_keeps_its_violations() -> None:
    bench = CaseBench()
    bench.pass_(DeadlineKind.RESPONSE)
    reject = command(Reject, SUPERVISOR, reason=RejectionReason.OUT_OF_SCOPE)
    assert bench.send(Action.REJECT, reject) == APPLIED
    assert bench.state.violations[0].withdrawn_at is None and not bench.process.withdrawn
