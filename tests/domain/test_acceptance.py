"""The regulator's own clocks, as pure rules: the bureau decides within 7 working days whether it
accepts a complaint, on the grounds the law gives; undecided, the case counts as accepted and
the bureau above is told; mediation ends 45 working days after acceptance without agreement."""

from datetime import UTC, datetime, timedelta

from activities.deadlines import compute_deadline
from domain.bureaus import Routing
from domain.complaint.io import CaseSetup
from domain.complaint.messages import Admit, Decline, Respond, Transfer
from domain.complaint.process import CaseProcess
from domain.deadlines import DeadlineRequest
from domain.enums import (
    Action,
    CaseStatus,
    Category,
    DeadlineKind,
    DeadlineState,
    DeclineGround,
    Outcome,
    Priority,
    Severity,
)
from domain.ledger import APPLIED
from domain.readmodel import snapshot
from domain.triage import Triage
from tests.support import CALENDAR, ENTERPRISE, POLICY, SUPERVISOR, command, intake

ROUTED = Routing(bureau="440305", name="南山局", rule="enterprise-division", reason="", above="440300")
LONG_RESOLUTION = POLICY.model_copy(
    update={
        "windows": POLICY.windows.model_copy(
            update={"resolution": POLICY.windows.mediation.model_copy(update={"working_days": 60})}
        )
    }
)


class Bench:
    """A case received at `received`, handled by Nanshan's bureau, driven step by step."""

    def __init__(self, received: datetime, policy=POLICY) -> None:  # type: ignore[no-untyped-def]
        self.policy, self.now = policy, received
        kinds = (DeadlineKind.RESPONSE, DeadlineKind.RESOLUTION, DeadlineKind.ACCEPTANCE)
        setup = CaseSetup(
            policy=policy,
            triage=Triage(
                category=Category.PRODUCT_QUALITY,
                severity=Severity.MODERATE,
                priority=Priority.P3,
                rule="test",
                reasons=[],
            ),
            deadlines=[
                compute_deadline(policy, DeadlineRequest(kind=k, start=received), CALENDAR) for k in kinds
            ],
            routing=ROUTED,
        )
        self.process = CaseProcess.register(intake(received_at=received), setup, received)
        self.settle()

    def settle(self) -> None:
        wanted, self.process.wanted = self.process.wanted, []
        self.process.deadlines_computed(
            [compute_deadline(self.policy, r, CALENDAR) for r in wanted], self.now
        )

    def send(self, action: Action, cmd: object) -> str:
        self.process.take(action, cmd, self.now)  # type: ignore[arg-type]
        self.settle()
        return self.process.state.requests[cmd.request_id]  # type: ignore[attr-defined]

    def lapse(self, kind: DeadlineKind) -> None:
        d = self.process.state.deadline(kind)
        assert d is not None
        for what, at in (("warning", d.warn_at), ("breach", d.due)):
            self.now = at
            self.process.alarm(d.key, what, at)  # type: ignore[arg-type]
        self.settle()

    def notified(self) -> list[tuple[str, str, str]]:
        _, notifications, _ = self.process.drain()
        return [(n.topic, n.recipient.kind, n.recipient.ref) for n in notifications]


START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_a_supervisor_accepts_within_the_window_and_mediations_clock_starts() -> None:
    bench = Bench(START)
    acceptance = bench.process.state.deadline(DeadlineKind.ACCEPTANCE)
    assert acceptance is not None and acceptance.window == "7 working days"
    bench.notified()
    bench.now += timedelta(days=2)
    assert bench.send(Action.ADMIT, command(Admit, SUPERVISOR, note="属本局管辖")) == APPLIED
    state = bench.process.state
    assert state.admission is not None and state.admission.outcome == "admitted"
    assert acceptance.state is DeadlineState.MET
    mediation = state.deadline(DeadlineKind.MEDIATION)
    assert (
        mediation is not None and mediation.window == "45 working days" and mediation.started_at == bench.now
    )
    assert ("admitted", "consumer", state.tracking_no) in bench.notified()
    refused = bench.send(Action.DECLINE, command(Decline, SUPERVISOR, ground=DeclineGround.OVER_THREE_YEARS))
    assert refused.startswith("acceptance was decided")


def test_a_complaint_declined_on_a_ground_closes_as_not_accepted() -> None:
    bench = Bench(START)
    decline = command(Decline, SUPERVISOR, ground=DeclineGround.NOT_PERSONAL_CONSUMPTION, note="批量采购")
    assert bench.send(Action.DECLINE, decline) == APPLIED
    state = bench.process.state
    assert (state.status, state.outcome) == (CaseStatus.CLOSED, Outcome.NOT_ADMITTED)
    assert "not_personal_consumption" in state.closing_note and "批量采购" in state.closing_note
    assert all(not d.running for d in state.deadlines)
    assert snapshot(state, "w").admission == "declined"
    refused = bench.send(Action.RESPOND, command(Respond, ENTERPRISE, message="已联系"))
    assert refused.startswith("the case is closed")


