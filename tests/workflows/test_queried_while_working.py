"""A case asked for its state while its workflow task is still working replays on the same code.

A query that comes while a task runs a local activity (a case's setup, in its first task) ends
the task at the activity: what the workflow does next goes into a task of its own, a boundary
the history would not hold without the query. Workflow code that asks for a patch
(`workflow.patched`) for the first time after a local activity replays such a history
differently from how it ran it, and a case whose history does not replay stops when the worker
next rebuilds it — so a case's run asks for every patch as it begins (`READS_IN_TASK`). The API
asks cases for their state all the time: here 40 cases are queried without pause while they
begin, and every history must replay. Measured with a later step's deadlines worked out as
local activities and each patch asked for when it first mattered: 9 to 13 of 40 cases queried
so did not replay (none when nothing queried them), and this test failed in each of three
runs."""

import ast
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from db.session import Database
from settings import Settings
from temporal_client import data_converter
from tests.support import TEST_RING, intake, start_case, wait_for_state
from worker import build_worker
from workflows import complaint
from workflows.complaint import ComplaintWorkflow
from workflows.registry import DELIVERY_WORKFLOWS, WORKFLOWS

pytestmark = pytest.mark.sqlite_only  # what is checked is the workflow's code

CASES = 40
CRITICAL = "电暖器漏电,家人被电击"  # investigated from intake: its deadlines worked out at once


async def test_cases_queried_while_they_begin_replay(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    client = dev_env.client
    # as production runs them, outside the sandbox: the queries come sooner in the task
    async with build_worker(client, settings.model_copy(update={"workflow_sandbox": False}), db):

        async def begun(i: int) -> str:
            late = timedelta(days=2 if i % 3 == 0 else 0)  # some filed late: a deadline already passed
            details = {"description": CRITICAL} if i % 2 else {}
            case = intake(received_at=datetime.now(UTC).replace(microsecond=0) - late, **details)
            handle = await start_case(client, settings.task_queue, case)
            done = asyncio.Event()

            async def ask() -> None:
                while not done.is_set():
                    await handle.query(ComplaintWorkflow.state)

            askers = [asyncio.create_task(ask()) for _ in range(3)]
            await wait_for_state(handle, lambda s: s.revision > 1, "the case's first steps recorded")
            done.set()
            await asyncio.gather(*askers)
            return handle.id

        ids = await asyncio.gather(*(begun(i) for i in range(CASES)))
        histories = [await client.get_workflow_handle(i).fetch_history() for i in ids]
    replayer = Replayer(workflows=[*WORKFLOWS, *DELIVERY_WORKFLOWS], data_converter=data_converter(TEST_RING))
    failed = {}
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure:
            failed[history.workflow_id] = str(result.replay_failure)[:300]
    assert not failed, failed


def _patches_asked(tree: ast.AST) -> list[tuple[str, str]]:
    """(the function, the constant) for each `workflow.patched(NAME)` in `tree` that names a
    module's constant (not the loop that asks for those of ASKED_AT_START)."""
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and ast.unparse(call.func) == "workflow.patched"
                    and isinstance(call.args[0], ast.Name)
                    and call.args[0].id.isupper()
                ):
                    found.append((function.name, call.args[0].id))
    return found


def test_every_patch_a_workflow_asks_for_is_asked_for_as_its_run_begins() -> None:
    """A patch added later must join the ones a run asks for as it begins, or be asked for before
    any local activity as the setup's is: this holds the code to it."""
    folder = Path(complaint.__file__).parent
    cases = _patches_asked(ast.parse((folder / "complaint.py").read_text()))
    names = {name for _, name in cases}
    assert {"READS_IN_TASK", "STEPS_IN_TASK"} <= names
    at_start = {name for name, value in vars(complaint).items() if value in complaint.ASKED_AT_START}
    assert names <= at_start | {"READS_IN_TASK", "STEPS_IN_TASK"}, names - at_start
    supervision = _patches_asked(ast.parse((folder / "enterprise.py").read_text()))
    assert supervision and {function for function, _ in supervision} == {"__init__"}
