"""Where a case stands in the evaluation system's counts, as its read-model row keeps it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.metrics import counted

AT = datetime(2026, 11, 2, 9, 30, 0, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)


def case(**fields: Any) -> dict[str, Any]:
    return {
        "received_at": AT,
        "responded_at": None,
        "response_due": AT + 24 * HOUR,
        "response_breached": False,
        "resolved_at": None,
        "resolution_due": AT + 72 * HOUR,
        "status": "forwarded",
        "outcome": None,
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "answered", "answered_in_time"),
    [
        ({}, False, False),  # the window still open
        ({"responded_at": AT + 3 * HOUR}, True, True),
        ({"responded_at": AT + 24 * HOUR}, True, True),  # on the deadline itself
        ({"responded_at": AT + 30 * HOUR, "response_breached": True}, True, False),
        ({"response_breached": True}, True, False),  # breached, never answered
        # reached the enterprise after its deadline (recorded late), answered unbreached: not counted
        ({"responded_at": AT + 30 * HOUR}, False, False),
    ],
)
def test_the_response_window(fields: dict[str, Any], answered: bool, answered_in_time: bool) -> None:
    got = counted(case(**fields))
    assert (got["answered"], got["answered_in_time"]) == (answered, answered_in_time)


def test_the_response_time_is_kept_to_the_microsecond() -> None:
    responded = AT + 5 * HOUR + timedelta(microseconds=654321 - 123456 + 7)
    assert counted(case(responded_at=responded))["response_us"] == 5 * 3_600_000_000 + 530_872
    assert counted(case())["response_us"] is None


@pytest.mark.parametrize(
    ("resolved_at", "in_time"),
    [(None, False), (AT + 72 * HOUR, True), (AT + 72 * HOUR + timedelta(microseconds=1), False)],
)
def test_resolution_in_time(resolved_at: datetime | None, in_time: bool) -> None:
    assert counted(case(resolved_at=resolved_at))["resolved_in_time"] is in_time


@pytest.mark.parametrize(
    ("status", "outcome", "judged", "resolved"),
    [
        ("forwarded", None, False, False),
        ("closed", "resolved", True, True),
        ("closed", "resolved_by_default", True, True),
        ("closed", "resolved_after_rectification", True, True),
        ("closed", "not_substantiated", True, False),
        ("closed", None, True, False),
        ("closed", "withdrawn", False, False),
        ("closed", "rejected_duplicate", False, False),
        ("closed", "rejected_out_of_scope", False, False),
        ("closed", "not_admitted", False, False),
    ],
)
def test_a_closed_case_is_judged_unless_its_handling_was_never_in_question(
    status: str, outcome: str | None, judged: bool, resolved: bool
) -> None:
    got = counted(case(status=status, outcome=outcome))
    assert (got["judged"], got["judged_resolved"]) == (judged, resolved)
