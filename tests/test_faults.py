"""Faults while cases are in flight (`bench/faults.py`, run small): `aftersales run` on a
PostgreSQL server of the test's own, 40 cases filed and answered through the API while the
cases' worker is killed three times, the Temporal dev server is stopped and started again by
`run`, and PostgreSQL is crashed and started. Every case ends in the state its actions call
for, none is made twice, the enterprises are told of each, and `aftersales check --replay` finds
the read model agreeing with every workflow, no delivery sent twice, and every history
replaying with the code."""

from pathlib import Path

import pytest

from bench.faults import Outcome, Unreplayable, _kept, run, unpacked
from bench.system import System

# Up to four minutes for the filing, and as many after it for every case to be shown as its
# actions left it.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_cases_in_flight_survive_worker_kills_and_temporal_and_postgresql_restarts() -> None:
    outcome = run(cases=40, kills=3)
    assert outcome.said.count("worker killed by SIGKILL; restarting it in") == 3, outcome.said
    assert outcome.said.count("temporal exited") == 1 and "temporal restarted" in outcome.said
    assert outcome.shown == outcome.expected and len(outcome.expected) == 40
    assert sorted(outcome.filed) == sorted(set(outcome.filed))  # none twice
    assert outcome.untold == []
    assert outcome.check.returncode == 0, checked(outcome)
    assert outcome.check.stdout.startswith("40 cases and") and "they agree" in outcome.check.stdout
    assert "workflow histories replayed with this code's workflows" in outcome.check.stdout
    assert outcome.unreplayable is None, checked(outcome)


def checked(outcome: Outcome) -> str:
    """What the check said, and each history it kept for not replaying, packed with the run's
    keys (the run's folder is gone when the test reports): `bench.faults.unpacked` reads them
    back, `python -m tests.histories.rekey` stores them as a replay test."""
    kept = outcome.unreplayable.packed() if outcome.unreplayable else ""
    return "\n".join([outcome.check.stdout, outcome.check.stderr, kept])


HISTORY = b'{"events": [{"eventId": "1"}]}' * 500


@pytest.mark.parametrize("histories", [{}, {"complaint-CP-X__01ab.json": HISTORY}])
def test_what_the_check_kept_reads_back_from_a_report(tmp_path: Path, histories: dict[str, bytes]) -> None:
    kept = Unreplayable(histories, "run-1=" + "A" * 43 + "=")
    report = f"some output before\n{kept.packed()}\nand after"
    assert unpacked(report) == kept
    assert max(map(len, report.splitlines())) < len(b"".join(histories.values())) + 100  # gzipped
    kept.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*histories, "payload-keys"])


def test_what_the_check_kept_goes_with_the_keys_the_run_made(tmp_path: Path) -> None:
    running = System(tmp_path)
    assert _kept(running) is None
    (tmp_path / "unreplayable").mkdir()
    (tmp_path / "unreplayable" / "complaint-CP-X__01ab.json").write_bytes(HISTORY)
    (tmp_path / "payload-keys").write_text("dev-1=" + "B" * 43 + "=\n")
    assert _kept(running) == Unreplayable({"complaint-CP-X__01ab.json": HISTORY}, "dev-1=" + "B" * 43 + "=")
