"""An applied action is answered once the read model shows it: whoever acted, and anyone who looks
after them, finds the step in the lists. A workflow takes the step in its task and writes its row
in an activity a moment later; the answer waits for that row, a few milliseconds as a rule."""

import asyncio
import logging

from sqlalchemy import inspect, select

from db.models import Base
from services.context import Context

log = logging.getLogger("aftersales.shown")


async def shown(ctx: Context, model: type[Base], key: str, revision: int) -> bool:
    """Whether the row of `model` whose primary key is `key` came to hold `revision` or a later one
    within the action's wait (`action_wait_seconds`). The action stands either way: a record held
    up only delays its answer."""
    [primary] = inspect(model).primary_key
    column = model.__table__.c.revision  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + ctx.settings.action_wait_seconds, 0.005
    while True:
        async with ctx.resources.db.sessions() as session:  # a transaction a look: each sees the latest write
            written = await session.scalar(select(column).where(primary == key))
        if written is not None and written >= revision:
            return True
        if loop.time() >= deadline:
            log.warning(
                "%s %s not written at revision %d in time: answered all the same",
                model.__name__,
                key,
                revision,
            )
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)
