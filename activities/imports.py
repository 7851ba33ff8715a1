"""A bulk import begun on a page: the stored file's rows recorded as complaints, its progress
written to its run for the page and reported to Temporal, so that a retry goes on from the last
row every row before which was done."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from temporalio import activity
from temporalio.client import Client

from db.models import ImportProblem, ImportRun
from db.session import Database
from domain.enums import Role
from domain.ids import ActivityName
from domain.imports import ImportMapping
from domain.messages import Actor
from services.files import FileStore
from services.import_files import Table, UnreadableFile
from services.imports import Importer, ImportRefused, Mark, Problem, Tally
from settings import Settings
from temporal_client import key_ring


class ImportActivities:
    def __init__(self, db: Database, client: Client, settings: Settings) -> None:
        self.db, self.client, self.settings = db, client, settings
        self.files = FileStore(settings.files_dir, key_ring(settings))

    @activity.defn(name=ActivityName.IMPORT_FILE)
    async def import_file(self, run_id: str) -> None:
        async with self.db.sessions() as session:
            run = await session.get(ImportRun, run_id)
            if run is None or run.status in ("done", "failed"):
                return
            run.status = "running"
            name, sha256, mapping = run.file_name, run.file_sha256, ImportMapping.model_validate(run.mapping)
            recorder = Actor(id=run.started_by, role=Role(run.started_role))
            dry_run = run.dry_run
            await session.commit()
        try:
            table = Table(self.files.get(sha256), name)
            importer = Importer(self.db, self.client, self.settings, recorder, mapping, dry_run=dry_run)
            resume = _resumed(activity.info().heartbeat_details)
            await importer.run(table, resume=resume, progress=self._progress(run_id))
        except (UnreadableFile, ImportRefused) as exc:
            await self._finish(run_id, "failed", str(exc))
            return
        await self._finish(run_id, "done")

    def _progress(self, run_id: str) -> Any:
        async def told(tally: Tally, problems: list[Problem], mark: Mark) -> None:
            async with self.db.sessions() as session:
                await session.execute(
                    update(ImportRun)
                    .where(ImportRun.id == run_id)
                    .values(
                        total=tally.total,
                        done=tally.done,
                        created=tally.created,
                        already=tally.already,
                        refused=tally.refused,
                    )
                )
                for p in problems:  # a retry finds again the problems of rows after the mark
                    await session.merge(
                        ImportProblem(
                            run_id=run_id,
                            row=p.row,
                            field=p.field,
                            column=p.column,
                            reason=p.reason,
                            kind=p.kind,
                        )
                    )
                await session.commit()
            activity.heartbeat(mark.row, mark.tally.as_dict())

        return told

    async def _finish(self, run_id: str, status: str, error: str = "") -> None:
        async with self.db.sessions() as session:
            await session.execute(
                update(ImportRun)
                .where(ImportRun.id == run_id)
                .values(status=status, error=error, finished_at=datetime.now(UTC))
            )
            await session.commit()


def _resumed(details: Any) -> Mark | None:
    """Where the last try got to, from its last heartbeat."""
    if len(details) < 2:
        return None
    return Mark(int(details[0]), Tally.of(dict(details[1])))
