"""What every process here shares: it is told the time, numbers its events, applies each
request id once, records refusals, and collects events and notifications for the read model."""

from datetime import datetime
from typing import Protocol

from domain.case import REMEMBERED_REQUESTS, Refusal
from domain.messages import SYSTEM, Actor, CaseEvent, Command, Notification, Recipient

KEPT_REFUSALS = 100


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
        if command.request_id in books.requests:
            return False
        books.requests[command.request_id] = refusal or "applied"
        while len(books.requests) > REMEMBERED_REQUESTS:
            del books.requests[next(iter(books.requests))]
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
                    key=f"{self._key}:{seq}:{topic}:{r.kind}:{r.ref}",
                    recipient=r,
                    topic=topic,
                    subject=subject,
                    tracking_no=self._tracking_no,
                    enterprise_code=self._enterprise_code,
                )
            )


def when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else "—"
