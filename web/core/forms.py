"""A form as the use cases' input: `consumer.name` fields nest as the JSON API's bodies do,
empty fields are left out (so an optional field is absent and a required one is missing), and
the input model's own validation gives each field's reason, as it does for the API."""

import re
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from services.errors import FieldError, field_errors
from web.core.cookies import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)
CONTROL = frozenset({CSRF_FIELD, "key", "next", "back"})  # the form's own fields, not the input's


def nested(
    data: FormData,
    lists: Iterable[str] = (),
    *,
    rename: dict[str, str] | None = None,
    optional: Iterable[str] = (),
) -> dict[str, Any]:
    """The form's fields as the input's nested fields. A group the form shows is there even with
    its fields all empty, unless it is `optional` (then it is left out)."""
    out: dict[str, Any] = {}
    lists = set(lists)
    for key in dict.fromkeys(data.keys()):
        if key in CONTROL:
            continue
        values = [v.strip() for v in data.getlist(key) if isinstance(v, str)]
        name = (rename or {}).get(key, key)
        target = out
        *path, last = name.split(".")
        for part in path:
            target = target.setdefault(part, {})
        value: Any
        if name in lists:
            value = [v for v in values if v]
        else:
            value = values[-1] if values else ""
            if not value:
                continue
        target[last] = value
    for group in optional:
        if out.get(group) == {}:
            del out[group]
    return _listed(out)


def _listed(value: Any) -> Any:
    """`measures.0.kind` fields as a list of measures: a group named by numbers is a list."""
    if not isinstance(value, dict):
        return value
    if value and all(k.isdigit() for k in value):
        return [_listed(value[k]) for k in sorted(value, key=int)]
    return {k: _listed(v) for k, v in value.items()}


def parse(
    model: type[M],
    data: FormData,
    lists: Iterable[str] = (),
    *,
    rename: dict[str, str] | None = None,
    optional: Iterable[str] = (),
) -> tuple[M | None, list[FieldError]]:
    """The input, or the reasons its fields were refused (named as the form names them)."""
    try:
        return model.model_validate(nested(data, lists, rename=rename, optional=optional)), []
    except ValidationError as exc:
        back = {v: k for k, v in (rename or {}).items()}
        return None, [_renamed(e, back) for e in field_errors(exc.errors())]


def _renamed(error: FieldError, back: dict[str, str]) -> FieldError:
    if error.field not in back:
        return error
    return FieldError(back[error.field], error.reason, error.where, error.kind, error.context)


def new_key() -> str:
    """An Idempotency-Key for a form: sending it twice (a reload, a double click) acts once."""
    return "page-" + secrets.token_urlsafe(18)


def key_of(data: FormData) -> str | None:
    key = data.get("key")
    return key if isinstance(key, str) and key.startswith("page-") and 8 <= len(key) <= 100 else None


def day_in(values: FormData, name: str, errors: list[FieldError]) -> date | None:
    """The day a query's field names (YYYY-MM-DD); None if it names none, and the reason added
    to `errors` if it cannot be read."""
    text = str(values.get(name, "")).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(name, "must be a date written YYYY-MM-DD", "query"))
        return None


LOCAL_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")  # as a datetime-local field gives it


def in_beijing(data: FormData, names: Iterable[str]) -> FormData:
    """The form with each moment its datetime-local fields `names` give (2026-12-20T09:30) read
    as Beijing time, the time every page shows; anything else left for the input to refuse."""
    names = set(names)
    items = []
    for name, value in data.multi_items():
        if name in names and isinstance(value, str) and LOCAL_MOMENT.fullmatch(value):
            value += ":00+08:00"
        items.append((name, value))
    return FormData(items)
