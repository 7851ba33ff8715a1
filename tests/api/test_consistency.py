"""`aftersales check`: the read model compared with the workflows, each kind of difference
found and named, and every history replayed with the code."""

import asyncio
import re
import sys
from pathlib import Path

from sqlalchemy import delete, select, update
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from db.models import CaseEventRow, Complaint, Delivery, DeliveryAttempt
from db.session import Database
from domain.ids import complaint_workflow_id
from services.consistency import check, outline, replayed
from settings import Settings
from tests.support.altered import ReorderedComplaint
from tests.support.api import Api, complaint
from tests.support.worker_process import worker_environment


async def check_command(env: WorkflowEnvironment, settings: Settings, *options: str) -> tuple[int, str]:
    """`aftersales check`, as an operator runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "check",
        "--settle",
        "0",
        *options,
        stdout=asyncio.subprocess.PIPE,
        env=worker_environment(env, settings),
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode()


async def test_the_check_waits_for_what_moves_and_names_each_difference(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    nos = []
    for _ in range(3):
        filed = await api.post("/api/complaints", complaint(channel="phone"), as_="clerk")
        assert filed.status_code == 201
        nos.append(filed.json()["tracking_no"])
    answer = {"message": "已联系消费者"}
    responded = await api.post(f"/api/complaints/{nos[0]}/response", answer, as_="minghui")
    assert responded.status_code == 200
    # Asked at once: what the projection has not written yet is asked about again until it has.
    report = await check(db, dev_env.client, settings.task_queue, settle_seconds=60)
    assert report.agrees, report.differences
    assert report.cases == 3

    async with db.transaction() as session:  # the read model altered behind the workflows' back
        first = Complaint.tracking_no == nos[0]
        await session.execute(update(Complaint).where(first).values(status="closed"))
        last = select(CaseEventRow.id).where(CaseEventRow.source == complaint_workflow_id(nos[1]))
        await session.execute(delete(CaseEventRow).where(CaseEventRow.id == (await session.scalar(last))))
        await session.execute(delete(Complaint).where(Complaint.tracking_no == nos[2]))
        delivery = Delivery(
            notification_key="k", recipient="admin", channel="email", address_masked="a***", locale="zh_CN",
            status="sent",
        )  # fmt: skip
        session.add(delivery)
        await session.flush()
        session.add_all([DeliveryAttempt(delivery_id=delivery.id, result="sent") for _ in range(2)])

    code, out = await check_command(dev_env, settings)
    assert code == 1, out
    assert "3 cases and" in out and "5 differences" in out
    assert f"case {nos[0]}: status: the row says 'closed', the workflow 'responded'" in out
    assert f"case {nos[1]}: " in out and "events recorded for" in out
    assert f"case {complaint_workflow_id(nos[2])}: no row in the read model" in out
    assert f"delivery {delivery.id}: sent 2 times" in out
    assert f"delivery {delivery.id}: marked sent, with no time" in out


async def test_every_history_replays_with_the_code_and_one_that_would_not_is_named(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    filed = await api.post("/api/complaints", complaint(channel="phone"), as_="clerk")
    assert filed.status_code == 201
    no = filed.json()["tracking_no"]
    responded = await api.post(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, as_="minghui")
    assert responded.status_code == 200
    queues = (settings.task_queue, settings.delivery_task_queue)
    runs = [r async for r in dev_env.client.list_workflows(" OR ".join(f"TaskQueue = '{q}'" for q in queues))]

    report = await check(db, dev_env.client, settings.task_queue, settle_seconds=60, replay=queues)
    assert report.agrees, report.differences
    assert report.replayed >= len(runs) and complaint_workflow_id(no) in {r.id for r in runs}

    reordered = [ReorderedComplaint]
    count, unreplayable = await replayed(dev_env.client, queues, workflows=reordered, keep=tmp_path)
    named = {d.subject.split()[1]: d.detail for d in unreplayable}
    assert count == report.replayed
    detail = named[complaint_workflow_id(no)]
    assert detail.startswith("its history does not replay: ")
    # the events around the one it stopped at, by number, kind and what they name, and the history kept
    assert re.search(r"; events (\d+ [A-Za-z]+(\([^)]*\))? \d\d:\d\d:\d\d\.\d{3}( · )?)+;", detail), detail
    assert "WorkflowTaskCompleted" in detail
    kept = Path(detail.rsplit("kept in ", 1)[1])
    history = WorkflowHistory.from_json(complaint_workflow_id(no), kept.read_text())
    fetched = await dev_env.client.get_workflow_handle(complaint_workflow_id(no)).fetch_history()
    assert kept.parent == tmp_path and history.events == fetched.events

    code, out = await check_command(dev_env, settings, "--replay")
    assert code == 0, out
    assert f"{report.replayed} workflow histories replayed with this code's workflows" in out


def test_the_outline_names_each_event_around_the_one_a_replay_stopped_at() -> None:
    """A stored case: its patches by name, its local activities by activity and the activation
    that took each result, its timers by id, each event by number and time; the last events when
    the failure names none."""
    path = Path(__file__).parent.parent / "histories" / "v11--complaint-CP-REPLAY-RESOLVED__run1.json"
    history = WorkflowHistory.from_json("complaint-CP-REPLAY-RESOLVED", path.read_text())

    setup = outline(
        history, RuntimeError("Nondeterminism error: HistoryEvent(id: 20, ActivityTaskScheduled)")
    )
    assert [int(e.split()[0]) for e in setup.removeprefix("events ").split(" · ")] == list(range(8, 25))
    assert "17 MarkerRecorded(core_patch steps-in-task) " in setup
    assert re.search(
        r"19 MarkerRecorded\(core_local_activity prepare_case @1\) \d\d:\d\d:\d\d\.\d{3} · ", setup
    )

    accepted = outline(history, RuntimeError("HistoryEvent(id: 52, MarkerRecorded)"))
    assert "48 TimerStarted(1) " in accepted and "50 ActivityTaskScheduled(record_case) " in accepted
    assert "51 MarkerRecorded(core_local_activity assign_agency @2) " in accepted

    last = outline(history, RuntimeError("no event named")).split(" · ")
    assert last[-1].startswith(f"{len(history.events)} ") and len(last) == 13
