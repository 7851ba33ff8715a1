"""An answer to keep as a file: CSV (a text, or lines as they are read) or JSON."""

from collections.abc import AsyncIterator

from fastapi.responses import Response, StreamingResponse

CSV = "text/csv; charset=utf-8"


def attachment(body: str | AsyncIterator[str], filename: str, media_type: str = CSV) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if isinstance(body, str):
        return Response(body, media_type=media_type, headers=headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)
