"""The read model on SQLite and PostgreSQL: projections are idempotent and move only forward."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, select, text
from sqlalchemy.orm import Session

from activities.assignment import AssignmentActivities
from activities.intake import IntakeActivities
from activities.projection import ProjectionActivities
from db.migrate import downgrade, upgrade
from db.models import Base, CaseEventRow, Complaint, NotificationRow, Task, ViolationRow
from db.policies import PolicyConflict, PolicyStore
from db.seed import ENTERPRISES
from db.session import Database, sync_url
from domain.complaint.messages import EnterpriseRef, ViolationRecord
from domain.complaint.state import CaseState
from domain.enums import CaseStatus, Outcome, TaskKind, TaskStatus
from domain.messages import CaseEvent, Notification, Recipient
from domain.metrics import counted
from domain.policy import parse_policy
from domain.readmodel import CaseUpdate, TaskUpdate, snapshot
from domain.tasks import TaskRecord
from domain.triage import Triage
from settings import DEFAULTS, Settings
from tests.support import ENTERPRISE_CODE, intake, rows

POLICY_TEXT = (DEFAULTS / "policy.toml").read_text()


def case_update(revision: int, **changes: object) -> CaseUpdate:
    case = CaseState(
        intake=intake(tracking_no="CP20261201-AAAAAA"),
        policy=parse_policy(POLICY_TEXT),
        triage=Triage(
            category="product_quality", severity="moderate", priority="p3", rule="default", reasons=[]
        ),
        revision=revision,
        **changes,
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return CaseUpdate(
        snapshot=snapshot(case, "complaint-CP20261201-AAAAAA"),
        events=[CaseEvent(seq=revision, at=at, kind="responded", summary="the enterprise responded")],
        notifications=[
            Notification(
                key=f"CP20261201-AAAAAA:{revision}:x:role:supervisor",
                recipient=Recipient(kind="role", ref="supervisor"),
                topic="x",
                subject="s",
                tracking_no="CP20261201-AAAAAA",
            )
        ],
        violations=[
            ViolationRecord(
                seq=revision, kind="late_response", at=at, enterprise_code=ENTERPRISE_CODE, detail="late"
            )
        ],
    )


async def test_a_retried_projection_writes_nothing_twice(db: Database) -> None:
    projection = ProjectionActivities(db)
    update = case_update(3, status="responded")
    for _ in range(3):
        await projection.record_case(update)
    assert [r.revision for r in await rows(db, Complaint)] == [3]
    assert len(await rows(db, CaseEventRow)) == 1
    assert len(await rows(db, NotificationRow)) == 1
    assert len(await rows(db, ViolationRow)) == 1


async def test_a_late_older_projection_does_not_undo_a_newer_one(db: Database) -> None:
    projection = ProjectionActivities(db)
    await projection.record_case(case_update(5, status="investigating", escalation_level=2))
    await projection.record_case(case_update(4, status="responded"))
    [row] = await rows(db, Complaint)
    assert (row.revision, row.status, row.escalation_level) == (5, "investigating", 2)
    assert sorted(e.seq for e in await rows(db, CaseEventRow)) == [4, 5]


async def test_a_case_row_is_stamped_when_it_moves_forward_only(db: Database) -> None:
    projection = ProjectionActivities(db)
    await projection.record_case(case_update(5, status="investigating"))
    [first] = await rows(db, Complaint)
    await projection.record_case(case_update(4, status="responded"))
    [unmoved] = await rows(db, Complaint)
    await projection.record_case(case_update(6, status="evaluating"))
    [moved] = await rows(db, Complaint)
    assert unmoved.updated_at == first.updated_at < moved.updated_at
    assert (unmoved.status, moved.status, moved.revision) == ("investigating", "evaluating", 6)


async def test_times_come_back_as_utc(db: Database) -> None:
    await ProjectionActivities(db).record_case(case_update(1))
    [row] = await rows(db, Complaint)
    assert row.received_at.tzinfo is not None and row.received_at.utcoffset() == timedelta(0)


async def test_task_records_are_idempotent(db: Database) -> None:
    projection = ProjectionActivities(db)
    await projection.record_case(case_update(1))
    at = datetime(2026, 12, 1, tzinfo=UTC)
    record = TaskRecord(
        task_id="complaint-CP20261201-AAAAAA-evaluation-1",
        kind=TaskKind.EVALUATION,
        tracking_no="CP20261201-AAAAAA",
        enterprise_code=ENTERPRISE_CODE,
        status=TaskStatus.OPEN,
        assignee_id="agency-huaxin",
        opens_at=at,
        due=at + timedelta(days=7),
        revision=1,
    )
    update = TaskUpdate(task=record, events=[CaseEvent(seq=1, at=at, kind="opened", summary="open")])
    await projection.record_task(update)
    await projection.record_task(update)
    done = record.model_copy(update={"status": TaskStatus.DONE, "revision": 2, "result": {"satisfaction": 5}})
    await projection.record_task(TaskUpdate(task=done))
    await projection.record_task(update)
    [task] = await rows(db, Task)
    assert (task.status, task.result) == ("done", {"satisfaction": 5})
    assert len(await rows(db, CaseEventRow, CaseEventRow.source == record.task_id)) == 1


async def test_the_investigator_with_the_fewest_open_cases_is_chosen(db: Database) -> None:
    assignment = AssignmentActivities(db)
    first = await assignment.assign_investigator("CP-1")
    assert first.id == "inv-chen"  # a tie goes to the first account id
    projection = ProjectionActivities(db)
    await projection.record_case(case_update(1))
    async with db.transaction() as session:
        await session.execute(text("UPDATE complaints SET investigator_id = 'inv-chen'"))
    assert (await assignment.assign_investigator("CP-2")).id == "inv-li"
    assert (await assignment.assign_agency("CP-2")).id == "agency-huaxin"


async def test_the_policy_version_in_force_stays_with_the_day(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TEXT)
    store = PolicyStore(path, db)
    assert (await store.sync()).version == "2026.5"
    path.write_text(POLICY_TEXT.replace("response = { hours = 24 }", "response = { hours = 12 }"))
    with pytest.raises(PolicyConflict, match="give the changed policy a new version"):
        await store.sync()
    path.write_text(
        POLICY_TEXT.replace('version = "2026.5"', 'version = "2027.1"')
        .replace("effective_from = 2026-01-01", "effective_from = 2027-01-01")
        .replace("response = { hours = 24 }", "response = { hours = 12 }")
    )
    new = await store.in_force(datetime(2027, 1, 2, tzinfo=UTC))
    old = await store.in_force(datetime(2026, 12, 31, 10, tzinfo=UTC))
    assert (new.version, new.windows.response.hours) == ("2027.1", 12)
    assert (old.version, old.windows.response.hours) == ("2026.5", 24)


async def test_intake_counts_earlier_complaints_against_the_enterprise(
    db: Database, settings: Settings
) -> None:
    projection = ProjectionActivities(db)
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(2):
        update = case_update(1)
        no = f"CP20261201-EARLY{n}"
        snap = update.snapshot.model_copy(
            update={
                "tracking_no": no,
                "workflow_id": f"complaint-{no}",
                "received_at": now - timedelta(days=10),
            }
        )
        await projection.record_case(CaseUpdate(snapshot=snap))
    prepare = IntakeActivities(
        db, PolicyStore(settings.policy_file, db), settings.working_calendar(), settings.bureau_tree()
    )
    setup = await prepare.prepare_case(intake(received_at=now))
    assert setup.triage.rule == "default+repeat-enterprise" and setup.triage.priority == "p2"
    assert [d.kind for d in setup.deadlines] == ["response", "resolution", "acceptance"]
    assert date.fromisoformat(str(setup.policy.effective_from)) == date(2026, 1, 1)


# SQLite's reflection leaves out indexes on expressions (the queue's): their plan is checked in
# test_queue_order, their names below.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_go_down_and_up_again(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    with engine.connect() as connection:
        assert {"complaints", "case_events", "notifications", "accounts", "tasks"} <= set(
            inspect(connection).get_table_names()
        )
        # The migrations build exactly what the models declare.
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        names = (
            "SELECT indexname FROM pg_indexes WHERE tablename = 'complaints'"
            if connection.dialect.name == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints'"
        )
        built = set(connection.execute(text(names)).scalars())
        assert {i.name for i in Base.metadata.tables["complaints"].indexes} <= built
    engine.dispose()


AT = datetime(2026, 12, 1, tzinfo=UTC)
OLD_CASE = {
    "workflow_id": "", "revision": 1, "channel": "web", "status": "forwarded", "category": "other",
    "severity": "minor", "priority": "p3", "triage_rule": "default", "product_name": "x",
    "consumer_name_masked": "x", "consumer_phone_masked": "x", "received_at": AT, "escalation_level": 0,
    "overdue": False, "policy_version": "2026.3", "updated_at": AT, "region_code": "310115",
}  # fmt: skip


def _insert(connection: Connection, table: str, fields: dict[str, object]) -> None:
    names = ", ".join(fields)
    values = ", ".join(":" + n for n in fields)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), fields)


def _old_case(connection: Connection, no: str, code: str) -> None:
    _insert(
        connection,
        "complaints",
        {**OLD_CASE, "workflow_id": f"complaint-{no}", "tracking_no": no, "enterprise_code": code},
    )


def _enterprise(connection: Connection, code: str, region: str | None, registered: bool) -> None:
    fields = {"credit_code": code, "name": "e", "region_code": region, "registered": registered}
    _insert(connection, "enterprises", {**fields, "created_at": AT})


def test_the_cases_recorded_before_bureaus_are_placed_by_their_division(database_url: str) -> None:
    """Migration 0015: the registered enterprise's division, else the complaint's."""
    upgrade(database_url, "0014")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        _enterprise(connection, "91440300MA5F8R7T1F", "440305", True)
        _enterprise(connection, "X" * 18, None, False)
        _old_case(connection, "CP-OLD-1", "91440300MA5F8R7T1F")
        _old_case(connection, "CP-OLD-2", "X" * 18)
    upgrade(database_url)
    with engine.connect() as connection:
        placed = dict(connection.execute(text("SELECT tracking_no, bureau_code FROM complaints")).all())
    engine.dispose()
    assert placed == {"CP-OLD-1": "440305", "CP-OLD-2": "310115"}


def test_the_cases_recorded_before_take_their_bureau_timeliness_from_their_events(
    database_url: str,
) -> None:
    """Migration 0016: acceptance, transfers and mediation's time-out, from the recorded events."""
    upgrade(database_url, "0015")
    engine = create_engine(sync_url(database_url))
    day = timedelta(days=1)
    steps = {
        "CP-OLD-1": [("transferred", AT + day), ("transferred", AT + 2 * day), ("admitted", AT + 3 * day)],
        "CP-OLD-2": [("deemed_admitted", AT + 9 * day), ("mediation_ended", AT + 70 * day)],
        "CP-OLD-3": [("declined", AT + day)],
        "CP-OLD-4": [],
    }
    with engine.begin() as connection:
        _enterprise(connection, "X" * 18, None, False)
        for no, events in steps.items():
            _old_case(connection, no, "X" * 18)
            for seq, (kind, at) in enumerate(events, start=2):
                event = {"source": f"complaint-{no}", "seq": seq, "at": at, "kind": kind, "summary": kind}
                _insert(
                    connection,
                    "case_events",
                    {**event, "actor_id": "system", "actor_role": "system", "data": "{}", "tracking_no": no},
                )
    upgrade(database_url)
    with Session(engine) as session:
        got = {
            c.tracking_no: (c.admission, c.transfers, c.transferred_at, c.mediation_timed_out)
            for c in session.scalars(select(Complaint))
        }
    engine.dispose()
    assert got == {
        "CP-OLD-1": ("admitted", 2, AT + 2 * day, False),
        "CP-OLD-2": ("deemed", 0, None, True),
        "CP-OLD-3": ("declined", 0, None, False),
        "CP-OLD-4": (None, 0, None, False),
    }


