"""The child workflows' inputs: follow-up verification and third-party evaluation."""

from domain.case import Deadline
from domain.messages import Assignee, Message


class VerificationInput(Message):
    task_id: str
    tracking_no: str
    enterprise_code: str
    round: int
    investigator: Assignee
    opens: Deadline  # the check date: verification opens when it passes
    due: Deadline  # the investigator verifies by then


class EvaluationInput(Message):
    task_id: str
    tracking_no: str
    enterprise_code: str
    agency: Assignee
    due: Deadline
