"""The history archive's page: the archiving's schedule, the chain with its head, and a
verification on demand — intact, or altered against a head it never had; a head that cannot
be one is named beside its field."""

from datetime import UTC, datetime

import pytest
from temporalio.testing import WorkflowEnvironment

from db import archive
from db.session import Database
from domain.ids import HISTORY_ARCHIVE
from settings import Settings
from tests.support.web import SignedIn, field_error
from worker import _ensure, archive_schedule

pytestmark = pytest.mark.sqlite_only


async def test_an_auditor_verifies_the_chain_from_the_page(
    signed_in: SignedIn, db: Database, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    for i in range(3):
        await archive.append(
            db,
            workflow_id=f"complaint-CP20261201-ARCH0{i}",
            tracking_no=f"CP20261201-ARCH0{i}",
            closed_at=datetime(2026, 12, 1, 8, i, tzinfo=UTC),
            content='{"runs": []}',
        )
    auditor = await signed_in("auditor")
    await _ensure(dev_env.client, HISTORY_ARCHIVE, archive_schedule(settings))
    try:
        page = (await auditor.get("/staff/archive")).text
        assert 'id="runs"' in page and "每小时" in page  # the schedule, as Temporal describes it
    finally:
        await dev_env.client.get_schedule_handle(HISTORY_ARCHIVE).delete()
    head = page.split('<code class="hash" id="head">')[1].split("<")[0]
    assert len(head) == 64 and page.count("CP20261201-ARCH0") == 3 and 'id="verification"' not in page

    checked = (await auditor.get(f"/staff/archive?verify=true&head={head}")).text
    assert "完好：3 条" in checked.split('id="verification"')[1]
    altered = (await auditor.get(f"/staff/archive?verify=true&head={'a' * 64}")).text
    assert "已被改动" in altered.split('id="verification"')[1].split("</div>")[0]
    bad = await auditor.get("/staff/archive?verify=true&head=nothex")
    assert bad.status_code == 422 and field_error(bad.text, "head") == "格式不正确"

    supervisor = await signed_in("supervisor")  # reads the chain, verifies nothing
    read = await supervisor.get("/staff/archive")
    assert read.status_code == 200 and "立即核验" not in read.text
    assert (await supervisor.get("/staff/archive?verify=true")).status_code == 403
    assert (await (await signed_in("minghui")).get("/staff/archive")).status_code == 403
