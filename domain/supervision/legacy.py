"""The ladder as supervisions begun before penalties had lives of their own keep it.

Until policy 2026.3 a decided penalty was simply `confirmed`, verified rectification lifted it
whatever its kind, no hearing was offered and grounds were not counted. A supervision workflow
whose run began then replays its history with these rules (the workflow chooses this class by
`workflow.patched`), and keeps them until it continues as new; the new run adopts its record
into the procedure (`SupervisionProcess.adopt`). Nothing else may use this class.
"""

from collections.abc import Callable
from datetime import datetime

from domain.enums import DecisionOutcome, PenaltyStatus
from domain.messages import SYSTEM, Actor
from domain.supervision.messages import PenaltyDecision, ViolationReport
from domain.supervision.procedure import amend
from domain.supervision.process import SupervisionProcess
from domain.supervision.state import Commendation, IssuedWarning, Penalty


class LegacyLadder(SupervisionProcess):
    def adopt(self, now: datetime) -> None:
        """A legacy run carries its record as it is."""

    def _answered(self, g: str) -> Penalty | IssuedWarning | None:
        """Grounds were not counted."""
        return None

    def _propose_penalty(
        self,
        trigger: str,
        reports: list[ViolationReport],
        grounds: list[str],
        cases: list[str] | None = None,
    ) -> None:
        super()._propose_penalty(trigger, reports, [], cases)  # grounds were not counted

    def _hearing_offered(self, penalty: Penalty) -> bool:
        """No hearing was offered."""
        return False

    def _decide_penalty(self, cmd: PenaltyDecision) -> None:
        penalty = self._penalty(cmd.penalty_id)
        self._decided(penalty, cmd)
        if cmd.outcome is DecisionOutcome.DROP:
            self._drop(penalty, cmd)
            return
        if cmd.outcome is DecisionOutcome.AMEND:
            amend(penalty, cmd)
        penalty.status = PenaltyStatus.CONFIRMED
        self._history(
            "penalty_confirmed",
            f"penalty {penalty.id} {cmd.outcome}ed: {penalty.describe()}",
            actor=cmd.actor,
        )
        self._publish(penalty)
        self._notify(
            "penalty_confirmed", f"Penalty {penalty.id} decided: {penalty.describe()}", self._enterprise()
        )

    def _rectified(
        self,
        concerns: Callable[[str], bool],
        cause: str,
        key: str | None,
        *,
        by: Actor = SYSTEM,
        also: IssuedWarning | None = None,
    ) -> None:
        """Lift the warnings and confirmed penalties of the cases `concerns` selects (and `also`)."""
        state, lifted = self.state, self._lift_warnings(concerns, also)
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