async def test_a_case_row_keeps_its_place_in_the_counts_as_each_step_leaves_it(db: Database) -> None:
    """Worked out from the snapshot as the row is written, so that a snapshot from a worker that
    knew nothing of them is counted the same."""
    projection, last = ProjectionActivities(db), case_update(1).snapshot
    received = last.received_at
    steps = [
        {
            "responded_at": received + timedelta(hours=2, microseconds=5),
            "response_due": received + timedelta(1),
        },
        {"status": CaseStatus.CLOSED, "outcome": Outcome.RESOLVED, "resolved_at": received + timedelta(2)},
    ]
    names = ("response_us", "answered", "answered_in_time", "judged", "judged_resolved")
    seen = []
    for revision, step in enumerate([{}, *steps], start=1):
        last = last.model_copy(update={**step, "revision": revision})
        await projection.record_case(CaseUpdate(snapshot=last))
        [row] = await rows(db, Complaint)
        seen.append(tuple(getattr(row, n) for n in names))
    assert seen == [
        (None, False, False, False, False),
        (2 * 3_600_000_000 + 5, True, True, False, False),
        (2 * 3_600_000_000 + 5, True, True, True, True),
    ]


def test_the_cases_recorded_before_take_their_counts_from_their_row(database_url: str) -> None:
    """Migration 0017: each case's place in the metrics' counts and its response time, as
    `domain.metrics.counted` gives them for the same row."""
    upgrade(database_url, "0016")
    engine = create_engine(sync_url(database_url))
    hour, due = timedelta(hours=1), {"response_due": AT + timedelta(hours=24)}
    cases = {
        "CP-OLD-1": {**due, "responded_at": AT + 3 * hour + timedelta(microseconds=250_001)},
        "CP-OLD-2": {**due, "responded_at": AT + 30 * hour, "response_breached": True},
        "CP-OLD-3": {**due, "responded_at": AT + 30 * hour},  # recorded after its deadline
        "CP-OLD-4": {**due, "response_breached": True},
        "CP-OLD-5": {"status": "closed", "outcome": "resolved", "resolved_at": AT + 5 * hour},
        "CP-OLD-6": {"status": "closed", "outcome": "not_substantiated", "resolved_at": AT + 80 * hour},
        "CP-OLD-7": {"status": "closed", "outcome": "withdrawn"},
        "CP-OLD-8": {"status": "closed"},
    }
    with engine.begin() as connection:
        _enterprise(connection, "X" * 18, None, False)
        for no, fields in cases.items():
            _old_case(connection, no, "X" * 18)
            fields = {"resolution_due": AT + 72 * hour, **fields}
            assigned = ", ".join(f"{name} = :{name}" for name in fields)
            connection.execute(
                text(f"UPDATE complaints SET {assigned} WHERE tracking_no = :no"), {**fields, "no": no}
            )
    upgrade(database_url)
    names = ("response_us", "answered", "answered_in_time", "resolved_in_time", "judged", "judged_resolved")
    with Session(engine) as session:
        got = {c.tracking_no: c for c in session.scalars(select(Complaint))}
        migrated = {no: tuple(getattr(c, n) for n in names) for no, c in got.items()}
        expected = {no: tuple(counted(vars(c))[n] for n in names) for no, c in got.items()}
    engine.dispose()
    assert migrated == expected
    assert migrated["CP-OLD-1"] == (3 * 3_600_000_000 + 250_001, True, True, False, False, False)
    assert migrated["CP-OLD-3"][1:3] == (False, False) and migrated["CP-OLD-4"][1:3] == (True, False)
    assert migrated["CP-OLD-5"][3:] == (True, True, True) and migrated["CP-OLD-6"][3:] == (False, True, False)
    assert migrated["CP-OLD-7"][4:] == (False, False) and migrated["CP-OLD-8"][4:] == (True, False)


