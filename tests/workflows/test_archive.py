"""The history archive: closed cases archived by the archive workflow, hash-chained, and any
edited, reordered or deleted entry found by the verification."""

import asyncio
import json
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db import archive
from db.models import HistoryArchiveEntry
from db.session import Database
from domain.complaint.messages import Withdraw
from settings import Settings
from tests.support import CONSUMER, command, rows
from tests.support.workflows import forwarded
from workflows.archive import ArchiveWorkflow
from workflows.complaint import ComplaintWorkflow


async def archived(
    env: WorkflowEnvironment, worker: Worker, db: Database, n: int
) -> list[HistoryArchiveEntry]:
    for _ in range(n):
        handle = await forwarded(env, worker)
        await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已和解"))
        await handle.result()
    total = await env.client.execute_workflow(
        ArchiveWorkflow.run,
        id="archive-test",
        task_queue=worker.task_queue,
        task_timeout=timedelta(seconds=60),
    )
    entries = sorted(await rows(db, HistoryArchiveEntry), key=lambda e: e.seq)
    assert total == n == len(entries)
    return entries


async def unprotected(db: Database, statement: str) -> None:
    """What only someone with the database's own rights could do: bypass the append-only rule."""
    async with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ALTER TABLE history_archive DISABLE TRIGGER USER"))
        else:
            await session.execute(text("DROP TRIGGER IF EXISTS history_archive_no_update"))
            await session.execute(text("DROP TRIGGER IF EXISTS history_archive_no_delete"))
        await session.execute(text(statement))


async def verify_archive_command(settings: Settings, *args: str) -> tuple[int, str]:
    """`aftersales verify-archive`, as an operator runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "verify-archive",
        *args,
        stdout=asyncio.subprocess.PIPE,
        env={"AFTERSALES_DATABASE_URL": settings.database, "PATH": ""},
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode()


async def chain(db: Database, head: str | None = None) -> archive.ChainReport:
    async with db.sessions() as session:
        return await archive.verify(session, head)


async def test_closed_cases_are_archived_in_an_intact_chain(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database, settings: Settings
) -> None:
    entries = await archived(ts_env, worker, db, 3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == archive.GENESIS and entries[1].prev_hash == entries[0].entry_hash
    content = json.loads(entries[0].content)
    assert content["workflow_id"] == entries[0].workflow_id and content["runs"][0]["history"]["events"]
    assert "张三" not in entries[0].content  # payloads stay sealed in the archive
    report = await chain(db)
    assert report.intact and report.entries == 3
    # Run again: nothing twice.
    assert (
        await ts_env.client.execute_workflow(
            ArchiveWorkflow.run, id="archive-again", task_queue=worker.task_queue
        )
        == 0
    )
    code, out = await verify_archive_command(settings)
    assert code == 0 and f"3 entries, head {entries[2].entry_hash}; the chain is intact" in out
    assert report.head == entries[2].entry_hash


async def test_entries_cut_from_the_end_are_found_by_the_head_kept(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database, settings: Settings
) -> None:
    entries = await archived(ts_env, worker, db, 3)
    head = (await chain(db)).head
    await unprotected(db, "DELETE FROM history_archive WHERE seq = 3")
    assert (await chain(db)).intact  # the rest of the chain still holds together ...
    report = await chain(db, head)  # ... but the head kept from before is gone
    assert report.problems == [
        f"no entry has the hash {head}: entries were cut from the end, or it is not ours"
    ]
    code, out = await verify_archive_command(settings, "--head", head)
    assert code == 1 and "ALTERED" in out
    assert (await chain(db, entries[1].entry_hash)).intact  # an older head is still in the chain


@pytest.mark.parametrize(
    ("tampering", "found"),
    [
        (
            "UPDATE history_archive SET content = replace(content, 'events', 'evenst') WHERE seq = 2",
            "entry 2 ({wid}): its content was changed",
        ),
        (
            "UPDATE history_archive SET closed_at = closed_at + interval '1 day' WHERE seq = 2",
            "entry 2 ({wid}): its record was changed",
        ),
        ("DELETE FROM history_archive WHERE seq = 2", "entries 2-2 are missing before entry 3"),
        (
            "UPDATE history_archive SET seq = CASE seq WHEN 2 THEN 30 WHEN 3 THEN 2 END WHERE seq IN (2, 3)",
            "does not follow the entry before it",
        ),
    ],
)
async def test_an_altered_archive_is_found(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database, settings: Settings, tampering: str, found: str
) -> None:
    entries = await archived(ts_env, worker, db, 3)
    statement = tampering
    if "interval" in tampering and db.engine.dialect.name == "sqlite":
        statement = "UPDATE history_archive SET closed_at = '2020-01-01 00:00:00.000000' WHERE seq = 2"
    await unprotected(db, statement)
    report = await chain(db)
    assert not report.intact
    assert any(found.format(wid=entries[1].workflow_id) in p for p in report.problems), report.problems
    code, out = await verify_archive_command(settings)
    assert code == 1 and "ALTERED" in out
