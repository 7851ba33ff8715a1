"""An applied action is answered once the read model shows it: whoever acted, and anyone who looks
after them, finds the step in the lists. A workflow takes the step in its task and writes its row
in an activity a moment later; the answer waits for that row, a few milliseconds as a rule."""

import logging

from sqlalchemy import inspect, select

from db.models import Base
from services.context import Context
from services.polling import polled

log = logging.getLogger("aftersales.shown")


async def shown(ctx: Context, model: type[Base], key: str, revision: int) -> bool:
    """Whether the row of `model` whose primary key is `key` came to hold `revision` or a later one
    within the action's wait (`action_wait_seconds`). The action stands either way: a record held
    up only delays its answer."""
    [primary] = inspect(model).primary_key
    column = model.__table__.c.revision  # type: ignore[attr-defined]

    async def look() -> int | None:
        async with ctx.resources.db.sessions() as session:  # a transaction a look: each sees the latest
            written: int | None = await session.scalar(select(column).where(primary == key))
            return written

    def holds(written: int | None) -> bool:
        return written is not None and written >= revision

    if holds(await polled(look, holds, ctx.settings.action_wait_seconds, first=0.005, most=0.1)):
        return True
    log.warning("%s %s not written at revision %d in time: answered as it is", model.__name__, key, revision)
    return False
