"""A case page watches its case: the revision as server-sent events, for a few minutes at a
time (the browser reconnects by itself), ending when the reader leaves."""

from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import StreamingResponse

WATCH_SECONDS = 300.0


def watch(request: Request, revisions: AsyncIterator[int]) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        yield "retry: 5000\n\n"
        async for revision in revisions:
            if await request.is_disconnected():
                return
            yield f"event: version\ndata: {revision}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})