async def test_a_case_from_before_bureaus_is_placed_by_its_division_when_it_next_records(
    db: Database,
) -> None:
    update = case_update(1)
    assert update.snapshot.bureau_code is None  # its workflow began before bureaus
    await ProjectionActivities(db).record_case(update)
    [row] = await rows(db, Complaint)
    assert row.bureau_code == "310115"  # the demo enterprise's registered division


async def test_a_platforms_merchant_goes_where_the_policy_says(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """By default where the merchant is registered; under `platform_merchants = "platform"`, where
    the platform's operator is domiciled, if the registry places it."""
    path = tmp_path / "policy.toml"
    path.write_text(
        POLICY_TEXT.replace('version = "2026.5"', 'version = "platform-test"').replace(
            'platform_merchants = "merchant"', 'platform_merchants = "platform"'
        )
    )
    calendar, tree = settings.working_calendar(), settings.bureau_tree()
    merchant = EnterpriseRef(credit_code=ENTERPRISES[1][0], name=ENTERPRISES[1][1])  # Nanshan
    platform = EnterpriseRef(credit_code=ENTERPRISES[2][0], name=ENTERPRISES[2][1])  # Haidian
    case = intake(enterprise=merchant, platform=platform)
    by_default = await IntakeActivities(
        db, PolicyStore(settings.policy_file, db), calendar, tree
    ).prepare_case(case)
    assert by_default.routing is not None and (by_default.routing.bureau, by_default.routing.rule) == (
        "440305",
        "enterprise-division",
    )
    by_platform = await IntakeActivities(db, PolicyStore(path, db), calendar, tree).prepare_case(case)
    assert by_platform.routing is not None
    assert (by_platform.routing.bureau, by_platform.routing.rule) == ("110108", "platform-domicile")
    assert ENTERPRISES[2][1] in by_platform.routing.reason
    unplaced = intake(enterprise=merchant, platform=EnterpriseRef(credit_code="9" * 18, name="某未登记平台"))
    routed = (
        await IntakeActivities(db, PolicyStore(path, db), calendar, tree).prepare_case(unplaced)
    ).routing
    assert routed is not None and (routed.bureau, routed.rule) == ("440305", "enterprise-division")
