"""Every error is JSON with a `detail`; bad input lists each field and the reason. A use case's
`ServiceError` becomes its status code here, and each route documents the codes it can give."""

import re
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from db.session import UNREACHABLE
from services.errors import (
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    ServiceError,
    Unauthorized,
    Unavailable,
)
from services.errors import field_errors as service_field_errors

MAX_BODY_BYTES = 256 * 1024

STATUS: dict[type[ServiceError], int] = {
    BadRequest: status.HTTP_400_BAD_REQUEST,
    Unauthorized: status.HTTP_401_UNAUTHORIZED,
    Forbidden: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    RateLimited: status.HTTP_429_TOO_MANY_REQUESTS,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


class ErrorBody(BaseModel):
    detail: str


DESCRIPTIONS = {
    400: "the request cannot be done as asked",
    401: "no credentials, or credentials that do not hold",
    403: "not for this role",
    404: "no such object, or none the caller may see",
    405: "the path takes other methods (see Allow)",
    409: "the action does not fit the object's state now, or the Idempotency-Key stands for "
    "another request; the reason is given",
    413: "the body is larger than 256 KiB",
    429: "too many requests; see Retry-After",
    503: "Temporal or the audit log did not answer; try again",
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route can give, for its OpenAPI document."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def field_errors(errors: Any) -> list[dict[str, str]]:
    """Pydantic's errors as the API names them: a query, header or path field with its place."""
    out = []
    for e in service_field_errors(errors):
        field = e.field if e.where == "body" or e.field == e.where else f"{e.where}.{e.field}"
        out.append({"field": field, "reason": e.reason})
    return out


def _field(error: FieldError) -> dict[str, str]:
    field = error.field if error.where == "body" else f"{error.where}.{error.field}"
    return {"field": field, "reason": error.reason}


def _invalid(errors: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": "the request is not valid", "errors": errors},
    )


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _invalid(field_errors(exc.errors()))


async def _service(request: Request, exc: ServiceError) -> JSONResponse:
    if isinstance(exc, Invalid):
        return _invalid([_field(e) for e in exc.errors])
    code = next(c for kind, c in STATUS.items() if isinstance(exc, kind))
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    content: dict[str, Any] = {"detail": exc.reason}
    if isinstance(exc, Conflict):
        content |= exc.context
    return JSONResponse(status_code=code, content=content, headers=headers)


def _template(path: str) -> re.Pattern[str]:
    """`/api/complaints/{tracking_no}` as a pattern that its paths match."""
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")


def allowed_methods(request: Request) -> list[str]:
    """Every method the API's document gives this path (Starlette names only the first route's)."""
    state = request.app.state
    if not hasattr(state, "documented_paths"):
        documented = request.app.openapi()["paths"].items()
        state.documented_paths = [(_template(p), [m.upper() for m in methods]) for p, methods in documented]
    return sorted(
        {m for pattern, methods in state.documented_paths if pattern.match(request.url.path) for m in methods}
    )


# What FastAPI answers when a body cannot be read at all (not UTF-8, say): bad input like any other.
UNREADABLE_BODY = "There was an error parsing the body"


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.detail == UNREADABLE_BODY:
        return _invalid([{"field": "body", "reason": "not valid JSON: it cannot be read as UTF-8 text"}])
    detail = exc.detail if isinstance(exc.detail, str | dict | list) else str(exc.detail)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED and (methods := allowed_methods(request)):
        headers["Allow"] = ", ".join(methods)
    return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=headers)


# How long a client is asked to wait when the database did not answer.
DATABASE_RETRY_SECONDS = 2


async def database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    """The database down or restarting: nothing was done, and the request may be tried again."""
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "the database did not answer; nothing was done, try again shortly"},
        headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _service)  # type: ignore[arg-type]
    for unreachable in UNREACHABLE:
        app.add_exception_handler(unreachable, database_unreachable)
