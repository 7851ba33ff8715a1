"""Every stored history replays on today's workflow code: a change that would alter a running
case's history fails here (guard such changes with `workflow.patched`)."""

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from temporal_client import KeyRing, data_converter
from tests.histories.rekey import rekeyed, store
from tests.support import TEST_RING
from tests.support.histories import ended_at, local_activity
from workflows.activities import READS_IN_TASK
from workflows.complaint import (
    ASKED_AT_START,
    CONSUMER_UPDATES,
    ONE_BREACH_NOTICE,
    REPORT_WITH_RECORD,
    STEPS_IN_TASK,
    WITHDRAW_DUPLICATES,
)
from workflows.delivery import FIRST_TRY_IN_TASK
from workflows.enterprise import PENALTY_PROCEDURE
from workflows.registry import DELIVERY_WORKFLOWS, WORKFLOWS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_the_stored_histories_cover_every_workflow_and_continue_as_new() -> None:
    names = {p.name for p in HISTORIES}
    # v1: before cases reported to their enterprise's supervision; v2: before penalties had
    # lives of their own; v3: before the consumer was told more of their case; v4: since; v5:
    # a missed response told once; v6: reports sent with the record, deliveries tried at once.
    for tag in ("v1", "v2", "v3", "v4"):
        ours = {n for n in names if n.startswith(f"{tag}--")}
        assert any("-evaluation-" in n for n in ours) and any("-verification-" in n for n in ours)
        assert any(n.endswith("__run2.json") for n in ours), f"no {tag} history of a continued case"
    assert any("--enterprise-" in n for n in names), "no history of an enterprise's supervision"
    assert any("--cycle-report-" in n for n in names), "no history of a cycle report"


def _signals_and_patches(path: Path) -> tuple[set[str], set[str]]:
    events = json.loads(path.read_text())["events"]
    signals = {
        e["workflowExecutionSignaledEventAttributes"]["signalName"]
        for e in events
        if "workflowExecutionSignaledEventAttributes" in e
    }
    markers = [e["markerRecordedEventAttributes"] for e in events if "markerRecordedEventAttributes" in e]
    patches = {
        json.loads(base64.b64decode(m["details"]["patch-data"]["payloads"][0]["data"]))["id"]
        for m in markers
        if m["markerName"] == "core_patch"
    }
    return signals, patches


def _version(name: str) -> int:
    """The version a stored history was recorded at: `v4--…` is 4."""
    return int(name[1 : name.index("--")])


def test_the_stored_enterprise_histories_cover_the_penalty_procedure_and_its_adoption() -> None:
    """Every step of the procedure is replayed, on both sides of the patch, and the run that
    continued as new from the ladder of before into the procedure."""
    before, since = set(), set()
    runs = {p.name: _signals_and_patches(p) for p in HISTORIES if "--enterprise-" in p.name}
    for signals, patches in runs.values():
        (since if PENALTY_PROCEDURE in patches else before).update(signals)
    assert {"submit_statement", "decide_penalty"} <= before
    assert {"request_hearing", "schedule_hearing", "record_hearing", "record_payment"} <= since
    adopted = [
        n
        for n, (_, patches) in runs.items()
        if n.endswith("__run1.json")
        and PENALTY_PROCEDURE not in patches
        and PENALTY_PROCEDURE in runs.get(n.replace("__run1", "__run2"), (set(), set()))[1]
    ]
    assert adopted, "no history of a supervision taking up the procedure as it continued as new"


def test_the_stored_cases_replay_on_both_sides_of_the_consumer_updates() -> None:
    cases = {p.name: _signals_and_patches(p)[1] for p in HISTORIES if "--complaint-" in p.name}
    told = {n for n, patches in cases.items() if CONSUMER_UPDATES in patches}
    assert told and all(_version(n) >= 4 for n in told)
    assert any(n.startswith("v3--") for n in cases if n not in told)


def test_the_stored_cases_replay_on_both_sides_of_the_single_breach_notice() -> None:
    """v5: a missed response told to the supervisors once; the cases of before told them twice."""
    cases = {p.name: _signals_and_patches(p)[1] for p in HISTORIES if "--complaint-" in p.name}
    once = {n for n, patches in cases.items() if ONE_BREACH_NOTICE in patches}
    assert once and all(_version(n) >= 5 for n in once)
    assert (
        "v4--complaint-CP-REPLAY-LONG__run2.json" in cases
        and "v5--complaint-CP-REPLAY-LONG__run2.json" in once
    )


