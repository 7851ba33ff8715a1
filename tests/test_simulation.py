"""The what-if simulation: behaviours change what the ladder and the metrics show."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from db.models import Complaint
from db.policies import PolicyStore
from db.seed import ENTERPRISES
from db.session import Database
from domain.complaint.messages import Propose
from domain.enums import Measure, Role
from domain.ids import complaint_workflow_id
from domain.messages import Actor
from settings import Settings
from simulation import Behaviour, DayBegun, Simulation, render, settle, simulate
from tests.support import eventually
from worker import build_worker
from workflows.complaint import ComplaintWorkflow

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
    assert text.startswith(f"Policy 2026.5: {volume} complaints arriving over 30 days (")
    assert "penalties by kind and state: fine " in text


async def test_each_step_waits_until_the_read_model_holds_every_open_case_as_its_workflow(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    policy = await PolicyStore(settings.policy_file, db).sync()
    code = ENTERPRISES[0][0]
    async with build_worker(ts_env.client, settings, db):
        sim = Simulation(ts_env.client, db, settings, Behaviour(), random.Random(1), [code], policy)
        await sim.file(await ts_env.get_current_time())
        await settle(sim)
        assert await sim.caught_up()

        async with db.transaction() as session:  # the row one event behind its workflow
            await session.execute(update(Complaint).values(revision=Complaint.revision - 1))
        assert not await sim.caught_up()
        with pytest.raises(RuntimeError, match="did not catch up"):
            await settle(sim, within=0.3)


class HeldAfterWriting(Interceptor):
    """Each record of a case's step after the first writes its row and then waits for `release`
    before it ends: the step's report to the enterprise's supervision is still on its way."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.records = 0

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        held = self

        class Held(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                if activity.info().activity_type == "record_case":
                    held.records += 1
                    if held.records > 1:
                        await held.release.wait()
                return result

        return Held(next)


async def test_each_step_waits_until_a_case_step_is_recorded_and_reported_not_only_written(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    """The row is written before the step's report goes to the enterprise's supervision, which
    the parties read next: a step that went on at the row alone would read it without the report."""
    policy = await PolicyStore(settings.policy_file, db).sync()
    code = ENTERPRISES[0][0]
    held = HeldAfterWriting()
    async with build_worker(ts_env.client, settings, db, interceptors=[held]):
        sim = Simulation(ts_env.client, db, settings, Behaviour(), random.Random(1), [code], policy)
        await sim.file(await ts_env.get_current_time())
        await settle(sim)
        (no,) = sim.cases
        handle = ts_env.client.get_workflow_handle(complaint_workflow_id(no))
        enterprise = Actor(id=f"sim-{code}", role=Role.ENTERPRISE, org=code)
        await handle.signal(
            ComplaintWorkflow.propose,
            sim.command(Propose, enterprise, measures=[Measure.REPLACE], detail="换新"),
        )

        async def written() -> bool:
            state = await handle.query(ComplaintWorkflow.state)
            async with db.sessions() as session:
                row = await session.scalar(select(Complaint.revision).where(Complaint.tracking_no == no))
            return state is not None and state.status == "proposed" and row == state.revision

        try:
            await eventually(written, what="the proposal's row written")
            assert not await sim.caught_up()  # its record has not ended
        finally:
            held.release.set()
        await settle(sim)
        assert await sim.caught_up()


async def test_runs_of_the_same_seed_and_policy_from_the_same_day_give_the_same_figures() -> None:
    """Enough cases that tasks open together and the parties act on several in one step: read in
    whatever order their rows were written, the draws of the seed went to other cases."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    behaviour = Behaviour(late=0.3, never=0.2)
    runs = [
        await simulate(enterprises=3, complaints=30, days=5, seed=7, behaviour=behaviour, start_day=day)
        for _ in range(2)
    ]
    assert runs[0]["metrics"]["total"]["volume"] == 30 and runs[0]["metrics"]["total"]["evaluated"] > 0
    assert runs[0] == runs[1]
    assert runs[0]["arrivals"]["first"] >= str(day)


async def test_a_simulation_cannot_begin_on_a_day_that_has_begun() -> None:
    with pytest.raises(DayBegun, match="has begun"):
        await simulate(
            enterprises=1,
            complaints=1,
            days=1,
            seed=1,
            behaviour=Behaviour(),
            start_day=datetime.now(UTC).date(),
        )
