"""Listening to the statements a database runs, to act between two of them, and writing as
another request would."""

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import Executable, create_engine, event

from db.session import Database, sync_url


@contextlib.contextmanager
def each_statement(db: Database, listener: Callable[..., None]) -> Iterator[None]:
    """`listener` called after each statement the database runs, within the block."""
    event.listen(db.engine.sync_engine, "after_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", listener)


def committed_apart(url: str, statement: Executable) -> None:
    """`statement` committed on a connection of its own, as another request's write would be."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(statement)
    engine.dispose()
