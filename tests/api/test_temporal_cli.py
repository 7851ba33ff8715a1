"""Temporal's own tools work on cases: the `temporal` CLI signals a case and finds it by its
search attributes."""

import asyncio
import base64
import json
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.support import ENTERPRISE_CODE, eventually, tool
from tests.support.api import Api, file


async def temporal_cli(env: WorkflowEnvironment, *args: str) -> str:
    address = env.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(
        tool("temporal"),
        *args,
        "--address",
        address,
        "--namespace",
        env.client.namespace,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return out.decode()


def payload_texts(node: Any) -> str:
    """The data of every payload in a history as JSON prints it (base64), decoded to text."""
    if isinstance(node, dict):
        found = [payload_texts(v) for v in node.values()]
        if isinstance(node.get("data"), str) and "metadata" in node:
            found.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
        return "\n".join(found)
    if isinstance(node, list):
        return "\n".join(payload_texts(v) for v in node)
    return ""


async def test_a_signal_sent_with_the_cli_moves_the_case(
    api: Api, dev_env: WorkflowEnvironment, served: str
) -> None:
    case = await file(api)
    no = case["tracking_no"]
    command = {
        "request_id": "cli-respond-1",
        "message": "已电话联系消费者",
        "actor": {"id": "ent-minghui", "role": "enterprise", "org": ENTERPRISE_CODE},
    }
    await temporal_cli(
        dev_env,
        "workflow",
        "signal",
        "--workflow-id",
        f"complaint-{no}",
        "--name",
        "respond",
        "--input",
        json.dumps(command, ensure_ascii=False),
    )

    async def responded() -> dict[str, Any] | None:
        view = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
        return view if view["status"] == "responded" else None

    view = await eventually(responded, what="the case responded")
    assert view["response"]["content"] == {"message": "已电话联系消费者"}
    assert view["response"]["by"]["id"] == "ent-minghui"

    # Payloads are encrypted: the CLI reads the case through the API's codec server.
    query = ("workflow", "query", "--workflow-id", f"complaint-{no}", "--type", "state", "--output", "json")
    sealed = await temporal_cli(dev_env, *query)
    assert "responded" not in sealed and "张三" not in sealed
    # A query's arguments are encoded too: the CLI needs a supervisor's credentials for it.
    token = api.tokens["supervisor"]
    state = json.loads(
        await temporal_cli(
            dev_env, *query, "--codec-endpoint", f"{served}/codec", "--codec-auth", f"Bearer {token}"
        )
    )
    assert state["queryResult"][0]["status"] == "responded"
    assert state["queryResult"][0]["intake"]["consumer"]["name"] == "张三"

    # An auditor reads the history in clear through the codec; without it, it stays sealed.
    show = ("workflow", "show", "--workflow-id", f"complaint-{no}", "--output", "json")
    assert "张三" not in payload_texts(json.loads(await temporal_cli(dev_env, *show)))
    clear = await temporal_cli(
        dev_env,
        *show,
        "--codec-endpoint",
        f"{served}/codec",
        "--codec-auth",
        f"Bearer {api.tokens['auditor']}",
    )
    assert "张三" in payload_texts(json.loads(clear))
    assert (await api.get("/api/complaints", as_="minghui")).status_code == 200


async def test_search_attributes_filter_cases_in_workflow_list(
    api: Api, dev_env: WorkflowEnvironment
) -> None:
    hazard = await file(api, description="电热毯冒烟起火,烧坏床单")
    routine = await file(api)
    wanted = f"complaint-{hazard['tracking_no']}"

    async def listed() -> list[dict[str, Any]] | None:
        out = await temporal_cli(
            dev_env,
            "workflow",
            "list",
            "--output",
            "json",
            "--query",
            f"CaseStatus = 'investigating' AND Priority = 'p1' AND EnterpriseCode = '{ENTERPRISE_CODE}' "
            "AND EscalationLevel >= 2 AND Overdue = false",
        )
        rows = (
            [json.loads(line) for line in out.splitlines() if line.strip()]
            if not out.lstrip().startswith("[")
            else json.loads(out)
        )
        ids = [r["execution"]["workflowId"] for r in rows]
        return rows if wanted in ids else None

    rows = await eventually(listed, what="the case in workflow list")
    ids = {r["execution"]["workflowId"] for r in rows}
    assert f"complaint-{routine['tracking_no']}" not in ids
    described = json.loads(
        await temporal_cli(dev_env, "workflow", "describe", "--workflow-id", wanted, "--output", "json")
    )
    attributes = json.dumps(described["workflowExecutionInfo"]["searchAttributes"], ensure_ascii=False)
    assert "张三" not in attributes and "13812341234" not in attributes
    assert "CaseStatus" in attributes
