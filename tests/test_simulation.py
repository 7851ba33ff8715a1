"""The what-if simulation: behaviours change what the ladder and the metrics show."""

from simulation import Behaviour, render, simulate


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
