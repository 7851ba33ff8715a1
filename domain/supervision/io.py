"""What crosses the supervision workflow's boundary besides reports and commands: its input,
and the question the service layer asks before it sends an action."""

from domain.enums import SupervisionAction
from domain.messages import Actor, Message
from domain.supervision.state import EnterpriseState


class EnterpriseInput(Message):
    credit_code: str
    state: EnterpriseState | None = None  # set when the supervision continues as new


class SupervisionCheck(Message):
    action: SupervisionAction
    actor: Actor
    target: str  # a warning's or a penalty's id
