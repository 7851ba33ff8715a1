"""The cycle-report Schedule on a real dev server, and the reports through the API."""

from datetime import datetime

from temporalio.client import ScheduleActionStartWorkflow, ScheduleRange
from temporalio.testing import WorkflowEnvironment

from db.models import Complaint, Task, ViolationRow
from db.session import Database
from domain.ids import CYCLE_REPORT
from domain.policy import parse_policy
from settings import DEFAULTS, Settings
from tests.support import eventually
from tests.support.api import Api
from tests.support.metrics_data import generate, store
from worker import ensure_report_schedule


async def test_the_schedule_writes_the_report_and_the_api_serves_it(
    api: Api, dev_env: WorkflowEnvironment, db: Database, settings: Settings
) -> None:
    cases, evaluations, violations, _ = generate(seed=9, n=150)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    policy = parse_policy((DEFAULTS / "policy.toml").read_text())
    await ensure_report_schedule(dev_env.client, settings, policy)
    await ensure_report_schedule(dev_env.client, settings, policy)  # a second start changes nothing
    handle = dev_env.client.get_schedule_handle(CYCLE_REPORT)
    try:
        described = await handle.describe()
        assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
        [when] = described.schedule.spec.calendars
        assert (when.hour, when.day_of_month) == ((ScheduleRange(1),), (ScheduleRange(1),))
        # The next run is at 01:00 Beijing time on the first day of the next month.
        next_run = described.info.next_action_times[0].astimezone(policy.tz)
        assert (next_run.day, next_run.hour, next_run.minute) == (1, 1, 0)
        assert next_run.date() > datetime.now(policy.tz).date()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.task_queue == settings.task_queue
        await handle.trigger()

        async def listed() -> list[dict] | None:
            items = (await api.get("/api/reports", as_="supervisor")).json()["items"]
            return items or None

        [item] = await eventually(listed, what="the report")
        label = item["label"]
        report = (await api.get(f"/api/reports/{label}", as_="auditor")).json()
        assert report["label"] == label and report["scopes"][0]["scope"] == "total"
        csv = await api.get(f"/api/reports/{label}?format=csv", as_="admin")
        assert (
            csv.text.splitlines()[0] == f"scope,key,figure,{label},{report['previous_label']},change_percent"
        )
        assert (await api.get("/api/reports", as_="minghui")).status_code == 403
        assert (await api.get("/api/reports/1999-01", as_="supervisor")).status_code == 404
    finally:
        await handle.delete()
