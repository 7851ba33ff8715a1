"""Bulk imports begun on a page by an intake clerk: the file and its mapping checked, the file
stored (encrypted, as case files are: it holds personal data), the run recorded and its workflow
started; the runs listed, each with its progress and the rows it refused."""

import asyncio
import hashlib
import secrets
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from pydantic import Field, ValidationError
from sqlalchemy import select

from db.models import ImportProblem, ImportRun
from db.session import Database
from domain.imports import ImportMapping, load_mapping, template
from services.context import Context
from services.errors import FieldError, Invalid, NotFound, field_errors
from services.files import Upload, size, store
from services.import_files import Table, UnreadableFile
from services.imports import ImportRefused, Problem, check_headings
from services.intake import RECORDING_ROLES
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal
from workflows.imports import ImportWorkflow

MAX_BYTES = 20 * 1024 * 1024  # about 50,000 rows of a hotline export
SHOWN = 20  # runs listed
ENDED = ("done", "failed")
_STAGE = {"queued": 0, "running": 1, "done": 2, "failed": 3}


class ImportRunOut(Output):
    id: str
    file_name: str
    file_sha256: str = Field(description="the stored export's SHA-256")
    file_format: str = Field(description="csv or xlsx")
    dry_run: bool = Field(description="every row checked, nothing created")
    status: str = Field(description="queued, running, done or failed")
    total: int = Field(description="rows in the file")
    done: int = Field(description="rows gone through so far")
    created: int
    already: int = Field(description="imported before: nothing new")
    refused: int
    started_by: str
    started_at: LocalTime
    finished_at: LocalTime | None = None
    error: str = Field(default="", description="why a failed run stopped")


class ProblemOut(Output):
    row: int = Field(description="the row's number in the file, its heading row being 1")
    field: str = Field(description="the complaint's field, dotted as the intake API names it")
    column: str = Field(description="the export's heading for it, where it has one")
    reason: str


async def begin(
    ctx: Context, *, principal: Principal, upload: Upload | None, mapping: Upload | None, dry_run: bool
) -> ImportRun:
    """The run recorded and its workflow started; refused (Invalid, by field) with nothing done
    if the file cannot be imported with the mapping."""
    principal.require(RECORDING_ROLES, "bulk imports")
    mapped, problems = _mapping(mapping)
    table: Table | None = None
    total = 0
    if upload is None or not upload.content:
        problems.append(FieldError("file", "choose the export to import"))
    elif len(upload.content) > MAX_BYTES:
        problems.append(FieldError("file", f"is larger than {size(MAX_BYTES)}; split the export"))
    else:
        try:
            table = Table(upload.content, upload.name)
            if mapped is not None:
                check_headings(table, mapped)
            total = table.count()  # reads the whole file: a fault past the headings shows here
        except (UnreadableFile, ImportRefused) as exc:
            problems.append(FieldError("file", str(exc)))
    if problems or table is None or mapped is None or upload is None:
        raise Invalid(problems)
    sha256 = hashlib.sha256(upload.content).hexdigest()
    await asyncio.to_thread(store(ctx).put, sha256, upload.content)
    now = datetime.now(UTC)
    run = ImportRun(
        id=f"IM{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
        file_name=upload.name[:200] or "export",
        file_sha256=sha256,
        file_format=table.format,
        mapping=mapped.model_dump(),
        dry_run=dry_run,
        status="queued",
        total=total,
        done=0,
        created=0,
        already=0,
        refused=0,
        started_by=principal.actor.id,
        started_role=principal.role.value,
        started_at=now,
        error="",
    )
    ctx.session.add(run)
    await ctx.session.commit()
    await ctx.temporal.start_workflow(
        ImportWorkflow.run, run.id, id=f"import-{run.id}", task_queue=ctx.settings.task_queue
    )
    ctx.audit.detail = f"import {run.id}: {run.file_name}, {run.total} rows" + (
        ", dry run" if dry_run else ""
    )
    return run


def _mapping(upload: Upload | None) -> tuple[ImportMapping | None, list[FieldError]]:
    """The mapping file's mapping (none sent: the template's), or why it cannot be used."""
    if upload is None or not upload.content:
        return template(), []
    try:
        return load_mapping(upload.content.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        reason = "is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        reason = f"is not TOML: {exc}"
    except ValidationError as exc:
        reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(exc.errors()))
    return None, [FieldError("mapping", reason)]


async def runs(ctx: Context, *, principal: Principal) -> list[ImportRun]:
    principal.require(RECORDING_ROLES, "bulk imports")
    found = await ctx.session.scalars(select(ImportRun).order_by(ImportRun.started_at.desc()).limit(SHOWN))
    return list(found)


async def get_run(ctx: Context, *, principal: Principal, run_id: str) -> ImportRun:
    principal.require(RECORDING_ROLES, "bulk imports")
    run = await ctx.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"no import {run_id}")
    return run


async def problems(
    ctx: Context, *, principal: Principal, run_id: str, limit: int | None = None
) -> list[Problem]:
    """The rows the run refused, each field at fault and why, in row order."""
    await get_run(ctx, principal=principal, run_id=run_id)
    found = await ctx.session.scalars(
        select(ImportProblem)
        .where(ImportProblem.run_id == run_id)
        .order_by(ImportProblem.row, ImportProblem.field)
        .limit(limit)
    )
    return [Problem(p.row, p.field, p.column, p.reason, p.kind) for p in found]


async def problem_page(
    ctx: Context, *, principal: Principal, run_id: str, paging: PageRequest
) -> Page[ProblemOut]:
    """A page of the rows the run refused, in row order."""
    await get_run(ctx, principal=principal, run_id=run_id)
    statement = (
        select(ImportProblem)
        .where(ImportProblem.run_id == run_id)
        .order_by(ImportProblem.row, ImportProblem.field)
    )
    return await paginate(ctx.session, statement, paging, ProblemOut.model_validate)


def revision(run: ImportRun) -> int:
    """Changes whenever the run moves on: each row done, and each change of its stage."""
    return run.done * 4 + _STAGE.get(run.status, 0)


async def revisions(db: Database, run_id: str, *, seconds: float, every: float = 0.5) -> AsyncIterator[int]:
    """The run's revision now, and again each time it changes, until it ends or `seconds` pass."""
    loop = asyncio.get_running_loop()
    until, last = loop.time() + seconds, -1
    while True:
        async with db.sessions() as session:
            run = await session.get(ImportRun, run_id)
        if run is None:
            return
        if (now := revision(run)) != last:
            last = now
            yield now
        if run.status in ENDED or loop.time() + every > until:
            return
        await asyncio.sleep(every)
