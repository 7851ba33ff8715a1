"""The evaluation system's facts for a period, tallied by the database: its cases' counts by the
groups asked for, and the values whose medians are given, so that a year of a province's cases
is a few queries and not a hundred thousand rows."""

import json
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    SQLColumnExpression,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import GenerativeSelect

from db.models import Complaint, SupervisionMeasure, Task, ViolationRow
from db.session import one_moment
from domain.bureaus import area_prefix
from domain.calendar import WorkingCalendar, local_date
from domain.enums import TaskKind, TaskStatus
from domain.metrics import (
    Figures,
    Metrics,
    MetricsRow,
    Period,
    PeriodOut,
    SeriesPoint,
    Tally,
    buckets,
    figures,
    series,
    span_days,
    total,
)
from domain.policy import Policy

KEYS = {
    "enterprise": Complaint.enterprise_code,
    "region": Complaint.region_code,
    "category": Complaint.category,
    "channel": Complaint.channel,
    "bureau": Complaint.bureau_code,
}
Q = TypeVar("Q", bound=GenerativeSelect)
Key = tuple[Any, ...]  # the dimensions' values, then the day where days are asked for
Fingerprint = tuple[int, int]  # a month's count of cases and sum of their revisions
MONTHS_KEPT = 120  # a longer period is read whole, not month by month


def bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time(0), tz), datetime.combine(period.end, time(0), tz)