def _activities(path: Path) -> list[str]:
    events = json.loads(path.read_text())["events"]
    return [
        e["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        for e in events
        if "activityTaskScheduledEventAttributes" in e
    ]


def test_the_stored_cases_replay_on_both_sides_of_the_report_with_the_record() -> None:
    """v6: a step's violations and verifications reported by the activity that records it; the
    cases of before reported them by an activity of their own."""
    cases = {p.name: p for p in HISTORIES if "--complaint-" in p.name and "-verification-" not in p.name}
    together = {n for n, p in cases.items() if REPORT_WITH_RECORD in _signals_and_patches(p)[1]}
    assert together and all(_version(n) >= 6 for n in together)
    for before, since in (("v5", "LONG__run2"), ("v4", "INVESTIGATED__run1"), ("v4", "INVESTIGATED__run2")):
        assert f"v6--complaint-CP-REPLAY-{since}.json" in together
        assert "report_to_enterprise" in _activities(cases[f"{before}--complaint-CP-REPLAY-{since}.json"])
        assert "report_to_enterprise" not in _activities(cases[f"v6--complaint-CP-REPLAY-{since}.json"])


def test_the_stored_cases_replay_on_both_sides_of_the_steps_in_task() -> None:
    """v8: a case's setup and deadlines worked out in the task that asks for them (local
    activities, recorded as markers); the cases of before scheduled an activity for each."""
    cases = {p.name: p for p in HISTORIES if p.name.endswith("--complaint-CP-REPLAY-RESOLVED__run1.json")}
    here = {n for n, p in cases.items() if STEPS_IN_TASK in _signals_and_patches(p)[1]}
    assert "v8--complaint-CP-REPLAY-RESOLVED__run1.json" in here and all(_version(n) >= 8 for n in here)
    assert "prepare_case" in _activities(cases["v4--complaint-CP-REPLAY-RESOLVED__run1.json"])
    assert "prepare_case" not in _activities(cases["v8--complaint-CP-REPLAY-RESOLVED__run1.json"])
    assert "record_case" in _activities(cases["v8--complaint-CP-REPLAY-RESOLVED__run1.json"])


def _patches_in_order(path: Path) -> list[str]:
    events = json.loads(path.read_text())["events"]
    return [
        json.loads(base64.b64decode(m["details"]["patch-data"]["payloads"][0]["data"]))["id"]
        for m in (e["markerRecordedEventAttributes"] for e in events if "markerRecordedEventAttributes" in e)
        if m["markerName"] == "core_patch"
    ]


def test_the_stored_runs_replay_on_both_sides_of_the_reads_in_task() -> None:
    """v11: a later step's deadlines, the investigator and the evaluation agency worked out in the
    task that asks for them (local activities), in the cases and in the enterprises' supervision;
    a case's run asks for every patch as it begins, before its first local activity. The runs of
    before scheduled an activity for each and asked for their patches as they came."""
    reads = {"compute_deadlines", "assign_investigator", "assign_agency"}
    runs = {p.name: p for p in HISTORIES if "--complaint-" in p.name or "--enterprise-" in p.name}
    here = {n for n, p in runs.items() if READS_IN_TASK in _signals_and_patches(p)[1]}
    assert here and all(_version(n) >= 11 for n in here)
    for name in (
        "complaint-CP-REPLAY-RESOLVED__run1",
        "complaint-CP-REPLAY-INVESTIGATED__run1",
        "complaint-CP-REPLAY-LONG__run2",
        "enterprise-91440300MA5F8R7T1F__run1",
    ):
        assert f"v11--{name}.json" in here, name
        assert not reads & set(_activities(runs[f"v11--{name}.json"])), name
    for name in ("RESOLVED__run1", "INVESTIGATED__run1", "LONG__run2"):
        asked = _patches_in_order(runs[f"v11--complaint-CP-REPLAY-{name}.json"])
        assert asked[: 1 + len(ASKED_AT_START)] == [READS_IN_TASK, *ASKED_AT_START], name
    before = set(_activities(runs["v4--complaint-CP-REPLAY-RESOLVED__run1.json"]))
    assert reads <= before | set(_activities(runs["v4--complaint-CP-REPLAY-INVESTIGATED__run1.json"]))
    assert "compute_deadlines" in _activities(runs["v3--enterprise-91440300MA5F8R7T1F__run1.json"])


def test_a_stored_duplicate_withdraws_its_violations_and_the_cases_of_before_replay_without() -> None:
    """v9: a case rejected as a duplicate withdraws its violations from its enterprise's
    supervision, which replays the withdrawal; no case of before carries the patch."""
    cases = {p.name: _signals_and_patches(p) for p in HISTORIES if "--complaint-" in p.name}
    withdrawn = {n for n, (_, patches) in cases.items() if WITHDRAW_DUPLICATES in patches}
    # since v11 every case's run asks for every patch as it begins
    assert {n for n in withdrawn if _version(n) < 11} == {"v9--complaint-CP-REPLAY-DUPLICATE__run1.json"}
    assert "reject" in cases["v9--complaint-CP-REPLAY-DUPLICATE__run1.json"][0]
    assert "v9--enterprise-91310115MA1K4B2X34__run1.json" in {p.name for p in HISTORIES}


def test_the_stored_cases_cover_the_bureaus_acceptance_decision() -> None:
    """v10: a case the bureau accepted by a signal, one deemed accepted when its window closed
    (both continued as new on the short policy), and one transferred to another bureau."""
    runs = {p.name: _signals_and_patches(p)[0] for p in HISTORIES if p.name.startswith("v10--")}
    assert "admit" in runs["v10--complaint-CP-REPLAY-ADMITTED__run1.json"]
    assert "transfer" in runs["v10--complaint-CP-REPLAY-TRANSFERRED__run1.json"]
    assert "admit" not in set().union(*(v for n, v in runs.items() if "DEEMED" in n))
    assert {n for n in runs if n.endswith("__run2.json")} == {
        "v10--complaint-CP-REPLAY-ADMITTED__run2.json",
        "v10--complaint-CP-REPLAY-DEEMED__run2.json",
    }


def test_the_stored_deliveries_replay_on_both_sides_of_the_first_try_in_task() -> None:
    """v7: the first try made before the start, the run only the retries after a timer; v6: a
    delivery's first try a local activity, the tries left an activity after a timer; v5: every
    try the activity's own."""
    paths = {p.name: p for p in HISTORIES if "--notification-" in p.name}
    runs = {n: _signals_and_patches(p)[1] for n, p in paths.items()}
    assert {n for n, patches in runs.items() if FIRST_TRY_IN_TASK in patches} == {
        n for n in runs if n.startswith("v6--")
    }
    assert any(n.startswith("v5--") for n in runs)
    [retried] = [n for n in runs if n.startswith("v7--")]
    events = json.loads(paths[retried].read_text())["events"]
    kinds = [e["eventType"].removeprefix("EVENT_TYPE_") for e in events]
    assert kinds.index("TIMER_STARTED") < kinds.index("ACTIVITY_TASK_SCHEDULED") and not runs[retried]


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays(path: Path) -> None:
    workflow_id = path.stem.split("--", 1)[1].rsplit("__run", 1)[0]
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    result = await Replayer(
        workflows=[*WORKFLOWS, *DELIVERY_WORKFLOWS], data_converter=data_converter(TEST_RING)
    ).replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


# the stored runs that ran local activities: each a place a task may have ended
SPLIT = [
    path
    for path in HISTORIES
    if any(map(local_activity, WorkflowHistory.from_json(path.stem, path.read_text()).events))
]


@pytest.mark.parametrize("path", SPLIT, ids=[p.stem for p in SPLIT])
async def test_a_stored_history_replays_with_a_task_ended_at_each_local_activity(path: Path) -> None:
    """A task that runs a local activity may end at its marker (a query came, or it ran long), the
    rest of what it did in a task of its own: the history then holds a task the run did not plan,
    and the rest is taken at a later time. Each such history must replay, however late the rest
    came: ten seconds (a busy worker), two hours (no worker for that long)."""
    workflow_id = path.stem.split("--", 1)[1].rsplit("__run", 1)[0]
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    replayer = Replayer(workflows=[*WORKFLOWS, *DELIVERY_WORKFLOWS], data_converter=data_converter(TEST_RING))
    markers = [e.event_id for e in history.events if local_activity(e)]
    failed = {}
    for marker in markers:
        for later in (timedelta(seconds=10), timedelta(hours=2)):
            split = ended_at(history, marker, later)
            assert len(split.events) == len(history.events) + 3
            result = await replayer.replay_workflow(split, raise_on_replay_failure=False)
            if result.replay_failure is not None:
                failed[(marker, later)] = str(result.replay_failure)[:300]
    assert markers and not failed, failed


async def test_a_history_kept_under_a_runs_own_keys_is_stored_under_the_tests_keys(tmp_path: Path) -> None:
    """A history that did not replay is kept encrypted under the keys of the run that made it
    (`aftersales check --replay --keep`, `python -m bench.faults`): `tests.histories.rekey`
    stores it under the tests' keys, so that this module replays it. Every payload is decrypted
    and encrypted again, and the history replays as it did."""
    path = next(p for p in HISTORIES if p.stem.startswith("v11--complaint-CP-REPLAY-RESOLVED__"))
    history = WorkflowHistory.from_json("complaint-CP-REPLAY-RESOLVED", path.read_text())
    run_keys = f"run-1={KeyRing.new_key()}"
    kept = await rekeyed(history, TEST_RING, KeyRing.parse(run_keys))  # as the run's check kept it
    replayer = Replayer(workflows=[*WORKFLOWS, *DELIVERY_WORKFLOWS], data_converter=data_converter(TEST_RING))
    try:  # the tests' keys cannot read it: the replay fails, or the first payload does not decrypt
        unreadable = await replayer.replay_workflow(kept, raise_on_replay_failure=False)
        assert unreadable.replay_failure is not None
    except ValueError as failure:
        assert "'run-1'" in str(failure)
    folder = tmp_path / "kept"
    folder.mkdir()
    (folder / f"{history.workflow_id}__0123.json").write_text(kept.to_json())
    (folder / "payload-keys").write_text(run_keys)
    [stored] = await store(folder, "caught", into=tmp_path)
    assert stored.name == "caught--complaint-CP-REPLAY-RESOLVED__run1.json"
    again = WorkflowHistory.from_json(history.workflow_id, stored.read_text())
    assert [e.event_type for e in again.events] == [e.event_type for e in history.events]
    assert again.events != kept.events
    result = await replayer.replay_workflow(again, raise_on_replay_failure=False)
    assert result.replay_failure is None
