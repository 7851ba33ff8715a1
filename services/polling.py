"""Asking again until an answer will do: a first look at once, then looks further and further
apart, within a bound."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def polled(
    look: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float, *, first: float, most: float
) -> T:
    """`look`'s answer once `done` holds of it, or its last after `seconds`; the pause between looks
    starts at `first` and doubles up to `most`."""
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + seconds, first
    while True:
        found = await look()
        if done(found) or loop.time() >= deadline:
            return found
        await asyncio.sleep(pause)
        pause = min(pause * 2, most)
