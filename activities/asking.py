"""A workflow asked from an activity by a query, which only a running worker answers."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

T = TypeVar("T")


async def unless_stopping(query: Awaitable[T], asked: str) -> T:
    """The query's answer; in an activity, a failure as soon as its worker begins to stop. A
    stopping worker no longer takes the workflows' tasks: one it holds answers late if at all,
    and the stop would wait for it. The activity is tried again once a worker runs."""
    if not activity.in_activity():
        return await query
    asking, stopping = (
        asyncio.ensure_future(query),
        asyncio.ensure_future(activity.wait_for_worker_shutdown()),
    )
    try:
        await asyncio.wait({asking, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in (asking, stopping):
            waiting.cancel()
    if asking.done() and not asking.cancelled():
        return asking.result()
    raise ApplicationError(f"{asked} did not answer: this worker is stopping")
