"""Write transactions on SQLite: one writer at a time, and what a writer read is still true when
it commits, whether the other writers share its process or not."""

import asyncio
from pathlib import Path

from sqlalchemy import text

from db.session import Database


async def test_sqlite_writers_take_turns_and_lose_no_update(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'counter.db'}"
    here, elsewhere = Database(url), Database(url)  # the second as another process would be
    try:
        async with here.transaction() as session:
            await session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
            await session.execute(text("INSERT INTO counter VALUES (0)"))

        async def add_one(db: Database) -> None:
            async with db.transaction() as session:
                n = await session.scalar(text("SELECT n FROM counter"))
                await asyncio.sleep(0)  # the other writers run between the read and the write
                await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(add_one(db) for _ in range(20) for db in (here, elsewhere)))
        async with here.sessions() as session:
            assert await session.scalar(text("SELECT n FROM counter")) == 40
    finally:
        await here.dispose()
        await elsewhere.dispose()
