"""What every process here shares: it is told the time, numbers its events, applies each
request id once, records refusals, and collects events and notifications for the read model."""

from datetime import datetime
from typing import Generic, Protocol, TypeVar

from domain.ids import notification_key
from domain.messages import SYSTEM, Actor, CaseEvent, Command, Message, Notification, Recipient

# How many request ids a workflow remembers; a retry comes within seconds, not after hundreds.
REMEMBERED_REQUESTS = 500
KEPT_REFUSALS = 100
APPLIED = "applied"
V = TypeVar("V")


class Answer(Message, Generic[V]):
    """What became of a request: `APPLIED`, the reason it was refused, or None while the workflow
    has not seen it; once applied, with the workflow's view of itself after it, so the caller
    need not ask again."""

    outcome: str | None = None
    view: V | None = None


def answer(requests: dict[str, str], request_id: str, view: V) -> Answer[V]:
    outcome = requests.get(request_id)
    return Answer(outcome=outcome, view=view if outcome == APPLIED else None)


class Refusal(Message):
    at: datetime
    action: str
    actor: Actor
    request_id: str
    reason: str


def remember(requests: dict[str, str], command: Command, refusal: str | None) -> bool:
    """Note what became of a request: True if it is new. The oldest are forgotten."""
    if command.request_id in requests:
        return False
    requests[command.request_id] = refusal or APPLIED
    while len(requests) > REMEMBERED_REQUESTS:
        del requests[next(iter(requests))]
    return True


class Books(Protocol):
    """The part of a state a process keeps its books in."""

    revision: int
    requests: dict[str, str]
    refusals: list[Refusal]


class Ledger:
    def __init__(self, books: Books, *, key: str, tracking_no: str = "", enterprise_code: str = "") -> None:
        self._books = books
        self._key = key  # prefixes notification keys: unique per workflow
        self._tracking_no, self._enterprise_code = tracking_no, enterprise_code
        self.events: list[CaseEvent] = []
        self.notifications: list[Notification] = []
        self._now = datetime.min

    def _admit(self, action: str, command: Command, refusal: str | None) -> bool:
        """True if the command is new and fits; a repeated request id is ignored, a refusal recorded."""
        books = self._books
        if not remember(books.requests, command, refusal):
            return False
        if refusal is None:
            return True
        books.refusals = [
            *books.refusals,
            Refusal(
                at=self._now,
                action=action,
                actor=command.actor,
                request_id=command.request_id,
                reason=refusal,
            ),
        ][-KEPT_REFUSALS:]
        self._event(
            "refused",
            f"{action} refused: {refusal}",
            command.actor,
            action=action,
            request_id=command.request_id,
            reason=refusal,
        )
        return False

    def _event(self, name: str, summary: str, actor: Actor = SYSTEM, /, **data: object) -> None:
        self._books.revision += 1
        self.events.append(
            CaseEvent(
                seq=self._books.revision, at=self._now, kind=name, summary=summary, actor=actor, data=data
            )
        )

    def _notify(self, topic: str, subject: str, *recipients: Recipient) -> None:
        seq = self._books.revision
        for r in recipients:
            self.notifications.append(
                Notification(
                    key=notification_key(self._key, seq, topic, r.kind, r.ref),
                    recipient=r,
                    topic=topic,
                    subject=subject,
                    tracking_no=self._tracking_no,
                    enterprise_code=self._enterprise_code,
                )
            )
