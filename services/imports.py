"""Bulk import: the rows of a hotline or platform export recorded as complaints, each as an
intake clerk records one (the same checks and reasons as the API's, the row's own time of
receipt with its limits), a few at a time, each waiting until its case is registered so that an
import never crowds out the complaints recorded meanwhile.

Importing a row again creates nothing: its key (`domain.imports.row_key`) stands for the case it
was given, as an Idempotency-Key does. A dry run checks every row and creates nothing.
"""

import asyncio
import contextlib
import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from db.models import Enterprise
from db.session import Database
from domain.complaint.messages import EnterpriseRef
from domain.imports import SOURCE_ID, ImportMapping, complaint_fields, row_key, source_id
from domain.messages import Actor
from services import duplicates
from services.errors import Conflict, Forbidden, field_errors
from services.idempotency import intake_claim
from services.import_files import Table
from services.intake import RECORDING_ROLES, ComplaintCreate, complaint_intake, start_registered
from settings import Settings
from telemetry import INTAKES

LANES = 4  # rows in flight at once
REQUIRED = (
    "channel",
    "received_at",
    "consumer.name",
    "consumer.phone",
    "enterprise.credit_code",
    "product.name",
    "region_code",
    "category",
    "description",
    "desired_outcome",
)


@dataclass
class Tally:
    total: int = 0  # rows in the file
    done: int = 0  # rows gone through
    created: int = 0  # a case started (a dry run: a row that would be)
    already: int = 0  # imported before: its case exists
    refused: int = 0

    @classmethod
    def of(cls, data: dict[str, Any]) -> "Tally":
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.done += 1


@dataclass(frozen=True)
class Problem:
    row: int
    field: str  # the complaint's field, dotted as the API names it
    column: str  # the export's heading for it, where it has one
    reason: str
    kind: str = ""  # pydantic's error type, where the reason is pydantic's: a page translates by it


# (the tally, the problems found since the last call, where a retry would go on from)
Progress = Callable[[Tally, list[Problem], "Mark"], Awaitable[None]]


class ImportRefused(ValueError):
    """The file as a whole cannot be imported with this mapping."""


def check_headings(table: Table, mapping: ImportMapping) -> None:
    """Refuse a file whose heading row lacks a column for a required field without a default."""
    absent = set(mapping.missing_columns(table.headings))
    lacking = [
        f"{mapping.columns[f]} ({f})"
        for f in REQUIRED
        if (f not in mapping.columns or mapping.columns[f] in absent) and f not in mapping.defaults
    ]
    if lacking:
        raise ImportRefused(f"the heading row lacks the columns: {', '.join(lacking)}".replace(" ()", ""))


@dataclass
class Mark:
    """Where an interrupted import goes on from: every row up to `row` done, with this tally."""

    row: int
    tally: Tally


class _Flight:
    """The rows read and not yet done, and the mark before the first of them."""

    def __init__(self, mark: Mark) -> None:
        self.mark = Mark(mark.row, replace(mark.tally))
        self.read_up_to = mark.row
        self.open: set[int] = set()
        self.finished: dict[int, str] = {}  # rows done after the mark, by their outcome

    def begin(self, number: int) -> None:
        self.open.add(number)
        self.read_up_to = number

    def end(self, number: int, outcome: str) -> None:
        self.open.discard(number)
        self.finished[number] = outcome

    def settle(self) -> Mark:
        upto = min(self.open) - 1 if self.open else self.read_up_to
        for number in sorted(n for n in self.finished if n <= upto):
            self.mark.tally.count(self.finished.pop(number))
        self.mark.row = upto
        return Mark(upto, replace(self.mark.tally))