def _counted(condition: SQLColumnExpression[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _case_counts() -> dict[str, ColumnElement[Any]]:
    """Each count of a case's tally (see `domain.metrics.Tally`) but the evaluation's, as SQL
    over the period's cases; what takes more than one of a case's fields is in its row."""
    c = Complaint
    return {
        "volume": func.count(),
        "repeat": _counted(c.repeat_complaint),
        "overdue": _counted(or_(c.response_breached, c.resolution_breached)),
        "answered": _counted(c.answered),
        "answered_in_time": _counted(c.answered_in_time),
        "due_passed": _counted(or_(c.resolved_at.is_not(None), c.resolution_breached)),
        "resolved_in_time": _counted(c.resolved_in_time),
        "judged": _counted(c.judged),
        "resolved": _counted(c.judged_resolved),
        "decided": _counted(c.admission.in_(("admitted", "declined"))),
        "deemed": _counted(c.admission == "deemed"),
        "declined": _counted(c.admission == "declined"),
        "mediation_timed_out": _counted(c.mediation_timed_out),
    }


def _evaluation_counts() -> dict[str, ColumnElement[Any]]:
    """The counts a case's third-party evaluation adds, as SQL over the evaluations done of the
    period's cases: a few of them, read apart from the rest."""
    satisfaction = Task.result["satisfaction"].as_integer()
    attitude = Task.result["service_attitude"].as_integer()
    return {
        "evaluated": func.count(satisfaction),
        "satisfaction": func.coalesce(func.sum(satisfaction), 0),
        "satisfaction_scores": _counted(satisfaction != 0),
        "attitude": func.coalesce(func.sum(case((satisfaction.is_not(None), attitude))), 0),
        "attitude_scores": _counted(and_(satisfaction.is_not(None), attitude != 0)),
        "refuted": _counted(
            and_(Complaint.judged_resolved, Task.result["resolved"].as_boolean().is_(false()))
        ),
    }


class _Dialect:
    """What SQLite and PostgreSQL write differently: a timestamp's local date, and a group's values
    gathered in one."""

    def __init__(self, name: str, tz: ZoneInfo, since: datetime, until: datetime) -> None:
        self.postgresql = name == "postgresql"
        self.tz = tz
        self.offset = None if self.postgresql else _fixed_offset(tz, since, until)

    @property
    def knows_months(self) -> bool:
        return self.postgresql or self.offset is not None

    def month(self, column: Any) -> ColumnElement[Any]:
        """The month in the zone of a UTC timestamp, where `knows_months`: its first moment
        (PostgreSQL truncates faster than it formats), or its label ("2026-12"); `month_label`
        tells either as the label."""
        if self.postgresql:
            return func.date_trunc("month", func.timezone(self.tz.key, column))
        return func.strftime("%Y-%m", column, f"{self.offset:+d} seconds")

    @staticmethod
    def month_label(value: date | str) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"

    def day(self, column: Any) -> ColumnElement[Any]:
        """The date in the zone of a UTC timestamp. SQLite knows no zones: it adds the zone's
        offset where the zone has one offset over the dates read (China's has had one since
        1991), and otherwise gives the timestamp, which `as_day` turns into its date."""
        if self.postgresql:
            return cast(func.timezone(self.tz.key, column), Date)
        if self.offset is None:
            return column  # type: ignore[no-any-return]
        return func.date(column, f"{self.offset:+d} seconds")

    def as_day(self, value: date | datetime | str) -> date:
        if isinstance(value, datetime):
            return local_date(value, self.tz)
        return date.fromisoformat(value) if isinstance(value, str) else value

    def gathered(self, column: SQLColumnExpression[Any]) -> ColumnElement[Any]:
        """A group's integers, NULLs left out, in one value: a row a group, not a row a case."""
        aggregate = func.array_agg if self.postgresql else func.json_group_array
        return aggregate(column).filter(column.is_not(None))

    def ungathered(self, value: list[int] | str | None) -> list[int]:
        if value is None:  # nothing to gather in the group
            return []
        return json.loads(value) if isinstance(value, str) else value  # SQLite's: a JSON array


def _fixed_offset(tz: ZoneInfo, since: datetime, until: datetime) -> int | None:
    """The zone's offset from UTC in seconds, if it keeps one from `since` to `until` (looked at
    day by day), else None."""
    first = tz.utcoffset(since)
    moment = since
    while moment <= until:
        if tz.utcoffset(moment) != first:
            return None
        moment += timedelta(days=1)
    return None if first is None else int(first.total_seconds())


def _grouped(query: Q, keys: int) -> Q:
    """The query grouped by its first `keys` columns (by position: the same expression written
    twice would be two to PostgreSQL)."""
    return query.group_by(*(literal_column(str(i + 1)) for i in range(keys))) if keys else query


async def _received(
    session: AsyncSession, sql: "_Dialect", start: datetime, end: datetime, inside: int | None = None
) -> Any:
    """The receipt time to select the period's cases by. SQLite, with no statistics to choose by,
    reads a period holding more than a quarter of the cases by a pass over the table (a third of
    the time), not case by case through the index on the date; a shorter one through it. `inside`:
    the period's cases, where they are counted already."""
    if sql.postgresql:
        return Complaint.received_at
    if inside is None:
        inside = await session.scalar(
            select(func.count()).where(Complaint.received_at >= start, Complaint.received_at < end)
        )
    everything = await session.scalar(select(func.count()).select_from(Complaint))
    if 4 * (inside or 0) <= (everything or 0):
        return Complaint.received_at
    return literal_column("+complaints.received_at", type_=Complaint.received_at.type)


class TallyCache:
    """Each month's tally of its cases' own figures (what `_cases_tallied` reads from their rows)
    for each way the metrics are asked for, kept with the count and the sum of the revisions of
    all the cases received in the month. A case's row changes only to a higher revision and is
    never removed, so a month whose count and sum are as they were holds its cases as they were,
    and its tally is not read again. The least recently used go first, past `cases` cases held.

    Reading a period month by month costs SQLite about 1.4 times one pass over it (its GROUP BY
    sorts by the month too), so a question is answered in one pass the first time it is asked,
    and its months are read and kept from its second."""

    def __init__(self, cases: int = 500_000, questions: int = 1_000) -> None:
        self._limit = cases
        self._held = 0
        self._kept: OrderedDict[Hashable, tuple[Fingerprint, dict[Key, Tally], int]] = OrderedDict()
        self._asked: OrderedDict[Hashable, None] = OrderedDict()  # the last `questions` asked
        self._questions = questions

    def asked_before(self, question: Hashable) -> bool:
        """Whether `question` was asked before; it is remembered as asked now."""
        before = question in self._asked
        self._asked[question] = None
        self._asked.move_to_end(question)
        while len(self._asked) > self._questions:
            self._asked.popitem(last=False)
        return before

    def get(self, key: Hashable, fingerprint: Fingerprint) -> dict[Key, Tally] | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != fingerprint:
            return None
        self._kept.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, fingerprint: Fingerprint, tallies: dict[Key, Tally]) -> None:
        """`tallies` kept, each one's response times sorted: the months' joined, as the medians
        take them, are then sorted runs, which Python sorts about four times faster."""
        for tally in tallies.values():
            tally.response_us.sort()
        self._drop(key)
        size = 1 + sum(t.volume for t in tallies.values())
        self._kept[key] = (fingerprint, tallies, size)
        self._held += size
        while self._held > self._limit:
            self._drop(next(iter(self._kept)))

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        """Every month and question forgotten."""
        self._kept.clear()
        self._asked.clear()
        self._held = 0

    def _drop(self, key: Hashable) -> None:
        kept = self._kept.pop(key, None)
        if kept is not None:
            self._held -= kept[2]


def _months(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The period cut at the first midnight of each month in it."""
    out = []
    while start < end:
        first = start.astimezone(tz).date().replace(day=1)
        following = (first + timedelta(days=31)).replace(day=1)
        out.append((start, min(datetime.combine(following, time(0), tz), end)))
        start = out[-1][1]
    return out


async def _fingerprints(session: AsyncSession, months: list[tuple[datetime, datetime]]) -> list[Fingerprint]:
    """Each month's count of cases and sum of their revisions, read from the index alone."""
    each = [
        select(literal(i), func.count(), func.coalesce(func.sum(Complaint.revision), 0)).where(
            Complaint.received_at >= start, Complaint.received_at < end
        )
        for i, (start, end) in enumerate(months)
    ]
    found = {i: (n, revisions) for i, n, revisions in await session.execute(union_all(*each))}
    return [found[i] for i in range(len(months))]


async def _cases_tallied(
    session: AsyncSession,
    sql: "_Dialect",
    cases: list[ColumnElement[bool]],
    keys: list[ColumnElement[Any]],
    key: Callable[[list[Any]], Key],
    *,
    by_month: bool = False,
) -> dict[Key, Tally]:
    """The figures of the `cases` from their own rows, by `keys` (made a tally's key by `key`):
    their counts and response times in one pass over them, their spans of dates in another. With
    `by_month`, each key begins with the month the case was received in."""
    lead = [sql.month(Complaint.received_at)] if by_month else []
    columns = [*lead, *keys]

    def key_of(values: list[Any]) -> Key:
        return (*(sql.month_label(v) for v in values[: len(lead)]), *key(values[len(lead) :]))

    out: defaultdict[Key, Tally] = defaultdict(Tally)
    counts = _case_counts()
    times = sql.gathered(Complaint.response_us)
    statement = _grouped(
        select(*columns, *counts.values(), times).select_from(Complaint).where(*cases), len(columns)
    )
    # PostgreSQL cannot tell how few months there are, takes each case for a group of its own,
    # and sorts them all (on disk at the default work_mem) where hashing them is a third faster.
    hashed = by_month and sql.postgresql
    if hashed:
        await session.execute(text("SET LOCAL enable_sort = off"))
    found = (await session.execute(statement)).all()
    if hashed:
        await session.execute(text("SET LOCAL enable_sort = DEFAULT"))
    for *values, gathered in found:
        tally = out[key_of(values[: len(columns)])]
        tally += Tally(**dict(zip(counts, values[len(columns) :], strict=True)))
        tally.response_us.extend(sql.ungathered(gathered))

    # A case's month is its day of receipt's, which this statement reads anyway.
    transferred = and_(Complaint.transfers > 0, Complaint.transferred_at.is_not(None))
    spans = await session.execute(
        _grouped(
            select(
                *keys,
                sql.day(Complaint.received_at),
                sql.day(Complaint.resolved_at),
                sql.day(case((transferred, Complaint.transferred_at))),
                func.count(),
            ).where(*cases, or_(Complaint.resolved_at.is_not(None), transferred)),
            len(keys) + 3,
        )
    )
    for *values, came, resolved, moved, n in spans:
        since = sql.as_day(came)
        tally = out[key_of([since, *values] if by_month else values)]
        if resolved is not None:
            tally.resolution_spans[(since, sql.as_day(resolved))] += n
        if moved is not None:
            tally.transfer_spans[(since, sql.as_day(moved))] += n
    return dict(out)


async def _months_tallied(
    session: AsyncSession,
    sql: "_Dialect",
    months: list[tuple[datetime, datetime]],
    fingerprints: list[Fingerprint],
    keys: list[ColumnElement[Any]],
    key: Callable[[list[Any]], Key],
    filters: list[ColumnElement[bool]],
    kept: TallyCache,
    asked: Hashable,
) -> list[dict[Key, Tally]]:
    """`_cases_tallied` for each month: from `kept` where the month's cases are as they were when
    it was kept, the others read (a pass over each run of them) and kept."""
    parts = [kept.get((asked, month), f) for month, f in zip(months, fingerprints, strict=True)]
    stale = [i for i, part in enumerate(parts) if part is None]
    for first, last in _runs(stale):
        start, end = months[first][0], months[last - 1][1]
        received = await _received(session, sql, start, end, sum(n for n, _ in fingerprints[first:last]))
        cases = [received >= start, received < end, *filters]
        by_month: dict[str, dict[Key, Tally]]
        if last - first == 1:  # one month: not grouped by the month
            by_month = {_label(start, sql.tz): await _cases_tallied(session, sql, cases, keys, key)}
        else:
            by_month = defaultdict(dict)
            for (month, *rest), tally in (
                await _cases_tallied(session, sql, cases, keys, key, by_month=True)
            ).items():
                by_month[month][tuple(rest)] = tally
        for i in range(first, last):
            part = by_month.get(_label(months[i][0], sql.tz), {})
            kept.put((asked, months[i]), fingerprints[i], part)
            parts[i] = part
    return [p for p in parts if p is not None]


def _label(moment: datetime, tz: ZoneInfo) -> str:
    """The month of `moment` in the zone, as `_Dialect.month_label` tells it."""
    return f"{moment.astimezone(tz):%Y-%m}"


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive indices as ranges: [1, 2, 5] as (1, 3) and (5, 6)."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


async def tallies(
    session: AsyncSession,
    period: Period,
    tz: ZoneInfo,
    by: tuple[str, ...],
    *,
    by_day: bool = False,
    enterprise: str | None = None,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
    kept: TallyCache | None = None,
) -> dict[Key, Tally]:
    """The tally of the cases received in the period, and of the violations, warnings and
    penalties dated in it, for each value of the dimensions in `by` (and each day, with
    `by_day`); with a bureau, those of its area only. Its statements read one moment, so a
    case moved between them is counted in one place (`session`'s transaction is ended first).
    With `kept`, the months whose cases have not changed since are not read again."""
    async with one_moment(session):
        start, end = bounds(period, tz)
        sql = _Dialect(
            session.get_bind().dialect.name,
            tz,
            start - timedelta(days=1),
            max(end, datetime.now(UTC)) + timedelta(days=366),
        )
        filters = [Complaint.enterprise_code == enterprise] if enterprise else []
        area = area_prefix(bureau) if bureau else ""
        if area:
            filters.append(Complaint.bureau_code.startswith(area, autoescape=True))
        if region:
            filters.append(Complaint.region_code == region)
        if category:
            filters.append(Complaint.category == category)
        # A dimension's empty value is "", and a grouping by an expression leaves SQLite to read
        # the period's cases by their date, not every case by the dimension's index.
        dims = [func.coalesce(KEYS[d], "") for d in by]
        keys: list[ColumnElement[Any]] = [*dims, sql.day(Complaint.received_at)] if by_day else [*dims]
        out: defaultdict[Key, Tally] = defaultdict(Tally)

        def key(row: Iterable[Any]) -> Key:
            values = list(row)
            return (*values[: len(by)], *(sql.as_day(v) for v in values[len(by) :]))

        months = _months(start, end, tz)
        asked = (by, by_day, enterprise, region, category, area, tz.key)
        by_months = sql.knows_months and len(months) <= MONTHS_KEPT  # SQL can tell each case's month
        keeping = kept if kept is not None and by_months and kept.asked_before(asked) else None
        fingerprints = await _fingerprints(session, months) if keeping is not None else []
        inside = sum(n for n, _ in fingerprints) if keeping is not None else None
        received = await _received(session, sql, start, end, inside)
        cases = [received >= start, received < end, *filters]
        if keeping is None:
            parts = [await _cases_tallied(session, sql, cases, keys, key)]
        else:
            parts = await _months_tallied(
                session, sql, months, fingerprints, keys, key, filters, keeping, asked
            )
        for part in parts:
            for k, tally in part.items():
                out[k] += tally  # a kept tally is added to a new one, never changed

        counts = _evaluation_counts()
        found = await session.execute(
            _grouped(
                select(*keys, *counts.values())
                .select_from(Task)
                .join(Complaint, Complaint.tracking_no == Task.tracking_no)
                .where(Task.kind == TaskKind.EVALUATION.value, Task.status == TaskStatus.DONE.value, *cases),
                len(keys),
            )
        )
        for row in found:
            out[key(row[: len(keys)])] += Tally(**dict(zip(counts, row[len(keys) :], strict=True)))

        violations = await session.execute(
            _grouped(
                select(*dims, *([sql.day(ViolationRow.at)] if by_day else []), func.count())
                .select_from(ViolationRow)
                .join(Complaint, Complaint.tracking_no == ViolationRow.tracking_no)
                .where(
                    ViolationRow.at >= start,
                    ViolationRow.at < end,
                    ViolationRow.withdrawn_at.is_(None),
                    *filters,
                ),
                len(keys),
            )
        )
        for *values, n in violations:
            out[key(values)].violations += n

        for kind, place, issued_at in await _measures(
            session, start, end, enterprise, region, category, area
        ):
            tally = out[(*(place.get(d) or "" for d in by), *([sql.as_day(issued_at)] if by_day else []))]
            if kind == "warning":
                tally.warnings += 1
            elif kind == "penalty":
                tally.penalties += 1
        return dict(out)


async def _measures(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    enterprise: str | None,
    region: str | None,
    category: str | None,
    area: str,
) -> list[tuple[str, dict[str, str | None], datetime]]:
    """Warnings and penalties issued in the period, dropped and withdrawn ones left out: each
    one's kind, where it is (its enterprise, and its first case's region, category, channel and
    bureau) and when it was issued."""
    issued = (
        (
            await session.execute(
                select(SupervisionMeasure).where(
                    SupervisionMeasure.issued_at >= start,
                    SupervisionMeasure.issued_at < end,
                    SupervisionMeasure.status.not_in(("dropped", "withdrawn")),
                    *([SupervisionMeasure.enterprise_code == enterprise] if enterprise else []),
                )
            )
        )
        .scalars()
        .all()
    )
    first_cases = {m.tracking_nos[0] for m in issued if m.tracking_nos}
    where: dict[str, dict[str, str | None]] = {}
    if first_cases:
        found = await session.execute(
            select(
                Complaint.tracking_no,
                Complaint.region_code,
                Complaint.category,
                Complaint.channel,
                Complaint.bureau_code,
            ).where(Complaint.tracking_no.in_(first_cases))
        )
        where = {no: {"region": r, "category": c, "channel": ch, "bureau": b} for no, r, c, ch, b in found}
    out = []
    for m in issued:
        place = (where.get(m.tracking_nos[0]) if m.tracking_nos else None) or {}
        if (region and place.get("region") != region) or (category and place.get("category") != category):
            continue
        if area and not (place.get("bureau") or "").startswith(area):
            continue
        out.append((m.kind, {"enterprise": m.enterprise_code, **place}, m.issued_at))
    return out


async def compute(
    session: AsyncSession,
    policy: Policy,
    calendar: WorkingCalendar,
    period: Period,
    by: tuple[str, ...],
    *,
    enterprise: str | None = None,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
    kept: TallyCache | None = None,
) -> Metrics:
    """Every figure for the period: in total, and by the dimensions in `by`."""
    found = await tallies(
        session,
        period,
        policy.tz,
        by,
        enterprise=enterprise,
        region=region,
        category=category,
        bureau=bureau,
        kept=kept,
    )
    return _metrics(found, policy, calendar, period, by)


async def compute_areas(
    session: AsyncSession, policy: Policy, calendar: WorkingCalendar, period: Period, codes: list[str]
) -> dict[str, Figures]:
    """Each bureau's area's figures for the period, as `compute` gives them with its `bureau`,
    from one tally by bureau."""
    found = await tallies(session, period, policy.tz, ("bureau",))
    days = span_days(calendar)
    out = {}
    for code in codes:
        area = area_prefix(code)
        inside = total(t for (bureau,), t in found.items() if bureau.startswith(area))
        out[code] = figures(inside, days, policy.scorecard)
    return out


async def compute_over_time(
    session: AsyncSession,
    policy: Policy,
    calendar: WorkingCalendar,
    period: Period,
    by: tuple[str, ...],
    grain: str,
    *,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
    kept: TallyCache | None = None,
) -> tuple[Metrics, list[SeriesPoint]]:
    """`compute`, and every figure for each day, week or month of the period, from one tally by
    the dimensions and the day."""
    found = await tallies(
        session,
        period,
        policy.tz,
        by,
        by_day=True,
        region=region,
        category=category,
        bureau=bureau,
        kept=kept,
    )
    groups: defaultdict[Key, Tally] = defaultdict(Tally)
    days: defaultdict[date, Tally] = defaultdict(Tally)
    for key, tally in found.items():
        groups[key[:-1]] += tally
        days[key[-1]] += tally
    return _metrics(groups, policy, calendar, period, by), series(
        days, buckets(period, grain), span_days(calendar), policy.scorecard
    )


def _metrics(
    found: dict[Key, Tally], policy: Policy, calendar: WorkingCalendar, period: Period, by: tuple[str, ...]
) -> Metrics:
    days = span_days(calendar)
    rows = (
        [
            MetricsRow(
                key=dict(zip(by, key, strict=True)), figures=figures(found[key], days, policy.scorecard)
            )
            for key in sorted(found)
        ]
        if by
        else []
    )
    return Metrics(
        period=PeriodOut(label=period.label, start=str(period.start), end=str(period.end)),
        group_by=list(by),
        rows=rows,
        total=figures(total(found.values()), days, policy.scorecard),
    )
