"""Between a case and its enterprise's supervision: reporting violations with
signal-with-start, and reading the supervision level that sets follow-up verification."""

from datetime import UTC, datetime

from temporalio import activity
from temporalio.client import Client

from db.models import Enterprise, EnterpriseSupervision
from db.policies import PolicyStore
from db.session import Database
from domain.readmodel import ActivityName
from domain.supervision import CaseReport, EnterpriseInput, EnterpriseReport

ENTERPRISE_WORKFLOW = "EnterpriseWorkflow"


def enterprise_workflow_id(credit_code: str) -> str:
    return f"enterprise-{credit_code}"


class SupervisionActivities:
    def __init__(self, db: Database, client: Client, task_queue: str, policies: PolicyStore) -> None:
        self.db, self.client, self.task_queue, self.policies = db, client, task_queue, policies

    @activity.defn(name=ActivityName.REPORT_TO_ENTERPRISE)
    async def report_to_enterprise(self, report: CaseReport) -> None:
        """Signal the enterprise's supervision, starting it with this report if it is its first.
        Each item has a key, so a retried activity is counted once."""
        policy = await self.policies.in_force(datetime.now(UTC))
        async with self.db.sessions() as session:
            registered = await session.get(Enterprise, report.credit_code)
        # Only the registry's name is published; a complainant's spelling never is.
        name = registered.name if registered is not None and registered.registered else ""
        signal = EnterpriseReport(**report.model_dump(exclude={"name"}), name=name, policy=policy)
        await self.client.start_workflow(
            ENTERPRISE_WORKFLOW,
            EnterpriseInput(credit_code=report.credit_code),
            id=enterprise_workflow_id(report.credit_code),
            task_queue=self.task_queue,
            start_signal="report",
            start_signal_args=[signal],
            static_summary=f"supervision of {report.credit_code}",
        )

    @activity.defn(name=ActivityName.SUPERVISION_LEVEL)
    async def supervision_level(self, credit_code: str) -> int:
        async with self.db.sessions() as session:
            row = await session.get(EnterpriseSupervision, credit_code)
        return row.level if row else 0
