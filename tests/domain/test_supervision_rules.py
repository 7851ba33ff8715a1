"""Who may take each step on an enterprise's warnings and penalties, and when: every refusal
of the supervision, its request ids applied once, and the tasks' own refusals."""

from datetime import timedelta

import pytest

from domain.deadlines import Deadline
from domain.enums import (
    DeadlineKind,
    Offence,
    PenaltyStatus,
    Role,
    Severity,
    SupervisionAction,
    TaskStatus,
    ViolationKind,
)
from domain.ledger import APPLIED
from domain.messages import Actor, Assignee
from domain.supervision.messages import OrderReport, OrderVerification
from domain.tasks import EvaluationInput, VerificationInput, evaluation_refusal, verification_refusal
from tests.support.processes import (
    CODE,
    ENTERPRISE,
    EVALUATOR,
    INVESTIGATOR,
    REPORT,
    START,
    SUPERVISOR,
    Ladder,
    decision,
    statement,
)

STRANGER = Actor(id="ent-other", role=Role.ENTERPRISE, org="91440300MA5F8R7T1F")
CLERK = Actor(id="clerk-1", role=Role.CLERK)


def warned() -> Ladder:
    """A first violation: warning W1, with an order of its own."""
    ladder = Ladder()
    ladder.violation("CP-1")
    return ladder


def proposed() -> Ladder:
    """A serious violation: penalty P1, its statement window open."""
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, Severity.SERIOUS, Offence.PRODUCT_SAFETY)
    return ladder


def order_report(n: int = 1, actor: Actor = ENTERPRISE, warning: str = "W1", **fields: str) -> OrderReport:
    return OrderReport(request_id=f"r{n}", actor=actor, warning_id=warning, **(REPORT | fields))


def verification(n: int = 1, actor: Actor = SUPERVISOR, effective: bool = True) -> OrderVerification:
    return OrderVerification(
        request_id=f"v{n}", actor=actor, warning_id="W1", effective=effective, notes="核查"
    )


def test_the_enterprises_steps_are_its_own() -> None:
    ladder = proposed()
    for actor in (STRANGER, SUPERVISOR):
        wrong = statement()
        wrong.actor = actor
        wrong.request_id = f"s-{actor.id}"
        assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, wrong) == (
            f"submit_statement is for the enterprise {CODE} itself"
        )
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report(actor=STRANGER)) == (
        f"submit_order_report is for the enterprise {CODE} itself"
    )


@pytest.mark.parametrize("actor", [CLERK, ENTERPRISE, INVESTIGATOR])
def test_decisions_and_verifications_are_a_supervisors(actor: Actor) -> None:
    ladder = warned()
    not_theirs = verification(actor=actor)
    assert ladder.take(SupervisionAction.VERIFY_ORDER, not_theirs) == (
        f"verify_order is for a supervisor, not the {actor.role}"
    )


def test_a_step_names_a_warning_or_penalty_that_exists() -> None:
    ladder = warned()
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement("P9")) == "there is no penalty P9"
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report(warning="W9")) == (
        "there is no warning W9"
    )


def test_a_statement_is_given_once_within_its_window() -> None:
    ladder = proposed()
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement(n=1)) == APPLIED
    assert ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement(n=2)) == (
        "the enterprise has already stated its case"
    )


def test_a_decided_penalty_takes_no_more_steps() -> None:
    ladder = proposed()
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(1)) == APPLIED
    assert ladder.state.penalties[0].status is PenaltyStatus.PAYMENT_DUE
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(2)) == "penalty P1 is payment_due"


def test_a_decision_gives_its_reason() -> None:
    ladder = proposed()
    ladder.take(SupervisionAction.SUBMIT_STATEMENT, statement())
    assert ladder.take(SupervisionAction.DECIDE_PENALTY, decision(reason="  ")) == "reason: must not be empty"


def test_a_warning_ended_takes_no_more_steps() -> None:
    ladder = warned()
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report()) == APPLIED
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report(2)) == (
        "the rectification report is already in"
    )
    assert ladder.take(SupervisionAction.VERIFY_ORDER, verification(1)) == APPLIED
    assert ladder.take(SupervisionAction.VERIFY_ORDER, verification(2)) == "warning W1 is lifted"


