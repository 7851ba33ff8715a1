"""Deadlines on the PRC working-day calendar, across National Day and the Spring Festival."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.deadlines import compute_deadline
from domain.calendar import WorkingCalendar, parse_overrides
from domain.deadlines import DeadlineRequest
from domain.enums import DeadlineKind
from domain.policy import Window, parse_policy
from settings import DEFAULTS, Settings

CST = ZoneInfo("Asia/Shanghai")
POLICY = parse_policy((DEFAULTS / "policy.toml").read_text())
CALENDAR = Settings(_env_file=None).working_calendar()  # type: ignore[call-arg]


def resolution_due(received: datetime) -> datetime:
    return compute_deadline(
        POLICY, DeadlineRequest(kind=DeadlineKind.RESOLUTION, start=received), CALENDAR
    ).due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # An ordinary week: Tuesday's complaint is due at the end of Friday.
        (datetime(2026, 12, 1, 10, 0, tzinfo=CST), datetime(2026, 12, 5, 0, 0, tzinfo=CST)),
        # Friday night: the weekend does not count.
        (datetime(2026, 12, 4, 23, 30, tzinfo=CST), datetime(2026, 12, 10, 0, 0, tzinfo=CST)),
        # National Day 2026: Oct 1-7 off; Saturday Oct 10 is a working day (调休).
        (datetime(2026, 9, 29, 10, 0, tzinfo=CST), datetime(2026, 10, 10, 0, 0, tzinfo=CST)),
        (datetime(2026, 9, 30, 10, 0, tzinfo=CST), datetime(2026, 10, 11, 0, 0, tzinfo=CST)),
        # Sunday Sep 20, 2026 is worked in exchange: it counts.
        (datetime(2026, 9, 18, 9, 0, tzinfo=CST), datetime(2026, 9, 23, 0, 0, tzinfo=CST)),
        # Spring Festival 2026: Saturday Feb 14 is worked, Feb 15-23 are off.
        (datetime(2026, 2, 13, 16, 0, tzinfo=CST), datetime(2026, 2, 26, 0, 0, tzinfo=CST)),
        (datetime(2026, 2, 16, 12, 0, tzinfo=CST), datetime(2026, 2, 27, 0, 0, tzinfo=CST)),
        # Spring Festival 2025: Jan 28 - Feb 4 off, Sunday Jan 26 and Saturday Feb 8 worked.
        (datetime(2025, 1, 24, 10, 0, tzinfo=CST), datetime(2025, 2, 6, 0, 0, tzinfo=CST)),
    ],
)
def test_resolution_is_due_at_midnight_after_the_third_working_day(received: datetime, due: datetime) -> None:
    assert resolution_due(received) == due


def test_the_day_of_receipt_is_the_beijing_date() -> None:
    late_utc = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # Dec 2, 07:30 in Beijing
    assert resolution_due(late_utc) == datetime(2026, 12, 8, 0, 0, tzinfo=CST)


def test_the_response_window_is_24_wall_clock_hours_with_a_warning_at_75_percent() -> None:
    received = datetime(2026, 10, 1, 9, 0, tzinfo=CST)  # a holiday: the clock runs anyway
    deadline = compute_deadline(POLICY, DeadlineRequest(kind=DeadlineKind.RESPONSE, start=received), CALENDAR)
    assert deadline.due == received + timedelta(hours=24)
    assert deadline.warn_at == received + timedelta(hours=18)
    assert deadline.basis == "policy 2026.5; wall clock"


def test_a_calendar_window_ending_on_a_rest_day_runs_to_the_next_working_day() -> None:
    window = Window(days=7, extend_past_rest_days=True)
    start = datetime(2026, 9, 27, 10, 0, tzinfo=CST)  # +7 days = Oct 4, in the National Day holiday
    assert window.end(start, CALENDAR, CST) == datetime(2026, 10, 9, 0, 0, tzinfo=CST)
    assert Window(days=7).end(start, CALENDAR, CST) == datetime(2026, 10, 5, 0, 0, tzinfo=CST)


def test_an_override_replaces_a_whole_year() -> None:
    calendar = WorkingCalendar(
        overrides=parse_overrides("""
        [2026]
        source = "test schedule"
        holidays = [2026-12-02]
        working_weekends = [2026-12-05]
    """)
    )
    assert not calendar.is_working_day(date(2026, 12, 2))
    assert calendar.is_working_day(date(2026, 12, 5))
    assert calendar.is_working_day(date(2026, 10, 1))  # the package's National Day is replaced
    assert calendar.nth_working_day_after(date(2026, 12, 1), 3) == date(2026, 12, 5)
    assert calendar.basis(date(2026, 12, 1), date(2026, 12, 5)) == "2026: test schedule"


def test_a_year_without_the_published_schedule_is_marked_estimated() -> None:
    assert "(estimated)" in WorkingCalendar().basis(date(2031, 1, 5), date(2031, 1, 8))
    assert "(estimated)" not in WorkingCalendar().basis(date(2026, 1, 5), date(2026, 1, 8))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[2026]\nworking_weekends = [2026-12-02]", "is not a weekend"),
        ("[2026]\nholidays = [2027-01-01]", "which is another year"),
        ("[next]\nholidays = []", "is not a year"),
        ("[2026]\nholidays = [2026-12-05]\nworking_weekends = [2026-12-05]", "both holiday and working day"),
    ],
)
def test_a_bad_override_file_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_overrides(text)
