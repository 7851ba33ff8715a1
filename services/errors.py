"""What a use case raises when it cannot do what it was asked; each adapter says it its way
(the JSON API as a status code and a JSON body, a page as a message)."""

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

Where = Literal["body", "query", "path", "header"]


class ServiceError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequest(ServiceError):
    """The request cannot be done as asked (an API key asked to log out)."""


class Unauthorized(ServiceError):
    """The caller is not known, or its credentials do not hold."""


class Forbidden(ServiceError):
    """The caller is known, and this is not for its role."""


class NotFound(ServiceError):
    """No such object, or none the caller may see: the two look the same."""


class Conflict(ServiceError):
    """The action does not fit the object's state now."""

    def __init__(self, reason: str, **context: Any) -> None:
        super().__init__(reason)
        self.context = context


class Unavailable(ServiceError):
    """Temporal or a workflow did not answer; nothing was done, or it may be retried."""


class RateLimited(ServiceError):
    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted: enterprise.name
    reason: str
    where: Where = "body"
    kind: str = ""  # pydantic's error type, where the reason is pydantic's: a page translates by it
    context: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)


_FIELD = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")


def field_errors(errors: Any) -> list[FieldError]:
    """Pydantic's validation errors as field errors: each field by its dotted name, and the
    reason (a model's own check that starts `field: ` names the field it is about)."""
    out = []
    for error in errors:
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "")
            out.append(FieldError("body", f"not valid JSON: {detail}".rstrip(": "), kind="json_invalid"))
            continue
        loc = [str(part) for part in error.get("loc", ())]
        where: Where = "body"
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]  # type: ignore[assignment]
        # Union members and validator names add nothing for the reader.
        loc = [part for part in loc if not part.startswith("function-") and "[" not in part]
        kind = str(error.get("type", ""))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        named, sep, rest = message.partition(": ")
        if sep and _FIELD.fullmatch(named):  # a model's own check names the field it is about
            loc, message = [*loc, named], rest
        if kind == "extra_forbidden":
            message = "unknown field"
        context = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, str | int | float)}
        out.append(FieldError(".".join(loc) or where, message, where, kind, context))
    return out


class Invalid(ServiceError):
    """Input that breaks a rule: each field and the reason. Nothing was changed."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def invalid(field: str, reason: str, where: Where = "body") -> Invalid:
    return Invalid([FieldError(field, reason, where)])


def problem_invalid(problem: str, where: Where = "body") -> Invalid:
    """A domain rule's refusal, "field: reason", as a field error."""
    name, _, reason = problem.partition(": ")
    return invalid(name, reason, where) if reason else invalid(where, problem, where)
