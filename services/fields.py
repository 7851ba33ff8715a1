"""The kinds of value people send, each with its rule and the reason it refuses, and with the
same rule stated in the API's schema (a length, a pattern, a named format), so that what the
schema calls valid is what is accepted.

Input models forbid unknown fields and strip surrounding white space."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import email_validator
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
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


def requires_if_listed(field: str, listed: str, value: str) -> dict[str, Any]:
    """A rule across fields as the schema states it: when the list `listed` holds `value`,
    `field` is given (the model's own validator gives the reason)."""
    return {
        "if": {"properties": {listed: {"contains": {"const": value}}}, "required": [listed]},
        "then": {"properties": {field: {"not": {"type": "null"}}}, "required": [field]},
    }


def requires(field: str, **when: Sequence[str]) -> dict[str, Any]:
    """A rule across fields as the schema states it: when each field named in `when` holds one
    of its values, `field` is given (the model's own validator gives the reason)."""
    return {
        "if": {
            "properties": {name: {"enum": list(values)} for name, values in when.items()},
            "required": list(when),
        },
        "then": {"properties": {field: {"not": {"type": "null"}}}, "required": [field]},
    }


def stated(*rules: dict[str, Any]) -> ConfigDict:
    """An input model's configuration, with its cross-field rules in its schema."""
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"allOf": list(rules)})


# The white space stripped from text (Unicode's White_Space), named outright: a pattern's `\s`
# means other characters in JSON Schema's dialect, in Python's and in the validator's.
SPACE = r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _text(min_length: int, max_length: int) -> Any:
    """Text stripped of the white space around it, then of `min_length` to `max_length` characters.
    The schema's pattern says the same of the text as sent: that many characters from its first
    to its last that is not white space."""
    pattern = None
    if min_length == 1:
        pattern = f"[^{SPACE}]"
    elif min_length > 1:
        word = f"[^{SPACE}]"
        pattern = f"^[{SPACE}]*{word}[\\s\\S]{{{min_length - 2},}}{word}[{SPACE}]*$"
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
MONEY_PATTERN = r"^(?:(?:0|[1-9][0-9]{0,7})(?:\.[0-9]{1,2})?|100000000(?:\.00?)?)$"


# A row's number: at most the largest integer every JSON reader holds exactly (2⁵³−1, far below
# the databases' 64-bit limit), so a larger one names nothing and is refused as bad input, never
# handed to the database, and the schema's bound reads the same to a client parsing numbers as
# floating point.
ROW_ID_MAX = 2**53 - 1


def _whole_number(value: Any) -> Any:
    """A JSON integer, which may be written 2.0 as the schema allows; never text or a boolean."""
    if isinstance(value, bool | str):
        raise ValueError("must be a whole number")
    return value


RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX), BeforeValidator(_whole_number)]


def _money(value: Any) -> Any:
    """Yuan, as a number or as decimal text: never a boolean, an exponent or surrounding space."""
    if isinstance(value, bool) or (isinstance(value, str) and not re.fullmatch(MONEY_PATTERN, value)):
        raise ValueError("must be an amount in yuan, e.g. 199 or 199.50")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, le=100_000_000, max_digits=11, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100_000_000, "multipleOf": 0.01},
                {"type": "string", "pattern": MONEY_PATTERN},
            ],
            "description": "yuan, at most two decimal places",
        }
    ),
]


@dataclass(frozen=True)
class _Stated:
    """Adds to a value's JSON schema what its validator checks."""

    extra: tuple[tuple[str, str], ...]

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(dict(self.extra))
        return schema


def _shaped(check: Any, description: str, *, pattern: str | None = None, fmt: str | None = None) -> Any:
    """A string checked by `check`, whose schema states the rule: as a pattern where a regular
    expression says all of it, else as a named format (a check character is more than a pattern)."""
    schema = {"description": description}
    if pattern:
        schema["pattern"] = anchored(pattern)
    if fmt:
        schema["format"] = fmt
    return (AfterValidator(check), _Stated(tuple(schema.items())))


Phone = Annotated[
    str,
    *_shaped(
        identifiers.phone_number,
        "a mainland mobile number (11 digits, spaced or hyphenated 3-4-4) or a landline with its area "
        "code; +86 may lead",
        pattern=identifiers.PHONE_PATTERN,
    ),
]


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# An address under a special-use domain (.local, .test, ...) is refused: the schema says so, so
# that what it calls valid is accepted.
SPECIAL_USE = "|".join(_any_case(d) for d in email_validator.SPECIAL_USE_DOMAIN_NAMES)
Email = Annotated[
    EmailStr,
    _Stated(
        (
            ("pattern", rf"^(?!.*@(?:.*\.)?(?:{SPECIAL_USE})$)"),
            ("description", "an e-mail address, not under a special-use domain (.local, .test, ...)"),
        )
    ),
]
CreditCode = Annotated[
    str,
    *_shaped(
        identifiers.credit_code,
        "unified social credit code (GB 32100): 18 characters of 0-9 and A-Z but I, O, S, V, Z "
        f"(pattern {anchored(identifiers.CREDIT_CODE_SHAPE)}), the last its check character",
        fmt="gb32100-credit-code",
    ),
]
DivisionCode = Annotated[
    str,
    *_shaped(
        identifiers.division_code,
        "6-digit administrative division code (GB/T 2260) of a province-level division",
        pattern=identifiers.DIVISION_CODE_PATTERN,
    ),
]
IdNumber = Annotated[
    str,
    *_shaped(
        identifiers.resident_id_number,
        "resident identity card number (GB 11643): 17 digits and a check character (digit or X) "
        f"(pattern {anchored(identifiers.RESIDENT_ID_SHAPE)}), holding a province and a birth date",
        fmt="gb11643-id-number",
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


BureauCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{6}$",
        description="the division code of a bureau the system serves",
        json_schema_extra={"format": "bureau-code"},
    ),
]
