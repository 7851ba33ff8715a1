"""Every workflow the workers run, by the task queue they run on: the workers register these,
and `aftersales check --replay` replays the histories with them."""

from collections.abc import Sequence

from workflows.archive import ArchiveWorkflow
from workflows.complaint import ComplaintWorkflow
from workflows.delivery import NotificationWorkflow
from workflows.enterprise import EnterpriseWorkflow
from workflows.evaluation import EvaluationWorkflow
from workflows.imports import ImportWorkflow
from workflows.report import CycleReportWorkflow
from workflows.verification import VerificationWorkflow

# The cases' task queue (`Settings.task_queue`).
WORKFLOWS: Sequence[type] = (
    ComplaintWorkflow,
    VerificationWorkflow,
    EvaluationWorkflow,
    EnterpriseWorkflow,
    CycleReportWorkflow,
    ArchiveWorkflow,
    ImportWorkflow,
)
# The deliveries' task queue (`Settings.delivery_task_queue`).
DELIVERY_WORKFLOWS: Sequence[type] = (NotificationWorkflow,)
