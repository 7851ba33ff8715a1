"""Deadlines as data: what a process asks to be computed, and what the calendar activity
answers. A workflow keeps each as a Temporal timer, its next alarm a warning or the breach."""

from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import model_validator

from domain.enums import DeadlineKind, DeadlineState
from domain.ids import penalty_id, warning_id
from domain.messages import Message
from domain.policy import Policy, Window

AlarmKind = Literal["warning", "breach"]


class Alarm(NamedTuple):
    at: datetime
    what: AlarmKind


def deadline_key(kind: DeadlineKind, round_: int) -> str:
    """`response-1`: names a deadline's timers, and a deadline met before it was computed."""
    return f"{kind}-{round_}"


class DeadlineRequest(Message):
    kind: DeadlineKind
    start: datetime
    round: int = 1
    window: Window | None = None  # instead of the policy's window for the kind
    subject: str = ""  # what the deadline is for, where a state holds several: a warning's id


class Deadline(Message):
    kind: DeadlineKind
    round: int = 1
    subject: str = ""
    started_at: datetime
    due: datetime
    warn_at: datetime
    window: str
    basis: str
    state: DeadlineState = DeadlineState.PENDING
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    ended_at: datetime | None = None

    @model_validator(mode="after")
    def _subject(self) -> "Deadline":
        """Deadlines computed before they named their subject: a supervision numbered its
        warnings and penalties as it numbered their deadlines' rounds."""
        if not self.subject and self.kind in _NUMBERED:
            self.subject = _NUMBERED[self.kind](self.round)
        return self

    @property
    def key(self) -> str:
        return deadline_key(self.kind, self.round)

    @property
    def running(self) -> bool:
        """Pending, or passed unmet: still to be met."""
        return self.state in (DeadlineState.PENDING, DeadlineState.BREACHED)

    def next_alarm(self) -> Alarm | None:
        """When this deadline's timer should fire next, and for what."""
        if self.state is not DeadlineState.PENDING:
            return None
        if self.warned_at is None and self.warn_at < self.due:
            return Alarm(self.warn_at, "warning")
        return Alarm(self.due, "breach")

    def end(self, state: DeadlineState, now: datetime) -> None:
        self.state, self.ended_at = state, now


class DeadlinesInput(Message):
    policy: Policy
    requests: list[DeadlineRequest]


def when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else "—"


_NUMBERED = {DeadlineKind.RECTIFICATION_ORDER: warning_id, DeadlineKind.STATEMENT: penalty_id}
