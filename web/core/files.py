"""Files on the pages: what a form hands in, and a stored file sent back as a download."""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Path
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from services.files import StoredFile, Upload

CSV = "text/csv; charset=utf-8"

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


async def uploaded(data: FormData, field: str = "files") -> list[Upload]:
    """The files a form's file field holds; a file field left empty sends nothing."""
    out = []
    for item in data.getlist(field):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            out.append(Upload(name=item.filename or "", content=await item.read()))
    return out


def file_response(stored: StoredFile) -> Response:
    """The file as an attachment, under its own name and type, never shown inline."""
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(stored.name)}",
            "x-content-type-options": "nosniff",
        },
    )


def attachment(body: str | AsyncIterator[str], filename: str, media_type: str = CSV) -> Response:
    """An answer to keep as a file: CSV (a text, or lines as they are read) or JSON."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if isinstance(body, str):
        return Response(body, media_type=media_type, headers=headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)
