"""Delivering notifications: the channels, what a delivery workflow is given and learns, and
which failures are worth another try."""

from datetime import timedelta
from enum import StrEnum

from pydantic import Field

from domain.messages import Message

# The error type of a failure the channel says is final: the delivery is not tried again.
PERMANENT_FAILURE = "PermanentFailure"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # the last attempt failed, or a permanent failure: an admin may redeliver


class AttemptResult(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"  # tried again after a backoff
    PERMANENT = "permanent"  # not tried again


# Topics that tell supervisors a clock was breached: never dropped. When none of a supervisor's
# channels takes one, the failure itself goes to the admins.
ESCALATIONS = frozenset(
    {
        "response_overdue",
        "resolution_overdue",
        "investigation_overdue",
        "evidence_overdue",
        "rectification_overdue",
        "verification_overdue",
        "escalated",
        "task_failed",
    }
)


class DeliveryRetry(Message):
    """How long a delivery keeps trying: exponential backoff up to a maximum age."""

    first_interval: timedelta = timedelta(seconds=5)
    backoff: float = Field(default=2.0, ge=1.0)
    max_interval: timedelta = timedelta(minutes=30)
    max_attempts: int = Field(default=10, ge=1)
    max_age: timedelta = timedelta(hours=24)
    attempt_timeout: timedelta = timedelta(minutes=1)  # one try; a worker that died is retried after it

    def after_first_try(self, spent: timedelta) -> "DeliveryRetry | None":
        """The tries left after the first, which began `spent` before the second will: the same
        schedule, one try and `spent` less. None if none is left."""
        if self.max_attempts <= 1 or spent >= self.max_age:
            return None
        return self.model_copy(
            update={
                "first_interval": min(self.first_interval * self.backoff, self.max_interval),
                "max_attempts": self.max_attempts - 1,
                "max_age": self.max_age - spent,
            }
        )


class NotificationDelivery(Message):
    """The input of a notification's delivery workflow."""

    key: str
    retry: DeliveryRetry = Field(default_factory=DeliveryRetry)
    # Planned before the start (or an admin's redelivery): these only. Empty: the workflow
    # plans them itself first, as runs started by earlier versions do.
    delivery_ids: list[int] = Field(default_factory=list)
    escalation: bool = False  # with delivery_ids: see Planned
    # Set when the first tries were made before the start: these are retried after this wait,
    # and `failed` says why the others of an escalation never went out.
    retry_in: timedelta | None = None
    failed: list[str] = Field(default_factory=list)


class Planned(Message):
    """The deliveries a notification needs, each by its row's id; and whether it is an
    escalation, whose failure must itself be raised."""

    delivery_ids: list[int] = Field(default_factory=list)
    escalation: bool = False


class DeadLetter(Message):
    delivery_id: int
    error: str


class Undelivered(Message):
    """An escalation none of whose deliveries went out."""

    key: str
    errors: list[str]
