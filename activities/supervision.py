"""Between a case and its enterprise's supervision: reporting violations with
signal-with-start, and reading the supervision level that sets follow-up verification."""

from datetime import UTC, datetime

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.asking import unless_stopping
from db.models import Enterprise
from db.policies import PolicyStore
from db.session import Database
from domain.ids import ActivityName, enterprise_workflow_id
from domain.supervision.io import EnterpriseInput
from domain.supervision.messages import PROCEDURE, CaseReport, EnterpriseReport
from workflows.enterprise import REPORT, EnterpriseWorkflow


class SupervisionActivities:
    def __init__(self, db: Database, client: Client, task_queue: str, policies: PolicyStore) -> None:
        self.db, self.client, self.task_queue, self.policies = db, client, task_queue, policies

    @activity.defn(name=ActivityName.REPORT_TO_ENTERPRISE)
    async def report_to_enterprise(self, report: CaseReport) -> None:
        await self.report(report)

    async def report(self, report: CaseReport) -> None:
        """Signal the enterprise's supervision, starting it with this report if it is its first.
        Each item has a key, so a report sent again is counted once."""
        policy = await self.policies.in_force(datetime.now(UTC))
        async with self.db.sessions() as session:
            registered = await session.get(Enterprise, report.credit_code)
        # Only the registry's name is published; a complainant's spelling never is.
        name = registered.name if registered is not None and registered.registered else ""
        signal = EnterpriseReport(
            **report.model_dump(exclude={"name"}), name=name, policy=policy, procedure=PROCEDURE
        )
        await self.client.start_workflow(
            EnterpriseWorkflow.run,
            EnterpriseInput(credit_code=report.credit_code),
            id=enterprise_workflow_id(report.credit_code),
            task_queue=self.task_queue,
            start_signal=REPORT,
            start_signal_args=[signal],
            static_summary=f"supervision of {report.credit_code}",
        )

    @activity.defn(name=ActivityName.SUPERVISION_LEVEL)
    async def supervision_level(self, credit_code: str) -> int:
        """The level now, asked of the supervision itself (the read model may lag behind it)."""
        handle = self.client.get_workflow_handle_for(
            EnterpriseWorkflow.run, enterprise_workflow_id(credit_code)
        )
        try:
            return await unless_stopping(handle.query(EnterpriseWorkflow.level), "the supervision")
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:  # never reported: not under supervision
                return 0
            raise
