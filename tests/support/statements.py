"""Listening to the statements a database runs, to act between two of them."""

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import event

from db.session import Database


@contextlib.contextmanager
def each_statement(db: Database, listener: Callable[..., None]) -> Iterator[None]:
    """`listener` called after each statement the database runs, within the block."""
    event.listen(db.engine.sync_engine, "after_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", listener)
