"""The what-if simulation: behaviours change what the ladder and the metrics show."""

import pytest

from simulation import Behaviour, render, simulate

pytestmark = pytest.mark.slow


async def test_well_behaved_enterprises_stay_clear_and_silent_ones_climb_the_ladder() -> None:
    good = await simulate(
        enterprises=2,
        complaints=8,
        days=4,
        seed=3,
        settle_days=20,
        behaviour=Behaviour(late=0, never=0, dispute=0, fail_rectification=0),
    )
    total = good["metrics"]["total"]
    assert total["volume"] == 8 and total["violations"] == 0 and total["response_within_24h"] == 1.0
    assert all(o["level"] == 0 and o["warnings"] == 0 for o in good["outcomes"])

    silent = await simulate(
        enterprises=2,
        complaints=8,
        days=4,
        seed=3,
        settle_days=20,
        behaviour=Behaviour(late=0, never=1, dispute=0, fail_rectification=0),
    )
    total = silent["metrics"]["total"]
    assert total["volume"] == 8 and total["response_within_24h"] == 0.0 and total["overdue"] == 8
    assert total["violations"] >= 16  # each case: late response and late resolution
    assert sum(o["warnings"] for o in silent["outcomes"]) >= 1
    assert (
        any(o["penalties"] for o in silent["outcomes"]) and max(o["level"] for o in silent["outcomes"]) >= 2
    )
    assert "penalties" in render(silent)


async def test_the_ladder_carries_out_penalties_and_never_lifts_a_fine_or_a_revocation() -> None:
    """The run that once ended with fines and revocations lifted and revocations proposed again."""
    result = await simulate(
        enterprises=3,
        complaints=30,
        days=30,
        seed=1,
        behaviour=Behaviour(late=0.4, never=0.2, dispute=0.3, fail_rectification=0.3),
    )
    outcomes = result["outcomes"]
    fines = {state for o in outcomes for state in o["penalties"].get("fine", {})}
    assert fines and "lifted" not in fines and "confirmed" not in fines
    for o in outcomes:
        revocations = o["penalties"].get("revocation", {})
        assert "lifted" not in revocations and revocations.get("revoked", 0) == int(o["revoked"])
        if o["revoked"]:  # the ladder ended there: nothing proposed after it
            undecided = {"proposed", "hearing", "awaiting_decision"}
            assert not any(undecided & set(states) for states in o["penalties"].values())
    text = render(result)
    volume = result["metrics"]["total"]["volume"]
    assert text.startswith(f"Policy 2026.3: {volume} complaints arriving over 30 days (")
    assert "penalties by kind and state: fine " in text
