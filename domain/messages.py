"""The vocabulary every workflow shares: who acts, what they send, who is told, what happened.

These models are data, not forms: the service layer validates what people send, and these
keep what was accepted. Unknown fields are ignored and every new field gets a default, so old
histories still decode.
"""

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import RecipientKind, Role


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Actor(Message):
    id: str
    role: Role
    org: str | None = None  # an enterprise's credit code, an agency's id
    name: str = ""

    def label(self) -> str:
        return f"{self.role} {self.name or self.id}"


SYSTEM = Actor(id="system", role=Role.SYSTEM, name="the workflow")


def blank(command: "Command", *names: str) -> str | None:
    """The first of the named text fields that is blank, as a refusal."""
    for name in names:
        if not str(getattr(command, name)).strip():
            return f"{name}: must not be empty"
    return None


class Command(Message):
    """A party's request of a workflow: who sent it, and a request id applied once.

    `problem()` says what is wrong with its content, if anything: the workflow refuses such a
    command even when it arrives by another road than the service layer (the temporal CLI)."""

    request_id: str
    actor: Actor
    texts: ClassVar[tuple[str, ...]] = ()  # the fields that must not be blank

    def problem(self) -> str | None:
        return blank(self, *self.texts)


class Recipient(Message):
    kind: RecipientKind
    ref: str

    @classmethod
    def role(cls, role: Role) -> "Recipient":
        return cls(kind=RecipientKind.ROLE, ref=role)

    @classmethod
    def account(cls, account_id: str) -> "Recipient":
        return cls(kind=RecipientKind.ACCOUNT, ref=account_id)

    @classmethod
    def enterprise(cls, credit_code: str) -> "Recipient":
        return cls(kind=RecipientKind.ENTERPRISE, ref=credit_code)

    @classmethod
    def agency(cls, agency_id: str) -> "Recipient":
        return cls(kind=RecipientKind.AGENCY, ref=agency_id)

    @classmethod
    def consumer(cls, tracking_no: str) -> "Recipient":
        return cls(kind=RecipientKind.CONSUMER, ref=tracking_no)

    @classmethod
    def bureau(cls, code: str) -> "Recipient":
        """The supervisors of one bureau."""
        return cls(kind=RecipientKind.BUREAU, ref=code)


SUPERVISORS = Recipient.role(Role.SUPERVISOR)


class Notification(Message):
    key: str  # unique: a retried activity writes it once
    recipient: Recipient
    topic: str
    subject: str
    tracking_no: str = ""
    enterprise_code: str = ""


class CaseEvent(Message):
    seq: int
    at: datetime
    kind: str
    summary: str
    actor: Actor = SYSTEM
    data: dict[str, Any] = Field(default_factory=dict)


class Assignee(Message):
    id: str
    name: str
