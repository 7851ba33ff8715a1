"""Bulk import of hotline exports: a GB18030 CSV and an XLSX workbook with bad rows, each
refused with its field and the API's own reason; imported again, nothing new; an interrupted
import resumed with no case twice; `aftersales import` from the command line."""

import asyncio
import csv
import dataclasses
import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.imports import ImportActivities
from db.models import Complaint, ImportProblem, ImportRun, IntakeRequest
from db.session import Database
from domain.enums import Role
from domain.imports import template
from domain.messages import Actor
from services.files import FileStore
from services.import_files import Table
from services.import_runs import MAX_BYTES
from services.imports import Importer, Mark, Problem, Tally
from settings import Settings
from temporal_client import key_ring
from tests.support import eventually
from tests.support.api import Api, complaint
from tests.support.exports import BEIJING, csv_bytes, good_row, xlsx_file
from workflows.complaint import ComplaintWorkflow

CLERK = Actor(id="import-test", role=Role.CLERK, name="bulk import")


async def cases(db: Database) -> dict[datetime, Complaint]:
    """The read model's cases by their time of receipt (each row's own)."""
    async with db.sessions() as session:
        return {c.received_at: c for c in (await session.scalars(select(Complaint))).all()}


def received(row: dict[str, str]) -> datetime:
    return datetime.strptime(row["受理时间"], "%Y/%m/%d %H:%M:%S").replace(tzinfo=BEIJING)


async def claims(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(IntakeRequest)) or 0


async def imported(
    env: WorkflowEnvironment, settings: Settings, db: Database, table: Table, *, dry_run: bool = False
) -> tuple[Tally, list[Problem]]:
    found: list[Problem] = []

    async def told(_tally: Tally, problems: list[Problem], _mark: Mark) -> None:
        found.extend(problems)

    importer = Importer(db, env.client, settings, CLERK, template(), dry_run=dry_run)
    tally = await importer.run(table, progress=told, every=0.05)
    return tally, sorted(found, key=lambda p: (p.row, p.field))


