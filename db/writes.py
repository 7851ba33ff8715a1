"""Writes that a retried activity may repeat without effect."""

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Base, utcnow


def _dialect(name: str) -> Any:
    """The dialect module whose `insert` has the upsert clauses, by the bind's dialect name."""
    return postgresql if name == "postgresql" else sqlite


async def insert_missing(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert the rows whose unique `keys` are not in the table yet; skip the others. The rows go
    as the statement's parameters, not in it, so it is compiled once and not for each call."""
    if not rows:
        return
    statement = (
        _dialect(session.get_bind().dialect.name)
        .insert(model)
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    await session.execute(statement, list(rows))


async def move_forward(session: AsyncSession, model: type[Base], fields: dict[str, Any]) -> None:
    """Insert the row, or replace the `fields` of the one there if they carry a higher `revision`;
    never go back. One statement (an upsert), so the row is neither read nor loaded; on
    PostgreSQL it locks the row it updates, as a read for update did."""
    table = model.__table__
    assert isinstance(table, Table)
    if "updated_at" in table.c:  # an upsert's update runs no column's onupdate
        fields = {**fields, "updated_at": utcnow()}
    dialect = session.get_bind().dialect.name
    await session.execute(_upsert(dialect, table, tuple(fields)), fields)


@functools.cache
def _upsert(dialect: str, table: Table, names: tuple[str, ...]) -> Any:
    """The upsert of these columns, built once: building one names every column twice."""
    insert = _dialect(dialect).insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: insert.excluded[name] for name in names if not table.c[name].primary_key},
        where=table.c.revision < insert.excluded.revision,
    )
