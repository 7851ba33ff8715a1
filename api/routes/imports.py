"""Bulk imports for a platform's or a hotline's own system: an export (CSV or XLSX) sent with its
mapping, checked at once, then imported by its workflow; its progress, its summary and the rows
it refused, each with the field and the reason the intake API gives."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.core.deps import ContextDep, Paging, SignedIn
from api.core.errors import ErrorBody, answers
from services import import_runs
from services.files import Upload
from services.import_runs import ImportRunOut, ProblemOut
from services.outputs import Page

router = APIRouter(prefix="/api/imports", tags=["imports"])
EXPORT = "the export: CSV (UTF-8 or GB18030) or XLSX, 20 MB at most"
MAPPING = "a mapping file (TOML) for an export not laid out as the template"
DryRun = Annotated[Literal["true", "false"], Form(description="true: check every row and create nothing")]


async def _upload(file: UploadFile | None) -> Upload | None:
    if file is None:
        return None
    return Upload(name=file.filename or "", content=await file.read())


@router.post(
    "",
    status_code=202,
    response_model=ImportRunOut,
    responses={
        **answers(400, 401, 403),
        413: {"model": ErrorBody, "description": "the export and its mapping are larger than 21 MiB"},
    },
    summary="Begin a bulk import: the export is checked now, its rows imported by a workflow",
)
async def begin_import(
    ctx: ContextDep,
    principal: SignedIn,
    response: Response,
    file: Annotated[UploadFile, File(description=EXPORT, json_schema_extra={"format": "hotline-export"})],
    mapping: Annotated[
        UploadFile | None, File(description=MAPPING, json_schema_extra={"format": "import-mapping"})
    ] = None,
    dry_run: Annotated[
        Literal["true", "false"], Form(description="check every row, create nothing")
    ] = "false",
) -> ImportRunOut:
    """400 for a body that is not a multipart form; 422, naming the part, for a file or a mapping
    that cannot be imported as it is laid out."""
    run = await import_runs.begin(
        ctx,
        principal=principal,
        upload=await _upload(file),
        mapping=await _upload(mapping),
        dry_run=dry_run == "true",
    )
    response.headers["Location"] = f"/api/imports/{run.id}"
    return ImportRunOut.model_validate(run)


@router.get(
    "",
    response_model=list[ImportRunOut],
    responses=answers(401, 403),
    summary="The latest imports, newest first",
)
async def list_imports(ctx: ContextDep, principal: SignedIn) -> list[ImportRunOut]:
    return [ImportRunOut.model_validate(r) for r in await import_runs.runs(ctx, principal=principal)]


@router.get(
    "/{run_id}",
    response_model=ImportRunOut,
    responses=answers(401, 403, 404),
    summary="An import's progress and, once done, its summary",
)
async def get_import(ctx: ContextDep, principal: SignedIn, run_id: str) -> ImportRunOut:
    return ImportRunOut.model_validate(await import_runs.get_run(ctx, principal=principal, run_id=run_id))


@router.get(
    "/{run_id}/problems",
    response_model=Page[ProblemOut],
    responses=answers(401, 403, 404),
    summary="The rows an import refused: each field at fault and why, in row order",
)
async def import_problems(
    ctx: ContextDep, principal: SignedIn, run_id: str, paging: Paging
) -> Page[ProblemOut]:
    return await import_runs.problem_page(ctx, principal=principal, run_id=run_id, paging=paging)
