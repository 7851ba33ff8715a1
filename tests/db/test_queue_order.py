"""A page of the staff's queue and of an enterprise's inbox is read from an index in its order:
25 rows, whatever the number of cases, not every case of a priority sorted first. Checked in
SQLite's plan, which follows the schema (PostgreSQL's follows the table's statistics too). A
filter with an index of its own (overdue, a status) may be read through that one instead, its
cases sorted: the planner's choice."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, create_engine, event, func

from db.metrics import compute
from db.migrate import upgrade
from db.models import Account
from db.session import Database, sync_url
from domain.enums import Role
from domain.messages import Actor
from domain.metrics import parse_period
from domain.policy import parse_policy
from services.cases import CaseFilters, queue_statement, revision_statement
from services.principal import Principal
from settings import Settings
from tests.support import ENTERPRISE_CODE

SUPERVISOR = Principal(actor=Actor(id="sup-1", role=Role.SUPERVISOR))
ENTERPRISE = Principal(actor=Actor(id="ent-1", role=Role.ENTERPRISE, org=ENTERPRISE_CODE))
COUNTY = Principal(actor=Actor(id="sup-2", role=Role.SUPERVISOR), account=Account(bureau_code="440305"))


@pytest.mark.parametrize(
    ("principal", "filters", "nearest_first", "index"),
    [
        (SUPERVISOR, CaseFilters(), False, "ix_complaints_queue"),
        (SUPERVISOR, CaseFilters(open=True), False, "ix_complaints_queue"),
        (ENTERPRISE, CaseFilters(open=True), True, "ix_complaints_inbox"),
    ],
)
def test_a_page_is_read_from_the_index_in_order(
    tmp_path: Path, principal: Principal, filters: CaseFilters, nearest_first: bool, index: str
) -> None:
    plan = planned(tmp_path, queue_statement(principal, filters, nearest_first).limit(25))
    assert any(f"complaints USING INDEX {index}" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan  # nothing sorted


def test_an_inbox_counts_its_open_cases_from_its_index_alone(tmp_path: Path) -> None:
    inbox = queue_statement(ENTERPRISE, CaseFilters(open=True), nearest_first=True)
    counting = inbox.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    plan = planned(tmp_path, counting)
    assert any("complaints USING COVERING INDEX ix_complaints_inbox" in step for step in plan), plan


async def test_an_enterprises_metrics_read_its_cases_by_the_enterprises_index(tmp_path: Path) -> None:
    """Not by its inbox's: that holds the open cases alone, in the order of their deadlines."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    db, plans = Database(url), []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def explain(connection: Any, cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        if sql.lstrip().startswith("SELECT") and "FROM complaints" in sql:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
            plans.append([step[3] for step in cursor.fetchall()])

    settings = Settings()
    policy, calendar = parse_policy(settings.policy_file.read_text()), settings.working_calendar()
    async with db.sessions() as session:
        await compute(session, policy, calendar, parse_period("2026-11"), (), enterprise=ENTERPRISE_CODE)
    await db.dispose()
    read = [
        step for plan in plans for step in plan if "SEARCH complaints" in step or "SCAN complaints" in step
    ]
    assert read and all("ix_complaints_inbox" not in step for step in read), plans
    assert any("ix_complaints_enterprise_code" in step for step in read), plans


@pytest.mark.parametrize("principal", [SUPERVISOR, COUNTY], ids=["top", "county"])
def test_the_revision_a_bureaus_page_watches_reads_an_index_alone(
    tmp_path: Path, principal: Principal
) -> None:
    """Every open page asks for it every two seconds: the count and the sum of the revisions of
    the cases in its reader's view. Of every case, SQLite reads the index on the receipt, which
    ends with the revision too (for the metrics' kept months)."""
    plan = planned(tmp_path, revision_statement(principal))
    index = "ix_complaints_bureau_code" if principal is COUNTY else "ix_complaints_received_at"
    assert len(plan) == 1 and f"complaints USING COVERING INDEX {index}" in plan[0], plan


def planned(tmp_path: Path, statement: Select) -> list[str]:
    """SQLite's plan for `statement` on a database of the newest schema."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    engine = create_engine(sync_url(url))
    compiled = statement.compile(engine)  # its values bound, as the application sends them
    values = tuple(compiled.params[name] for name in compiled.positiontup or ())
    with engine.connect() as connection:
        plan = [step[3] for step in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)]
    engine.dispose()
    return plan