def test_a_warning_answered_in_its_case_takes_no_report_of_its_own() -> None:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT, offence=Offence.PRODUCT_QUALITY)
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report()) == (
        "warning W1 is answered by the rectification ordered in case CP-1"
    )


def test_a_report_names_its_cause_measures_and_effect() -> None:
    ladder = warned()
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, order_report(implementation_effect=" ")) == (
        "implementation_effect: must not be empty"
    )


def test_a_repeated_request_id_is_applied_once() -> None:
    ladder = warned()
    report = order_report()
    assert ladder.take(SupervisionAction.SUBMIT_ORDER_REPORT, report) == APPLIED
    revision = ladder.state.revision
    assert ladder.process.take(SupervisionAction.SUBMIT_ORDER_REPORT, report, ladder.now) is False
    assert ladder.state.revision == revision


def test_a_report_that_arrives_twice_counts_once() -> None:
    ladder = warned()
    ladder.n -= 1  # the same key again: "CP-1:1"
    ladder.violation("CP-1")
    assert [v.key for v in ladder.state.violations] == ["CP-1:1"]
    assert len(ladder.state.warnings) == 1


def test_every_refusal_is_on_the_record() -> None:
    ladder = warned()
    ladder.take(SupervisionAction.VERIFY_ORDER, verification(actor=CLERK))
    [refusal] = ladder.state.refusals
    assert (refusal.action, refusal.actor.id) == (SupervisionAction.VERIFY_ORDER, CLERK.id)


# --- the tasks --------------------------------------------------------------------------------


def _deadline(kind: DeadlineKind, days: int) -> Deadline:
    return Deadline(
        kind=kind, started_at=START, due=START + timedelta(days=days), warn_at=START, window="", basis=""
    )


VERIFY = VerificationInput(
    task_id="t-1",
    tracking_no="CP-1",
    enterprise_code=CODE,
    round=1,
    investigator=Assignee(id=INVESTIGATOR.id, name=INVESTIGATOR.name),
    opens=_deadline(DeadlineKind.VERIFICATION_CHECK, 30),
    due=_deadline(DeadlineKind.VERIFICATION, 37),
)
EVALUATE = EvaluationInput(
    task_id="t-2",
    tracking_no="CP-1",
    enterprise_code=CODE,
    agency=Assignee(id=EVALUATOR.org or "", name=EVALUATOR.name),
    due=_deadline(DeadlineKind.EVALUATION, 7),
)


def test_a_verification_is_the_assigned_investigators_once_it_opens() -> None:
    other = Actor(id="inv-chen", role=Role.INVESTIGATOR)
    assert verification_refusal(VERIFY, TaskStatus.SCHEDULED, False, INVESTIGATOR) == (
        f"verification opens {VERIFY.opens.due.isoformat()}"
    )
    assert verification_refusal(VERIFY, TaskStatus.OPEN, False, other) == (
        "this verification is assigned to another investigator"
    )
    assert verification_refusal(VERIFY, TaskStatus.OPEN, False, SUPERVISOR) == (
        "verification is for the investigator, not the supervisor"
    )
    assert verification_refusal(VERIFY, TaskStatus.OPEN, False, INVESTIGATOR) is None
    assert verification_refusal(VERIFY, TaskStatus.OPEN, True, INVESTIGATOR) == (
        "the verification result is already in"
    )


def test_an_evaluation_is_the_assigned_agencys_while_open() -> None:
    other = Actor(id="eval-x", role=Role.EVALUATOR, org="agency-x")
    assert evaluation_refusal(EVALUATE, TaskStatus.OPEN, False, EVALUATOR) is None
    assert evaluation_refusal(EVALUATE, TaskStatus.OPEN, False, other) == (
        "this evaluation is assigned to another agency"
    )
    assert evaluation_refusal(EVALUATE, TaskStatus.OPEN, False, INVESTIGATOR) == (
        "evaluation is for the third-party agency, not the investigator"
    )
    assert evaluation_refusal(EVALUATE, TaskStatus.EXPIRED, False, EVALUATOR) == "the evaluation is closed"
    assert evaluation_refusal(EVALUATE, TaskStatus.OPEN, True, EVALUATOR) == "the evaluation is already in"
