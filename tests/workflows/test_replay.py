"""Every stored history replays on today's workflow code: a change that would alter a running
case's history fails here (guard such changes with `workflow.patched`)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from temporal_client import data_converter
from tests.support import TEST_RING
from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_the_stored_histories_cover_every_workflow_and_continue_as_new() -> None:
    names = {p.name for p in HISTORIES}
    for tag in ("v1", "v2"):  # v1: before cases reported to their enterprise's supervision
        ours = {n for n in names if n.startswith(f"{tag}--")}
        assert any("-evaluation-" in n for n in ours) and any("-verification-" in n for n in ours)
        assert any(n.endswith("__run2.json") for n in ours), f"no {tag} history of a continued case"
    assert any("--enterprise-" in n for n in names), "no history of an enterprise's supervision"
    assert any("--cycle-report-" in n for n in names), "no history of a cycle report"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays(path: Path) -> None:
    workflow_id = path.stem.split("--", 1)[1].rsplit("__run", 1)[0]
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    result = await Replayer(
        workflows=list(WORKFLOWS), data_converter=data_converter(TEST_RING)
    ).replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