async def test_a_gb18030_export_is_imported_its_bad_rows_refused_and_again_creates_nothing(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    rows = [good_row(i) for i in range(5)]
    rows[1]["联系电话"] = "12345"
    rows[3]["受理时间"] = (datetime.now(BEIJING) - timedelta(days=40)).strftime("%Y/%m/%d %H:%M:%S")
    path = tmp_path / "12345热线导出.csv"
    path.write_bytes(csv_bytes(rows))
    table = Table(path)
    assert (table.format, table.encoding) == ("csv", "gb18030")

    tally, problems = await imported(dev_env, settings, db, table)

    assert (tally.total, tally.done, tally.created, tally.already, tally.refused) == (5, 5, 3, 0, 2)
    assert [(p.row, p.field, p.column) for p in problems] == [
        (3, "consumer.phone", "联系电话"),
        (5, "received_at", "受理时间"),
    ]
    # The reason is the API's own for the same value.
    refused = await api.post("/api/complaints", complaint(consumer={"name": "王小明", "phone": "12345"}))
    assert refused.status_code == 422
    [api_reason] = [e["reason"] for e in refused.json()["errors"] if e["field"] == "consumer.phone"]
    assert problems[0].reason == api_reason
    assert "30 days" in problems[1].reason
    # Each case has the row's own time of receipt, and the phone channel the export's word names.
    recorded = await eventually(lambda: _all(db, 3), what="the imported cases in the read model")
    assert set(recorded) == {received(rows[i]) for i in (0, 2, 4)}
    assert {(c.channel, c.category) for c in recorded.values()} == {("phone", "product_quality")}

    again, problems_again = await imported(dev_env, settings, db, Table(path))

    assert (again.created, again.already, again.refused) == (0, 3, 2)
    assert [(p.row, p.field) for p in problems_again] == [(p.row, p.field) for p in problems]
    assert len(await cases(db)) == 3 and await claims(db) == 3


async def _all(db: Database, n: int) -> dict[datetime, Complaint] | None:
    found = await cases(db)
    return found if len(found) == n else None


async def test_a_dry_run_of_a_workbook_reports_each_bad_row_and_creates_nothing(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    rows = [good_row(i) for i in range(4)]
    rows[0]["投诉类别"] = "不知道"
    rows[2]["统一社会信用代码"] = ""
    rows[3]["受理时间"] = ""
    table = Table(xlsx_file(tmp_path / "平台导出.xlsx", rows))
    assert table.format == "xlsx"

    tally, problems = await imported(dev_env, settings, db, table, dry_run=True)

    assert (tally.done, tally.created, tally.refused) == (4, 1, 3)
    assert [(p.row, p.field, p.column) for p in problems] == [
        (2, "category", "投诉类别"),
        (4, "enterprise.credit_code", "统一社会信用代码"),
        (5, "received_at", "受理时间"),
    ]
    assert "product_quality" in problems[0].reason and "required" in problems[2].reason
    assert await claims(db) == 0 and await cases(db) == {}
    query = f'TaskQueue = "{settings.task_queue}"'
    assert [w async for w in dev_env.client.list_workflows(query)] == []


async def test_a_report_being_written_when_the_rows_end_is_written_whole(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    rows = [good_row(i) for i in range(40)]
    for row in rows:
        row["联系电话"] = "110"
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(rows))
    found: list[Problem] = []

    async def told(tally: Tally, problems: list[Problem], _mark: Mark) -> None:
        # a write still going when the last row is done
        await eventually(lambda: tally.done == len(rows), what="every row done")
        found.extend(problems)

    importer = Importer(db, None, settings, CLERK, template(), dry_run=True)
    tally = await importer.run(Table(path), progress=told, every=0.001)

    assert tally.refused == 40
    assert sorted(p.row for p in found) == list(range(2, 42))


async def test_an_interrupted_import_resumes_with_no_case_twice(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    rows = [good_row(i) for i in range(8)]
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(rows, "utf-8-sig"))
    halfway = asyncio.Event()

    async def told(tally: Tally, _problems: list[Problem], _mark: Mark) -> None:
        if tally.created >= 3:
            halfway.set()

    first = Importer(db, dev_env.client, settings, CLERK, template(), dry_run=False)
    running = asyncio.create_task(first.run(Table(path), progress=told, every=0.05))
    await asyncio.wait_for(halfway.wait(), 60)
    running.cancel()  # as a process killed part way
    await asyncio.gather(running, return_exceptions=True)
    before = len(await cases(db))
    assert before < 8

    tally, problems = await imported(dev_env, settings, db, Table(path))

    assert problems == [] and tally.created + tally.already == 8 and tally.already >= 3
    recorded = await eventually(lambda: _all(db, 8), what="every row's case")
    assert set(recorded) == {received(r) for r in rows} and await claims(db) == 8


async def test_the_command_imports_a_file_and_writes_the_refused_rows(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, tmp_path: Path
) -> None:
    rows = [good_row(i) for i in range(3)]
    rows[2]["诉求"] = "全都要"
    path = tmp_path / "热线.csv"
    path.write_bytes(csv_bytes(rows))
    temporal = dev_env.client.service_client.config.target_host
    env = os.environ | settings.variables() | {"AFTERSALES_TEMPORAL_ADDRESS": temporal}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", "import", str(path), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    dry = await asyncio.to_thread(command, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "3 rows: 2 would be created, 0 already imported, 1 refused" in dry.stdout
    assert await claims(db) == 0
    report = tmp_path / "热线.csv.errors.csv"
    with report.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1][:3] == ["4", "desired_outcome", "诉求"]

    done = await asyncio.to_thread(command, "--clerk", "clerk")
    assert done.returncode == 1 and "2 created, 0 already imported, 1 refused" in done.stdout, done.stderr
    recorded = await eventually(lambda: _all(db, 2), what="the command's cases")
    for case in recorded.values():
        handle = dev_env.client.get_workflow_handle_for(ComplaintWorkflow.run, case.workflow_id)
        state = await handle.query(ComplaintWorkflow.state)
        assert state is not None and state.intake.recorded_by.role is Role.CLERK
        assert state.intake.recorded_by.id != CLERK.id

    unknown = await asyncio.to_thread(command, "--mapping", str(tmp_path / "missing.toml"))
    assert unknown.returncode == 2 and "missing.toml" in unknown.stderr


async def test_a_page_import_retried_goes_on_from_its_last_heartbeat(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    """A worker stopped part way: the activity's retry skips the rows its last heartbeat counted
    and goes on with that tally."""
    rows = [good_row(i) for i in range(6)]
    rows[4]["联系电话"] = "1"
    content = csv_bytes(rows)
    sha256 = hashlib.sha256(content).hexdigest()
    FileStore(settings.files_dir, key_ring(settings)).put(sha256, content)
    async with db.sessions() as session:
        session.add(
            ImportRun(
                id="IM-RESUMED",
                file_name="export.csv",
                file_sha256=sha256,
                file_format="csv",
                mapping=template().model_dump(),
                dry_run=False,
                status="running",
                total=6,
                done=2,
                created=2,
                already=0,
                refused=0,
                started_by="clerk-account",
                started_role="clerk",
                error="",
            )
        )
        await session.commit()
    env = ActivityEnvironment()
    earlier = Tally(total=6, done=2, created=2)
    env.info = dataclasses.replace(env.info, heartbeat_details=[3, earlier.as_dict()])
    beats: list[tuple[Any, ...]] = []
    env.on_heartbeat = lambda *details: beats.append(details)

    await env.run(ImportActivities(db, dev_env.client, settings).import_file, "IM-RESUMED")

    async with db.sessions() as session:
        run = await session.get(ImportRun, "IM-RESUMED")
        assert run is not None
        assert (run.status, run.done, run.created, run.already, run.refused) == ("done", 6, 5, 0, 1)
        problems = (await session.scalars(select(ImportProblem))).all()
    assert [(p.row, p.field, p.column) for p in problems] == [(6, "consumer.phone", "联系电话")]
    assert beats[-1][0] == 7 and beats[-1][1]["done"] == 6
    # Rows 2 and 3 were the earlier try's: this one recorded rows 4, 5 and 7 only.
    recorded = await eventually(lambda: _all(db, 3), what="the retry's cases")
    assert set(recorded) == {received(rows[i]) for i in (2, 3, 5)} and await claims(db) == 3


async def _upload(api: Api, as_: str, files: dict[str, Any], **data: str) -> httpx.Response:
    return await api.http.post("/api/imports", files=files, data=data, headers=api.auth(as_))


async def test_the_api_imports_an_export_and_pages_the_rows_it_refused(api: Api, db: Database) -> None:
    rows = [good_row(i) for i in range(3)]
    rows[1]["联系电话"] = "12345"
    begun = await _upload(api, "clerk", {"file": ("热线导出.csv", csv_bytes(rows), "text/csv")})
    assert begun.status_code == 202, begun.text
    run = begun.json()
    location = begun.headers["location"]
    assert location == f"/api/imports/{run['id']}"
    assert (run["total"], run["file_format"], run["dry_run"], run["started_by"]) == (
        3,
        "csv",
        False,
        "clerk-1",
    )

    async def ended() -> dict[str, Any] | None:
        got = (await api.get(location, as_="clerk")).json()
        return got if got["status"] == "done" else None

    done = await eventually(ended, what="the import done")
    assert (done["done"], done["created"], done["already"], done["refused"]) == (3, 2, 0, 1)
    assert done["finished_at"] is not None and done["finished_at"].endswith("+08:00")
    page = (await api.get(f"{location}/problems?page_size=5", as_="supervisor")).json()
    refused = await api.post("/api/complaints", complaint(consumer={"name": "王小明", "phone": "12345"}))
    [api_reason] = [e["reason"] for e in refused.json()["errors"] if e["field"] == "consumer.phone"]
    assert page["total"] == 1 and page["items"] == [
        {"row": 3, "field": "consumer.phone", "column": "联系电话", "reason": api_reason}
    ]
    listed = await api.get("/api/imports", as_="admin")
    assert run["id"] in [r["id"] for r in listed.json()]


async def test_the_api_refuses_an_import_it_cannot_read_naming_the_part_and_records_nothing(
    api: Api, db: Database
) -> None:
    wrong = "编号,姓名\r\n1,王\r\n".encode()
    for files, field in (
        ({"file": ("export.csv", b"", "text/csv")}, "file"),
        ({"file": ("export.csv", wrong, "text/csv")}, "file"),
        (
            {
                "file": ("export.csv", csv_bytes([good_row(0)]), "text/csv"),
                "mapping": ("mapping.toml", b"[columns\n", "application/toml"),
            },
            "mapping",
        ),
    ):
        got = await _upload(api, "clerk", files, dry_run="true")
        assert got.status_code == 422, got.text
        assert [e["field"] for e in got.json()["errors"]] == [field]
    one = {"file": ("export.csv", csv_bytes([good_row(0)]), "text/csv")}
    got = await _upload(api, "clerk", one, dry_run="x")
    assert got.status_code == 422 and got.json()["errors"][0]["field"] == "dry_run"
    form = {**api.auth("clerk"), "content-type": "multipart/form-data; boundary=x"}
    got = await api.http.post("/api/imports", content=b"[1, 2]", headers=form)
    assert got.status_code == 400 and got.json()["detail"]  # not a form at all
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ImportRun)) == 0

    enterprise = await _upload(api, "minghui", one)
    assert enterprise.status_code == 403
    assert (await api.get("/api/imports/IM20261205-000000", as_="clerk")).status_code == 404
    assert (await api.get("/api/imports/IM20261205-000000/problems", as_="clerk")).status_code == 404


async def test_an_export_may_be_larger_than_a_json_body_but_not_than_its_own_limit(api: Api) -> None:
    header = ",".join(template().columns.values()).encode("utf-8")
    big = header + b"\r\n" + b"x" * (2 * 1024 * 1024)  # past the JSON API's 256 KB
    got = await _upload(api, "clerk", {"file": ("export.csv", big, "text/csv")}, dry_run="true")
    assert got.status_code == 422, got.text  # read, and refused for its rows, not its size
    huge = b"x" * (MAX_BYTES + 2 * 1024 * 1024)
    got = await _upload(api, "clerk", {"file": ("export.csv", huge, "text/csv")}, dry_run="true")
    assert got.status_code == 413, got.text
    elsewhere = await api.http.post(
        "/api/complaints", files={"file": ("a.bin", b"x" * (300 * 1024))}, headers=api.auth("clerk")
    )
    assert elsewhere.status_code == 413
