"""Every error is JSON with a `detail`; bad input lists each field and the reason."""

import re
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MAX_BODY_BYTES = 256 * 1024
_FIELD = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")


def invalid(field: str, reason: str, where: str = "body") -> RequestValidationError:
    """A 422 for one field, in the same form as pydantic's."""
    return RequestValidationError([{"loc": (where, *field.split(".")), "msg": reason, "type": "value_error"}])


class Conflict(Exception):
    """An action that does not fit the case's state: 409 with the reason."""

    def __init__(self, reason: str, **context: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context = context


def field_errors(errors: Any) -> list[dict[str, str]]:
    out = []
    for error in errors:
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "")
            out.append({"field": "body", "reason": f"not valid JSON: {detail}".rstrip(": ")})
            continue
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        # Union members and validator names add nothing for the reader.
        loc = [part for part in loc if not part.startswith("function-") and "[" not in part]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        named, sep, rest = message.partition(": ")
        if sep and _FIELD.fullmatch(named):  # a model's own check names the field it is about
            loc, message = [*loc, named], rest
        field = ".".join(loc) or where
        if error.get("type") == "extra_forbidden":
            message = "unknown field"
        if where in ("query", "header", "path"):
            field = f"{where}.{field}" if loc else where
        out.append({"field": field, "reason": message})
    return out


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": "the request is not valid", "errors": field_errors(exc.errors())},
    )


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str | dict | list) else str(exc.detail)
    return JSONResponse(
        status_code=exc.status_code, content={"detail": detail}, headers=getattr(exc, "headers", None)
    )


async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_409_CONFLICT, content=jsonable_encoder({"detail": exc.reason, **exc.context})
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Conflict, _conflict)  # type: ignore[arg-type]
