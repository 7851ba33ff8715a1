"""Writes that a retried activity may repeat without effect."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Base


async def insert_missing(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert the rows whose unique `keys` are not in the table yet; skip the others. The rows go
    as the statement's parameters, not in it, so it is compiled once and not for each call."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(statement, list(rows))
