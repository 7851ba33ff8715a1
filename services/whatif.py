"""What-if, for the supervisors: the simulation (`simulation.py`) run twice with the same seed,
volume and behaviour — on the policy in force, then on it with the changes asked for — each in a
process of its own (a time-skipping Temporal server and the real workflows), its progress told
as it goes; the two results side by side. One run at a time; the last runs are kept in the API
process's memory (services/background.py)."""

import asyncio
import contextlib
import json
import os
import secrets
import sys
import tempfile
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, model_validator

from domain.enums import Role
from domain.metrics import FIGURE_NAMES, change
from domain.toml_text import dumps
from services.context import Context
from services.errors import Conflict, NotFound
from services.fields import Input
from services.principal import Principal

ASKERS = (Role.SUPERVISOR, Role.ADMIN)
Share = Annotated[float, Field(ge=0, le=1)]


class WhatIfIn(Input):
    """The volume and behaviour simulated, and the policy's changes tried."""

    enterprises: int = Field(default=5, ge=1, le=20)
    complaints: int = Field(default=60, ge=1, le=300)
    days: int = Field(default=30, ge=1, le=90, description="days over which the complaints arrive")
    late: Share = 0.2
    never: Share = 0.1
    dispute: Share = 0.15
    fail_rectification: Share = 0.3
    response_hours: int = Field(ge=1, le=72)
    resolution_working_days: int = Field(ge=1, le=15)
    warning_fraction: float = Field(ge=0.5, le=0.95)
    repeat_window_days: int = Field(ge=30, le=730)
    seed: int = Field(default=1, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _answered_at_most_once(self) -> "WhatIfIn":
        if self.late + self.never > 1:
            raise ValueError("never: with the late ones, more than every complaint")
        return self


@dataclass
class WhatIfRun:
    id: str
    asked: WhatIfIn
    by: str
    started_at: datetime
    progress: float = 0.0  # 0 to 1, both simulations
    state: str = "running"  # running | done | failed
    error: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)  # in force, then with the changes

    def compared(self) -> dict[str, Any]:
        """Each total figure with the changes, in force, and its change in per cent."""
        before, now = (r["metrics"]["total"] for r in self.results)
        return {
            "now": now,
            "before": before,
            "changes": {name: change(now[name], before[name]) for name in FIGURE_NAMES},
        }


def asked_now(ctx: Context) -> dict[str, Any]:
    """The form's first values: the policy in force's own, and the simulation's defaults."""
    data = tomllib.loads(ctx.settings.policy_file.read_text())
    response = data["windows"]["response"]
    return {
        **{name: f.default for name, f in WhatIfIn.model_fields.items() if not f.is_required()},
        "response_hours": response.get("hours", response.get("days", 1) * 24),
        "resolution_working_days": data["windows"]["resolution"].get("working_days", 3),
        "warning_fraction": data.get("warning_fraction", 0.75),
        "repeat_window_days": data["supervision"]["repeat_window_days"],
    }


def candidate_policy(text: str, asked: WhatIfIn) -> str:
    """The policy in force with the changes asked for, under a version of its own."""
    data = tomllib.loads(text)
    data["version"] = f"{data['version']}-whatif"
    data["warning_fraction"] = asked.warning_fraction
    data["windows"]["response"] = {"hours": asked.response_hours}
    data["windows"]["resolution"] = {"working_days": asked.resolution_working_days}
    data["supervision"]["repeat_window_days"] = asked.repeat_window_days
    return dumps(data)


def runs(ctx: Context, *, principal: Principal) -> list[WhatIfRun]:
    """This process's runs, newest first."""
    principal.require(ASKERS)
    return [j for j in reversed(ctx.resources.background.jobs.values()) if isinstance(j, WhatIfRun)]


def get_run(ctx: Context, *, principal: Principal, run_id: str) -> WhatIfRun:
    principal.require(ASKERS)
    run = ctx.resources.background.jobs.get(run_id)
    if not isinstance(run, WhatIfRun):
        raise NotFound(f"no what-if {run_id}")
    return run


def revision(run: WhatIfRun) -> int:
    """The run's progress in per cent; 101 once it has ended, done or failed."""
    return int(run.progress * 100) if run.state == "running" else 101


async def revisions(run: WhatIfRun, *, seconds: float, every: float = 1.0) -> AsyncIterator[int]:
    """The run's revision now, and again each time it changes, until it ends or `seconds` pass."""
    loop = asyncio.get_running_loop()
    until, last = loop.time() + seconds, -1
    while True:
        now = revision(run)
        if now != last:
            last = now
            yield now
        if now > 100 or loop.time() + every > until:
            return
        await asyncio.sleep(every)


def start(ctx: Context, *, principal: Principal, asked: WhatIfIn) -> WhatIfRun:
    """A run begun: refused while another is running (each takes the processor for a while)."""
    principal.require(ASKERS)
    if any(r.state == "running" for r in runs(ctx, principal=principal)):
        raise Conflict("a what-if is running: wait for it to finish")
    run = WhatIfRun(
        id=secrets.token_hex(6), asked=asked, by=principal.actor.name, started_at=datetime.now(UTC)
    )
    ctx.resources.background.begin(run.id, run, _simulate_both(run, ctx.settings.policy_file.read_text()))
    ctx.audit.detail = f"what-if {run.id} started"
    return run


async def _simulate_both(run: WhatIfRun, policy_text: str) -> None:
    # Both runs from the same day, or their working days would differ: the day after tomorrow,
    # still ahead when the second run begins, whatever the time zone of the policy.
    start_day = datetime.now(UTC).date() + timedelta(days=2)
    try:
        with tempfile.TemporaryDirectory(prefix="whatif-") as tmp:
            folder = Path(tmp)
            (folder / "in-force.toml").write_text(policy_text)
            (folder / "changed.toml").write_text(candidate_policy(policy_text, run.asked))
            for n, name in enumerate(("in-force", "changed")):
                out = folder / f"{name}.json"
                await _simulate(run, folder / f"{name}.toml", out, n, start_day)
                run.results.append(json.loads(out.read_text()))
        run.state, run.progress = "done", 1.0
    except Exception as error:  # told on the page; the next run may begin
        run.state, run.error = "failed", str(error) or type(error).__name__


async def _simulate(run: WhatIfRun, policy: Path, out: Path, n: int, start_day: date) -> None:
    """One simulation in a process of its own; its progress is the half `n` of the run's."""
    a = run.asked
    argv = [
        "simulate",
        f"--enterprises={a.enterprises}",
        f"--complaints={a.complaints}",
        f"--days={a.days}",
        f"--late={a.late}",
        f"--never={a.never}",
        f"--dispute={a.dispute}",
        f"--fail-rectification={a.fail_rectification}",
        f"--seed={a.seed}",
        f"--start-day={start_day}",
        f"--policy={policy}",
        f"--json-file={out}",
        "--progress",
    ]
    # Nothing of this system's own settings reaches the simulation: its database, its mail.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "aftersales"),
        *argv,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    told: list[str] = []
    try:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace").strip()
            if line.startswith("progress "):
                with contextlib.suppress(ValueError):
                    run.progress = (n + float(line.split()[1])) / 2
            elif line:
                told = [*told[-4:], line]
        if await process.wait() != 0:
            raise RuntimeError("the simulation stopped: " + " / ".join(told))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
