"""The queue's filters as a page's query reads them: each field checked, with the API's reasons,
and the days taken as Beijing days."""

import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from starlette.datastructures import FormData

from domain.enums import CaseStatus, Category, Channel, Priority, Severity
from services.cases import CaseFilters
from services.errors import FieldError, Invalid
from services.outputs import DISPLAY_TZ
from web.core.forms import day_in

FIELDS = (
    "status", "priority", "severity", "overdue", "escalated", "enterprise", "region", "bureau", "category",
    "channel", "since", "until",
)  # fmt: skip
CHOICE = "must be one of the choices offered"
E = TypeVar("E", bound=StrEnum)


def _choice(values: FormData, name: str, kind: type[E], errors: list[FieldError]) -> E | None:
    text = str(values.get(name, "")).strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        errors.append(FieldError(name, CHOICE, "query"))
        return None


def queue_filters(values: FormData) -> CaseFilters:
    """The filters the query names; Invalid naming each field it cannot read."""
    errors: list[FieldError] = []
    enterprise = str(values.get("enterprise", "")).strip().upper()
    if enterprise and len(enterprise) != 18:
        errors.append(FieldError("enterprise", f"must be 18 characters, got {len(enterprise)}", "query"))
    region = str(values.get("region", "")).strip()
    if region and not re.fullmatch(r"[0-9]{6}", region):
        errors.append(FieldError("region", "must be a 6-digit administrative division code", "query"))
    bureau = str(values.get("bureau", "")).strip()
    if bureau and not re.fullmatch(r"[0-9]{6}", bureau):
        errors.append(FieldError("bureau", CHOICE, "query"))
    escalated = str(values.get("escalated", "")).strip()
    if escalated and escalated not in ("1", "2", "3"):
        errors.append(FieldError("escalated", CHOICE, "query"))
    overdue = str(values.get("overdue", ""))
    if overdue not in ("", "yes", "no"):
        errors.append(FieldError("overdue", CHOICE, "query"))
    since, until = day_in(values, "since", errors), day_in(values, "until", errors)
    if since and until and until < since:
        errors.append(FieldError("until", "must not be before since", "query"))
    filters = CaseFilters(
        status=_choice(values, "status", CaseStatus, errors),
        enterprise=enterprise or None,
        overdue={"yes": True, "no": False}.get(overdue),
        priority=_choice(values, "priority", Priority, errors),
        region=region or None,
        bureau=bureau if re.fullmatch(r"[0-9]{6}", bureau) else None,
        category=_choice(values, "category", Category, errors),
        severity=_choice(values, "severity", Severity, errors),
        escalated=int(escalated) if escalated in ("1", "2", "3") else None,
        channel=_choice(values, "channel", Channel, errors),
        since=datetime.combine(since, time(0), DISPLAY_TZ) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(0), DISPLAY_TZ) if until else None,
    )
    if errors:
        raise Invalid(errors)
    return filters
