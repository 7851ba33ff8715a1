"""The cycle report across two cycles, through the real report workflow."""

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.metrics import compute
from db.models import Complaint, CycleReportRow, NotificationRow, Task, ViolationRow
from db.session import Database
from domain.metrics import FIGURE_NAMES, change, parse_period
from domain.policy import parse_policy
from settings import DEFAULTS, Settings
from tests.support import rows
from tests.support.metrics_data import generate, store
from workflows.report import CycleReportWorkflow, ReportInput

POLICY = parse_policy((DEFAULTS / "policy.toml").read_text())


async def test_a_cycle_report_compares_the_cycle_with_the_one_before(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database, settings: Settings
) -> None:
    cases, evaluations, violations, _ = generate(seed=5, n=300)  # from 20 October to 9 December
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    summary = await ts_env.client.execute_workflow(
        CycleReportWorkflow.run,
        ReportInput(period="2026-11"),
        id="report-test",
        task_queue=worker.task_queue,
        task_timeout=timedelta(seconds=60),
    )
    assert summary.label == "2026-11"

    [row] = await rows(db, CycleReportRow, CycleReportRow.label == "2026-11")
    assert (row.previous_label, str(row.period_start), str(row.period_end)) == (
        "2026-10",
        "2026-11-01",
        "2026-12-01",
    )
    async with db.sessions() as session:
        nov = await compute(session, POLICY, settings.working_calendar(), parse_period("2026-11"), ())
        oct_ = await compute(session, POLICY, settings.working_calendar(), parse_period("2026-10"), ())
    total = next(s for s in row.body["scopes"] if s["scope"] == "total")
    assert total["current"]["volume"] == nov.total.volume and total["previous"]["volume"] == oct_.total.volume
    now, before = nov.total.model_dump(), oct_.total.model_dump()
    for name in FIGURE_NAMES:
        assert total["changes"][name] == change(now[name], before[name]), name
    assert row.headline.startswith("complaints +") or row.headline.startswith("complaints −")
    enterprises = {s["key"] for s in row.body["scopes"] if s["scope"] == "enterprise"}
    assert len(enterprises) == 3
    [note] = await rows(db, NotificationRow, NotificationRow.topic == "cycle_report")
    assert note.recipient_ref == "supervisor" and note.subject.startswith("Cycle report 2026-11: ")


async def test_without_a_period_the_report_covers_the_cycle_just_closed(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    now = await ts_env.get_current_time()
    summary = await ts_env.client.execute_workflow(
        CycleReportWorkflow.run,
        ReportInput(),
        id="report-latest",
        task_queue=worker.task_queue,
        task_timeout=timedelta(seconds=60),
    )
    first_of_month = now.astimezone(POLICY.tz).date().replace(day=1)
    assert summary.label == (first_of_month - timedelta(days=1)).strftime("%Y-%m")
    assert summary.headline == "no comparable figures for the cycle before"
