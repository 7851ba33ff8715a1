"""The PRC working-day calendar and the deadline arithmetic built on it.

Working days are Monday to Friday, less the State Council's public holidays, plus the weekend
days it declares working days in exchange (调休). The `holidays` package supplies the
schedule; an override table replaces whole years it lacks or that changed. Workflows never
call this module: an activity does, so a deadline, once computed, is part of the case's history.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class YearSchedule:
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    source: str
    confirmed: bool  # False: the package's estimate, without the State Council's swapped days


@dataclass
class WorkingCalendar:
    overrides: dict[int, YearSchedule] = field(default_factory=dict)

    def schedule(self, year: int) -> YearSchedule:
        if year in self.overrides:
            return self.overrides[year]
        return _package_schedule(year)

    def is_working_day(self, day: date) -> bool:
        schedule = self.schedule(day.year)
        if day in schedule.working_weekends:
            return True
        return day.weekday() < 5 and day not in schedule.holidays

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day`; `day` itself does not count."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = day
        while n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def next_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first one after it."""
        return day if self.is_working_day(day) else self.nth_working_day_after(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def basis(self, start: date, end: date) -> str:
        """Where the schedule for the years from `start` to `end` comes from."""
        parts = []
        for year in range(start.year, end.year + 1):
            s = self.schedule(year)
            parts.append(f"{year}: {s.source}" + ("" if s.confirmed else " (estimated)"))
        return "; ".join(parts)


@cache
def _package_schedule(year: int) -> YearSchedule:
    cn = holidays.China(years=year)
    working_weekends = frozenset(d for d in cn.weekend_workdays if d.year == year)
    # The package lists the State Council's swapped days only for years whose schedule was
    # published; any other year is its estimate from the rules of the lunar calendar.
    return YearSchedule(
        holidays=frozenset(cn.keys()),
        working_weekends=working_weekends,
        source=f"holidays {holidays.__version__}",
        confirmed=bool(working_weekends),
    )


def parse_overrides(text: str) -> dict[int, YearSchedule]:
    """Read an override table: one `[YYYY]` section a year, replacing that year entirely."""
    data: dict[str, Any] = tomllib.loads(text)
    result: dict[int, YearSchedule] = {}
    for key, section in data.items():
        if not key.isdigit() or len(key) != 4:
            raise ValueError(f"calendar override: section {key!r} is not a year")
        year = int(key)
        days = {name: _dates(section.get(name, []), year, name) for name in ("holidays", "working_weekends")}
        for d in days["working_weekends"]:
            if d.weekday() < 5:
                raise ValueError(f"calendar override {year}: {d} in working_weekends is not a weekend")
        overlap = days["holidays"] & days["working_weekends"]
        if overlap:
            raise ValueError(f"calendar override {year}: {sorted(overlap)} both holiday and working day")
        result[year] = YearSchedule(
            holidays=frozenset(days["holidays"]),
            working_weekends=frozenset(days["working_weekends"]),
            source=str(section.get("source", "override file")),
            confirmed=True,
        )
    return result


def _dates(values: list[Any], year: int, name: str) -> set[date]:
    out = set()
    for v in values:
        d = v if isinstance(v, date) else date.fromisoformat(str(v))
        if d.year != year:
            raise ValueError(f"calendar override {year}: {name} has {d}, which is another year")
        out.add(d)
    return out


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 of `day` in `tz`, that is 00:00 of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
