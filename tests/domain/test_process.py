"""The complaint process as pure rules: what the workflow tests reach only by racing."""

from datetime import timedelta

from activities.deadlines import compute_deadline
from domain.complaint.io import CaseSetup
from domain.complaint.messages import Escalate, RequestEvidence, SubmitEvidence
from domain.complaint.process import CaseProcess
from domain.deadlines import DeadlineRequest
from domain.enums import Action, DeadlineKind, DeadlineState, Role
from domain.messages import Actor, Assignee
from domain.triage import Triage
from tests.domain.test_ladder import CALENDAR, POLICY
from tests.support import ENTERPRISE, SUPERVISOR, command, intake


def registered() -> CaseProcess:
    case = intake()
    first = [
        DeadlineRequest(kind=kind, start=case.received_at)
        for kind in (DeadlineKind.RESPONSE, DeadlineKind.RESOLUTION)
    ]
    setup = CaseSetup(
        policy=POLICY,
        triage=Triage(
            category="product_quality", severity="moderate", priority="p3", rule="default", reasons=[]
        ),
        deadlines=[compute_deadline(POLICY, r, CALENDAR) for r in first],
    )
    return CaseProcess.register(case, setup, case.received_at)


def settle(process: CaseProcess) -> None:
    wanted, process.wanted = process.wanted, []
    process.deadlines_computed([compute_deadline(POLICY, r, CALENDAR) for r in wanted], process._now)


def test_evidence_submitted_before_its_deadline_is_computed_still_meets_it() -> None:
    process = registered()
    now = process.state.intake.received_at
    process.take(Action.ESCALATE, command(Escalate, SUPERVISOR, reason="需调查"), now)
    settle(process)
    process.investigator_assigned(Assignee(id="inv-li", name="李强"), now)
    investigator = Actor(id="inv-li", role=Role.INVESTIGATOR)
    process.take(Action.REQUEST_EVIDENCE, command(RequestEvidence, investigator, items="发票"), now)
    # The enterprise answers while the evidence deadline is still being computed.
    process.take(
        Action.SUBMIT_EVIDENCE,
        command(SubmitEvidence, ENTERPRISE, description="发票一张"),
        now + timedelta(seconds=1),
    )
    settle(process)
    evidence = process.state.deadline(DeadlineKind.EVIDENCE)
    assert evidence is not None and evidence.state is DeadlineState.MET and not process.state.met_early


def test_a_cause_at_the_level_already_reached_does_not_escalate_again() -> None:
    process = registered()
    now = process.state.intake.received_at
    process.take(Action.ESCALATE, command(Escalate, SUPERVISOR, reason="安全隐患"), now)
    response = process.state.deadline(DeadlineKind.RESPONSE)
    assert response is not None
    process.alarm(response.key, "warning", response.warn_at)
    process.alarm(response.key, "breach", response.due)
    assert process.state.escalation_level == 2
    assert [e.level for e in process.state.escalations] == [2]  # no "level 2: did not respond" rise
    kinds = [e.kind for e in process.events]
    assert "escalation_cause" in kinds
