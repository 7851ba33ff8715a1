"""What the tests share: the binaries and payload keys, builders of intakes and commands, and
waits on a condition (never on time)."""

import asyncio
import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from db.models import Base, Complaint, Task
from db.seed import ENTERPRISES
from db.session import Database
from domain.complaint.io import ComplaintInput
from domain.complaint.messages import ComplaintIntake, ConsumerDetails, EnterpriseRef, ProductDetails
from domain.complaint.state import CaseState
from domain.enums import (
    Category,
    Channel,
    DesiredOutcome,
    Role,
)
from domain.ids import complaint_workflow_id
from domain.messages import Actor, Command
from domain.policy import parse_policy
from settings import DEFAULTS, Settings
from temporal_client import KeyRing
from workflows.complaint import ComplaintWorkflow

ENTERPRISE_CODE, ENTERPRISE_NAME, _ = ENTERPRISES[0]
OTHER_ENTERPRISE = ENTERPRISES[1][0]

CONSUMER = Actor(id="consumer", role=Role.CONSUMER)
ENTERPRISE = Actor(id="ent-minghui", role=Role.ENTERPRISE, org=ENTERPRISE_CODE, name="明辉电器")
SUPERVISOR = Actor(id="sup-zhao", role=Role.SUPERVISOR, name="赵敏")
CLERK = Actor(id="clerk-1", role=Role.CLERK, name="王芳")

C = TypeVar("C", bound=Command)
T = TypeVar("T")


def tracking_no() -> str:
    return "CP-TEST-" + uuid.uuid4().hex[:10].upper()


def intake(**overrides: Any) -> ComplaintIntake:
    fields: dict[str, Any] = {
        "tracking_no": tracking_no(),
        "channel": Channel.WEB,
        "received_at": datetime.now(UTC).replace(microsecond=0),
        "recorded_by": CONSUMER,
        "consumer": ConsumerDetails(name="张三", phone="13812341234"),
        "enterprise": EnterpriseRef(credit_code=ENTERPRISE_CODE, name=ENTERPRISE_NAME),
        "product": ProductDetails(
            name="电热水壶", model="MH-17", purchase_date=date(2026, 11, 1), amount=Decimal("199.00")
        ),
        "region_code": "310115",
        "category": Category.PRODUCT_QUALITY,
        "description": "水壶用了两周底座松动,无法加热。",
        "desired_outcome": DesiredOutcome.REPLACE,
    }
    fields.update(overrides)
    return ComplaintIntake(**fields)


def command(cls: type[C], actor: Actor, **fields: Any) -> C:
    return cls(request_id=str(uuid.uuid4()), actor=actor, **fields)


async def start_case(client: Client, task_queue: str, case: ComplaintIntake) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        ComplaintWorkflow.run,
        ComplaintInput(intake=case),
        id=complaint_workflow_id(case.tracking_no),
        task_queue=task_queue,
        task_timeout=timedelta(seconds=60),
        execution_timeout=timedelta(days=400),
    )


# How long a wait on a condition may last before the test fails. It costs nothing when the
# condition comes soon; on a loaded machine a step may wait out a workflow task's timeout (a task
# handed to a worker just stopped is given to another only then), so it is generous.
WAIT_SECONDS = 60.0


async def eventually(
    probe: Callable[[], Any], *, timeout: float = WAIT_SECONDS, what: str = "condition"
) -> Any:
    """Call `probe` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = probe()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def case_state(handle: WorkflowHandle[Any, Any]) -> CaseState:
    state = await handle.query(ComplaintWorkflow.state)
    assert state is not None
    return state


async def wait_for_state(
    handle: WorkflowHandle[Any, Any],
    check: Callable[[CaseState], bool],
    what: str = "case state",
    timeout: float = WAIT_SECONDS,
    *,
    db: Database | None = None,
) -> CaseState:
    """The case's state once `check` holds. Given the database, also once the read model has
    recorded that state: a workflow shows a change before its activity writes it."""

    async def probe() -> CaseState | None:
        state = await handle.query(ComplaintWorkflow.state)
        if state is None or not check(state):
            return None
        if db is not None:
            async with db.sessions() as session:
                row = await session.get(Complaint, state.tracking_no)
            if row is None or row.revision < state.revision:
                return None
        return state

    return await eventually(probe, timeout=timeout, what=what)


async def task_row(db: Database, task_id: str, check: Callable[[Task], bool], what: str = "the task") -> Task:
    """A task's row once `check` holds: a task workflow records each change after it makes it."""

    async def probe() -> Task | None:
        async with db.sessions() as session:
            row = await session.get(Task, task_id)
        return row if row is not None and check(row) else None

    return await eventually(probe, what=what)


async def task_handle(client: Client, task_id: str) -> WorkflowHandle[Any, Any]:
    """A task's workflow once it exists: a case records its task as it starts the child."""
    handle = client.get_workflow_handle(task_id)

    async def started() -> bool:
        try:
            await handle.describe()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    await eventually(started, what=f"task {task_id} started")
    return handle


async def rows(db: Database, model: type[Base], *where: Any) -> list[Any]:
    async with db.sessions() as session:
        return list((await session.execute(select(model).where(*where))).scalars())


BIN = Path(sys.executable).parent


# The tests' payload keys: the first encrypts; the second is an older key that still decrypts.
TEST_KEYS = (
    "test-2=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,test-1=H/4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="
)


TEST_RING = KeyRing.parse(TEST_KEYS)


POSTGRES_ADMIN_URL = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def tool(name: str) -> str:
    """A binary installed by the project's packages (temporal, temporal-test-server)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run the README's test command")
    return found


POLICY = parse_policy((DEFAULTS / "policy.toml").read_text())


CALENDAR = Settings(_env_file=None).working_calendar()  # type: ignore[call-arg]


async def end_left_running(client: Client, settings: Settings) -> None:
    """Terminate the workflows a test left running on its task queues. The dev server outlives
    the test: one left running (an enterprise's supervision, say) would take the next test's
    signals with no worker to serve them."""
    queues = f'TaskQueue = "{settings.task_queue}" OR TaskQueue = "{settings.delivery_task_queue}"'
    async for execution in client.list_workflows(f'({queues}) AND ExecutionStatus = "Running"'):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        with contextlib.suppress(RPCError):  # it may have closed since it was listed
            await handle.terminate(reason="the test is over")
