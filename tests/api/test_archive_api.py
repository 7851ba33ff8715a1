"""The archive through the API: auditors verify the chain and read an archived case."""

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.support import eventually
from tests.support.api import Api, file
from workflows.archive import ArchiveWorkflow


async def test_auditors_verify_the_chain_and_read_an_archived_case(
    api: Api, dev_env: WorkflowEnvironment, worker: Worker
) -> None:
    case = await file(api)
    no = case["tracking_no"]
    await api.post(
        f"/api/complaints/{no}/withdrawal",
        {"reason": "已和解"},
        headers={"X-Access-Code": case["access_code"]},
    )

    async def archived() -> bool:
        await dev_env.client.execute_workflow(
            ArchiveWorkflow.run,
            id=f"archive-{no}",
            task_queue=worker.task_queue,
            task_timeout=timedelta(seconds=30),
        )
        return (await api.get("/api/archive", as_="auditor")).json()["total"] == 1

    await eventually(archived, what="the case archived")
    verified = (await api.get("/api/archive/verify", as_="auditor")).json()
    head = verified.pop("head")
    assert verified == {"entries": 1, "intact": True, "problems": []}
    again = (await api.get(f"/api/archive/verify?head={head}", as_="auditor")).json()
    assert again["intact"] and again["head"] == head
    stranger = (await api.get(f"/api/archive/verify?head={'a' * 64}", as_="auditor")).json()
    assert not stranger["intact"] and stranger["problems"][0].startswith("no entry has the hash")
    bad = await api.get("/api/archive/verify?head=nothex", as_="auditor")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.head"
    entry = (await api.get(f"/api/archive/{no}", as_="auditor")).json()
    assert entry["seq"] == 1 and entry["runs"][0]["workflow_id"] == f"complaint-{no}"
    assert (await api.get("/api/archive/verify", as_="supervisor")).status_code == 403
    assert (await api.get(f"/api/archive/{no}", as_="minghui")).status_code == 403
    assert (await api.get("/api/archive/CP-NOT-THERE", as_="auditor")).status_code == 404