def test_undecided_when_the_window_closes_it_counts_as_accepted_and_the_bureau_above_is_told() -> None:
    bench = Bench(START)
    bench.notified()
    bench.lapse(DeadlineKind.ACCEPTANCE)
    state = bench.process.state
    acceptance = state.deadline(DeadlineKind.ACCEPTANCE)
    assert acceptance is not None and acceptance.state is DeadlineState.BREACHED
    assert state.admission is not None and (state.admission.outcome, state.admission.at) == (
        "deemed",
        acceptance.due,
    )
    told = bench.notified()
    assert ("acceptance_warning", "bureau", "440305") in told
    assert ("acceptance_overdue", "bureau", "440300") in told  # the bureau above
    assert snapshot(state, "w").admission == "deemed"
    refused = bench.send(Action.DECLINE, command(Decline, SUPERVISOR, ground=DeclineGround.OVER_THREE_YEARS))
    assert refused.startswith("acceptance was decided") and "(deemed)" in refused


def test_mediation_ends_45_working_days_after_acceptance_across_the_national_day_holiday() -> None:
    received = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # a Tuesday; National Day's week lies ahead
    bench = Bench(received, LONG_RESOLUTION)  # a resolution window long enough for mediation to run out
    bench.send(Action.RESPOND, command(Respond, ENTERPRISE, message="正在协商"))
    assert bench.send(Action.ADMIT, command(Admit, SUPERVISOR)) == APPLIED
    mediation = bench.process.state.deadline(DeadlineKind.MEDIATION)
    assert mediation is not None
    # Counted by hand on the calendar: 45 working days after 1 September, National Day's rest days
    # (1-7 October, with the working weekends around them) not among them.
    day, counted = received.date(), 0
    while counted < 45:
        day += timedelta(days=1)
        counted += CALENDAR.is_working_day(day)
    assert mediation.due.astimezone(POLICY.tz).date() == day + timedelta(days=1)  # its 24:00
    assert (day - received.date()).days > 45 * 7 // 5 + 5  # the holiday pushed it on
    bench.notified()
    assert not snapshot(bench.process.state, "w").mediation_timed_out

    bench.lapse(DeadlineKind.MEDIATION)
    state = bench.process.state
    assert snapshot(state, "w").mediation_timed_out and snapshot(state, "w").admission == "admitted"
    assert mediation.state is DeadlineState.BREACHED and state.status is CaseStatus.INVESTIGATING
    assert (
        state.investigation is not None and state.investigation.cause == "mediation ended without agreement"
    )
    told = bench.notified()
    for party in (
        ("consumer", state.tracking_no),
        ("enterprise", state.enterprise_code),
        ("bureau", "440305"),
    ):
        assert ("mediation_ended", *party) in told


def test_a_case_received_before_the_acceptance_clock_counts_as_accepted() -> None:
    bench = Bench(START)
    bench.process.state.deadlines = [
        d for d in bench.process.state.deadlines if d.kind is not DeadlineKind.ACCEPTANCE
    ]
    refused = bench.send(Action.ADMIT, command(Admit, SUPERVISOR))
    assert "received before acceptance decisions were recorded" in refused


def _transfer(to: str = "440306") -> Transfer:
    target = Routing(bureau=to, name="宝安局", rule="transfer", reason="transferred", above="440300")
    return command(Transfer, SUPERVISOR, to_bureau=to, reason="经营地在宝安", target=target)


def test_a_transfer_moves_the_case_and_starts_its_acceptance_clock_anew_the_enterprises_run_on() -> None:
    bench = Bench(START)
    response = bench.process.state.deadline(DeadlineKind.RESPONSE)
    first = bench.process.state.deadline(DeadlineKind.ACCEPTANCE)
    bench.notified()
    bench.now += timedelta(days=3)
    assert bench.send(Action.TRANSFER, _transfer()) == APPLIED
    state = bench.process.state
    assert state.routing is not None and state.routing.bureau == "440306"
    [moved] = state.transfers
    assert (moved.from_bureau, moved.to_bureau, moved.at) == ("440305", "440306", bench.now)
    again = state.deadline(DeadlineKind.ACCEPTANCE)
    assert first is not None and first.state is DeadlineState.CLOSED
    assert again is not None and again is not first and again.started_at == bench.now and again.round == 2
    assert state.deadline(DeadlineKind.RESPONSE) is response and response is not None and response.running
    told = bench.notified()
    assert {("transferred", "bureau", "440305"), ("transferred", "bureau", "440306")} <= set(told)
    recorded = snapshot(state, "w")
    assert (recorded.bureau_code, recorded.transfers, recorded.transferred_at) == ("440306", 1, bench.now)

    assert bench.send(Action.ADMIT, command(Admit, SUPERVISOR)) == APPLIED
    assert again.state is DeadlineState.MET
    refused = bench.send(Action.TRANSFER, _transfer("440305"))
    assert refused.startswith("a case is transferred before its acceptance is decided")
