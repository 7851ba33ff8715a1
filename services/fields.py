"""The kinds of value people send, each with its rule and the reason it refuses, and with the
same rule stated in the API's schema (a length, a pattern, a named format), so that what the
schema calls valid is what is accepted.

Input models forbid unknown fields and strip surrounding white space."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue

from domain import identifiers
from domain.identifiers import anchored

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _text(min_length: int, max_length: int) -> Any:
    # Something besides white space, when anything is required: white space alone is stripped.
    pattern = r"\S" if min_length else None
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


Name = Annotated[str, _text(1, 50)]
ShortText = Annotated[str, _text(1, 200)]
Text = Annotated[str, _text(1, 2000)]
LongText = Annotated[str, _text(1, 5000)]
Description = Annotated[str, _text(10, 5000)]
Note = Annotated[str, _text(0, 1000)]
Comment = Annotated[str, _text(0, 2000)]
Address = Annotated[str, _text(1, 300)]
ModelName = Annotated[str, _text(1, 100)]
CaseNumber = Annotated[str, _text(1, 32)]
Money = Annotated[Decimal, Field(ge=0, le=100_000_000, max_digits=11, decimal_places=2)]


@dataclass(frozen=True)
class _Stated:
    """Adds to a value's JSON schema what its validator checks."""

    extra: tuple[tuple[str, str], ...]

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(dict(self.extra))
        return schema


def _shaped(check: Any, pattern: str, fmt: str | None, description: str) -> Any:
    """A string checked by `check`, whose schema gives its pattern and, where a pattern cannot
    say all (a check character), a named format."""
    schema = {"pattern": anchored(pattern), "description": description} | ({"format": fmt} if fmt else {})
    return (AfterValidator(check), _Stated(tuple(schema.items())))


Phone = Annotated[
    str,
    *_shaped(
        identifiers.phone_number,
        identifiers.PHONE_PATTERN,
        None,
        "a mainland mobile number (11 digits) or a landline with its area code; +86 may lead",
    ),
]
CreditCode = Annotated[
    str,
    *_shaped(
        identifiers.credit_code,
        identifiers.CREDIT_CODE_SHAPE,
        "gb32100-credit-code",
        "unified social credit code (GB 32100): 18 characters, the last a check character",
    ),
]
DivisionCode = Annotated[
    str,
    *_shaped(
        identifiers.division_code,
        identifiers.DIVISION_CODE_PATTERN,
        None,
        "6-digit administrative division code (GB/T 2260)",
    ),
]
IdNumber = Annotated[
    str,
    *_shaped(
        identifiers.resident_id_number,
        identifiers.RESIDENT_ID_SHAPE,
        "gb11643-id-number",
        "resident identity card number (GB 11643): 18 characters, a birth date and a check character",
    ),
]


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATETIME.fullmatch(value):
        raise ValueError("must be a date and time, e.g. 2026-12-01T09:30:00+08:00")
    if not isinstance(value, str | datetime):
        raise ValueError("must be a date and time, e.g. 2026-12-01T09:30:00+08:00")
    return value


# Dates and times only as ISO 8601 text: never a number read as seconds since 1970.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
AwareIsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
