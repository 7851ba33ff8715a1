"""A worker in a process of its own (its settings from the environment), for a test to kill."""

import asyncio

from db.session import Database
from settings import Settings
from temporal_client import connect
from worker import build_worker


async def main() -> None:
    settings = Settings()
    db = Database(settings.database)
    async with build_worker(await connect(settings), settings, db):
        print("worker running", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
