"""Who takes a case: the investigator, or the evaluation agency, with the fewest open ones."""

from sqlalchemy import func, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.models import Account, Agency, Complaint, Task
from db.session import Database
from domain.enums import CaseStatus, Role, TaskKind, TaskStatus
from domain.ids import ActivityName
from domain.messages import Assignee


class AssignmentActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name=ActivityName.ASSIGN_INVESTIGATOR)
    async def assign_investigator(self, tracking_no: str) -> Assignee:
        open_cases = (
            select(Complaint.investigator_id, func.count().label("n"))
            .where(Complaint.status != CaseStatus.CLOSED.value, Complaint.tracking_no != tracking_no)
            .group_by(Complaint.investigator_id)
            .subquery()
        )
        query = (
            select(Account.id, Account.display_name)
            .outerjoin(open_cases, open_cases.c.investigator_id == Account.id)
            .where(Account.role == Role.INVESTIGATOR.value, Account.active.is_(True))
            .order_by(func.coalesce(open_cases.c.n, 0), Account.id)
            .limit(1)
        )
        async with self.db.sessions() as session:
            found = (await session.execute(query)).first()
        if found is None:  # retried until an investigator account exists
            raise ApplicationError("no active investigator account", type="NoInvestigator")
        return Assignee(id=found.id, name=found.display_name)

    @activity.defn(name=ActivityName.ASSIGN_AGENCY)
    async def assign_agency(self, tracking_no: str) -> Assignee:
        open_tasks = (
            select(Task.assignee_id, func.count().label("n"))
            .where(
                Task.kind == TaskKind.EVALUATION.value,
                Task.status.in_([TaskStatus.SCHEDULED.value, TaskStatus.OPEN.value]),
            )
            .group_by(Task.assignee_id)
            .subquery()
        )
        query = (
            select(Agency.id, Agency.name)
            .outerjoin(open_tasks, open_tasks.c.assignee_id == Agency.id)
            .where(Agency.active.is_(True))
            .order_by(func.coalesce(open_tasks.c.n, 0), Agency.id)
            .limit(1)
        )
        async with self.db.sessions() as session:
            found = (await session.execute(query)).first()
        if found is None:
            raise ApplicationError("no active evaluation agency", type="NoAgency")
        return Assignee(id=found.id, name=found.name)
