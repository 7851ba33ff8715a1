"""What crosses the complaint workflow's boundary besides commands: its input and result,
what intake decides, and the question the service layer asks before it sends an action."""

from datetime import datetime

from domain.bureaus import Routing
from domain.complaint.messages import ComplaintIntake
from domain.complaint.state import CaseState
from domain.deadlines import Deadline
from domain.enums import Action, Outcome
from domain.messages import Actor, Message
from domain.policy import Policy
from domain.triage import Triage


class ComplaintInput(Message):
    intake: ComplaintIntake
    state: CaseState | None = None  # set when the case continues as new


class CaseSetup(Message):
    """What intake decides, in one activity: the policy in force, triage, the first deadlines."""

    policy: Policy
    triage: Triage
    deadlines: list[Deadline]
    enterprise_revoked_at: datetime | None = None  # its business licence revoked
    routing: Routing | None = None  # the bureau that handles it; none for a case from before bureaus


class CaseResult(Message):
    tracking_no: str
    outcome: Outcome
    closed_at: datetime
    escalation_level: int
    violations: int


class Recorded(Message):
    """How far the case is written down: its revision now, and the revision whose step is recorded
    in the read model and reported to the enterprise's supervision; with the task it waits on."""

    revision: int
    recorded: int
    task_id: str | None = None


class ActionCheck(Message):
    action: Action
    actor: Actor