class Importer:
    def __init__(
        self,
        db: Database,
        temporal: Client | None,  # none for a dry run
        settings: Settings,
        recorder: Actor,
        mapping: ImportMapping,
        *,
        dry_run: bool,
        lanes: int = LANES,
    ) -> None:
        assert temporal is not None or dry_run, "an import starts workflows"
        if recorder.role not in RECORDING_ROLES:
            raise Forbidden("complaints are imported by intake clerks")
        self.db, self.temporal, self.settings = db, temporal, settings
        self.recorder, self.mapping, self.dry_run, self.lanes = recorder, mapping, dry_run, lanes
        self._registry: dict[str, str | None] = {}  # credit code → registered name, or None

    async def run(
        self,
        table: Table,
        *,
        resume: Mark | None = None,
        progress: Progress | None = None,
        every: float = 0.5,
    ) -> Tally:
        """Every row after the mark an earlier, interrupted run reached (`resume`), telling
        `progress` every `every` seconds and at the end."""
        check_headings(table, self.mapping)
        flight = _Flight(resume or Mark(0, Tally(total=table.count())))
        tally = replace(flight.mark.tally)
        found: list[Problem] = []
        rows: asyncio.Queue[tuple[int, dict[str, str]] | None] = asyncio.Queue(maxsize=self.lanes * 2)

        async def lane() -> None:
            while (item := await rows.get()) is not None:
                number, cells = item
                outcome, problems = await self.row(number, cells)
                tally.count(outcome)
                found.extend(problems)
                flight.end(number, outcome)

        async def report() -> None:
            if progress is not None:
                told, found[:] = list(found), []
                await progress(tally, told, flight.settle())

        stop = asyncio.Event()

        async def reporting() -> None:
            # stopped by the event, never cancelled: a report cut off mid-write would lose its problems
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every)
                if not stop.is_set():
                    await report()

        lanes = [asyncio.create_task(lane()) for _ in range(self.lanes)]
        reporter = asyncio.create_task(reporting())
        try:
            for number, cells in table:
                if number <= flight.mark.row:
                    continue
                flight.begin(number)
                await rows.put((number, cells))
                if any(t.done() for t in lanes):
                    break  # a lane failed: its error is raised below
            for _ in lanes:
                await _put_unless_failed(rows, lanes)
            await asyncio.gather(*lanes)
        finally:
            stop.set()
            for t in lanes:
                t.cancel()
            await reporter
        await report()
        return tally

    async def row(self, number: int, cells: dict[str, str]) -> tuple[str, list[Problem]]:
        """The row's outcome (created, already or refused) and, refused, why."""
        body = complaint_fields(cells, self.mapping)
        problems: list[Problem] = []
        if "received_at" not in body:
            reason = "required: the time the complaint was received"
            problems.append(self._problem(number, "received_at", reason))
        try:
            complaint = ComplaintCreate.model_validate(body)
        except ValidationError as exc:
            problems += [self._problem(number, e.field, e.reason, e.kind) for e in field_errors(exc.errors())]
        if problems:
            return "refused", problems
        enterprise = await self._enterprise(complaint)
        if enterprise is None:
            reason = "required for an enterprise not yet in the registry"
            return "refused", [self._problem(number, "enterprise.name", reason)]
        if self.dry_run:
            return "created", []
        key = row_key(self.mapping, source_id(cells, self.mapping), body)
        received_at = complaint.received_at
        assert received_at is not None
        try:
            async with self.db.sessions() as session:
                tracking_no, received_at = await intake_claim(session, key, complaint, received_at)
        except Conflict:
            reason = "was imported before with other content; correct that case instead"
            return "refused", [self._problem(number, SOURCE_ID, reason)]
        case = complaint_intake(complaint, tracking_no, received_at, self.recorder, enterprise)
        assert self.temporal is not None
        # Each lane waits for its case to be registered, at the pace the workers register cases.
        try:
            await start_registered(self.temporal, self.settings, case, WorkflowIDConflictPolicy.FAIL)
        except WorkflowAlreadyStartedError:
            return "already", []
        INTAKES.labels(complaint.channel.value, "import").inc()
        await duplicates.note_intake(self.db, self.settings, case)
        return "created", []

    def _problem(self, number: int, field: str, reason: str, kind: str = "") -> Problem:
        return Problem(number, field, self.mapping.column_of(field), reason, kind)

    async def _enterprise(self, complaint: ComplaintCreate) -> EnterpriseRef | None:
        code = complaint.enterprise.credit_code
        if code not in self._registry:
            async with self.db.sessions() as session:
                registered = await session.get(Enterprise, code)
            self._registry[code] = registered.name if registered else None
        name = self._registry[code] or complaint.enterprise.name
        return EnterpriseRef(credit_code=code, name=name) if name else None


async def _put_unless_failed(
    rows: "asyncio.Queue[tuple[int, dict[str, str]] | None]", lanes: list["asyncio.Task[None]"]
) -> None:
    """The end-of-rows mark for one lane, unless every lane has stopped (the queue may be full)."""
    while not all(t.done() for t in lanes):
        try:
            await asyncio.wait_for(rows.put(None), 0.5)
            return
        except TimeoutError:
            continue


REPORT_HEADINGS = ("row", "field", "column", "reason")


def problem_report(problems: Iterable[Problem]) -> Iterator[str]:
    """The refused rows as CSV lines (row, field, column, reason), with the byte-order mark
    spreadsheet programs need to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADINGS)
    yield "\ufeff" + out.getvalue()
    for p in problems:
        out.seek(0)
        out.truncate()
        writer.writerow((p.row, p.field, p.column, p.reason))
        yield out.getvalue()
