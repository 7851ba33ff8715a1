"""A worker killed in the middle of a delivery's retry loses nothing and sends nothing twice:
the delivery is taken up by another worker once the attempt's time is up, and goes out once."""

import asyncio
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from db.session import Database
from settings import Settings
from tests.support import eventually
from tests.support.outbox import ended, notify
from tests.support.smtp import ScriptedSmtp
from tests.support.worker_process import worker_environment
from worker import build_worker


async def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_once(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, smtp: ScriptedSmtp, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"delivery_attempt_seconds": 2.0})
    smtp.answer("451 4.3.0 try again later")  # the first try, made here, fails for now
    smtp.held_after = 1  # the first try's greeting goes; the worker's retry waits at its own
    smtp.released.clear()
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        first = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.worker_process",
            env=worker_environment(dev_env, settings),
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        key = await notify(dev_env, settings, db, "escalated", "admin")
        await eventually(lambda: smtp.sessions == 2, timeout=60, what="the worker's retry at the greeting")
        first.kill()  # SIGKILL, mid-delivery
        assert await asyncio.wait_for(first.wait(), 30) == -9
    finally:
        if first.returncode is None:
            first.kill()
    smtp.released.set()
    async with build_worker(dev_env.client, settings, db):
        [delivery] = await ended(db, key)
    assert delivery.status == "sent"
    assert len(smtp.to("admin@demo.aftersales.example")) == 1
