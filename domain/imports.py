"""Bulk import of complaints exported by hotline and platform systems: how an export's columns
and words map onto a complaint, and the key that makes a row imported twice one case.

Pure: a row (its headings → its cells, as text) and a mapping give the complaint's fields as the
API takes them; the API's own model then checks them.
"""

import hashlib
import json
import tomllib
from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The complaint's fields an export may hold, dotted as the API names them.
FIELDS = (
    "channel",
    "received_at",
    "consumer.name",
    "consumer.phone",
    "consumer.id_number",
    "consumer.email",
    "consumer.address",
    "enterprise.credit_code",
    "enterprise.name",
    "product.name",
    "product.model",
    "product.purchase_date",
    "product.amount",
    "region_code",
    "category",
    "description",
    "desired_outcome",
    "desired_outcome_detail",
)
SOURCE_ID = "source_id"  # the row's number in the system it comes from: not a complaint field
WORDED = ("channel", "category", "desired_outcome")  # fields whose values an export may word its way


class ImportMapping(BaseModel):
    """Which column holds each field, values for the fields an export lacks, and the export's
    words for the values of `WORDED` fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(default="import", min_length=1, max_length=40, pattern=r"^[\w.-]+$")
    timezone: str = "Asia/Shanghai"
    columns: dict[str, str]
    defaults: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not a time zone, e.g. Asia/Shanghai") from None
        return v

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(FIELDS) - {SOURCE_ID})
        if unknown:
            raise ValueError(f"no such field: {', '.join(unknown)} (the fields: {', '.join(FIELDS)})")
        if not v:
            raise ValueError("names no column")
        return v

    @field_validator("defaults")
    @classmethod
    def _defaults(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(FIELDS))
        if unknown:
            raise ValueError(f"no such field: {', '.join(unknown)}")
        return v

    @field_validator("values")
    @classmethod
    def _values(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        unknown = sorted(set(v) - set(WORDED))
        if unknown:
            raise ValueError(f"words are given for {', '.join(WORDED)} only, not {', '.join(unknown)}")
        return v

    def column_of(self, field: str) -> str:
        """The heading a field's problem is reported under: its column, or the field itself."""
        return self.columns.get(field, "")

    def missing_columns(self, headings: list[str]) -> list[str]:
        """The mapped columns the file's heading row lacks."""
        present = {h.strip() for h in headings}
        return [column for column in self.columns.values() if column not in present]


def load_mapping(text: str) -> ImportMapping:
    """A mapping file (TOML); raises ValueError (tomllib's, or pydantic's) saying what is wrong."""
    return ImportMapping.model_validate(tomllib.loads(text))


def template() -> ImportMapping:
    """The documented template's mapping (domain/defaults/import_template.toml)."""
    text = resources.files("domain.defaults").joinpath("import_template.toml").read_text("utf-8")
    return load_mapping(text)


def complaint_fields(cells: dict[str, str], mapping: ImportMapping) -> dict[str, Any]:
    """The row as the API's complaint body (nested), its empty cells left out."""
    body: dict[str, Any] = {}
    for field in FIELDS:
        column = mapping.columns.get(field)
        text = (cells.get(column) or "").strip() if column else ""
        if not text:
            text = mapping.defaults.get(field, "")
        if not text:
            if column and "." in field:  # a part left empty is named as the field, not its whole
                body.setdefault(field.split(".")[0], {})
            continue
        if field in WORDED:
            text = mapping.values.get(field, {}).get(text, text)
        elif field == "received_at":
            text = _zoned(text, ZoneInfo(mapping.timezone))
        *parents, name = field.split(".")
        at = body
        for parent in parents:
            at = at.setdefault(parent, {})
        at[name] = text
    return body


def _zoned(text: str, tz: ZoneInfo) -> str:
    """A time written without a zone, in `tz`; anything else as written, for the model to judge."""
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.isoformat()


def source_id(cells: dict[str, str], mapping: ImportMapping) -> str:
    column = mapping.columns.get(SOURCE_ID)
    return (cells.get(column) or "").strip() if column else ""


def row_key(mapping: ImportMapping, source_row: str, body: dict[str, Any]) -> str:
    """The row's idempotency key: its source system and number, or (an export without numbers)
    its source system and content."""
    what = source_row or json.dumps(body, sort_keys=True, ensure_ascii=False)
    return "import:" + hashlib.sha256(f"{mapping.source}\n{what}".encode()).hexdigest()
