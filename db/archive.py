"""The history archive's chain: appending an entry, and verifying that none was edited,
reordered or deleted."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import HistoryArchiveEntry
from db.session import Database

GENESIS = "0" * 64


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def entry_hash(
    seq: int, workflow_id: str, tracking_no: str, closed_at: datetime, content_sha256: str, prev_hash: str
) -> str:
    fields = [str(seq), workflow_id, tracking_no, closed_at.isoformat(), content_sha256, prev_hash]
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


async def append(
    db: Database, *, workflow_id: str, tracking_no: str, closed_at: datetime, content: str
) -> int:
    """Add an entry at the end of the chain; returns its sequence number. Two archivers at once
    cannot fork the chain: the second one's sequence number is taken, and it tries again."""
    for _ in range(5):
        try:
            async with db.transaction() as session:
                last = (
                    await session.execute(
                        select(HistoryArchiveEntry).order_by(HistoryArchiveEntry.seq.desc()).limit(1)
                    )
                ).scalar_one_or_none()
                seq, prev = (last.seq + 1, last.entry_hash) if last else (1, GENESIS)
                digest = content_hash(content)
                session.add(
                    HistoryArchiveEntry(
                        seq=seq,
                        workflow_id=workflow_id,
                        tracking_no=tracking_no,
                        closed_at=closed_at,
                        content=content,
                        content_sha256=digest,
                        prev_hash=prev,
                        entry_hash=entry_hash(seq, workflow_id, tracking_no, closed_at, digest, prev),
                    )
                )
            return seq
        except IntegrityError:
            async with db.sessions() as session:
                done = (
                    await session.execute(
                        select(HistoryArchiveEntry.seq).where(HistoryArchiveEntry.workflow_id == workflow_id)
                    )
                ).scalar_one_or_none()
            if done is not None:  # another archiver took this very case
                return done
    raise RuntimeError("the archive chain is too busy to append to")


@dataclass
class ChainReport:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    head: str = GENESIS  # the last entry's hash: kept elsewhere, it shows later whether the end was cut

    @property
    def intact(self) -> bool:
        return not self.problems


async def verify(session: AsyncSession, head: str | None = None) -> ChainReport:
    """Check every entry against its content and the one before; with `head`, a hash an earlier
    verification reported, also that the chain still holds that entry (nothing cut from the end)."""
    report, expected_seq, prev = ChainReport(), 1, GENESIS
    head_found = head is None or head == GENESIS
    rows = await session.stream_scalars(select(HistoryArchiveEntry).order_by(HistoryArchiveEntry.seq))
    async for entry in rows:
        report.entries += 1
        where = f"entry {entry.seq} ({entry.workflow_id})"
        if entry.seq != expected_seq:
            report.problems.append(f"entries {expected_seq}-{entry.seq - 1} are missing before {where}")
        if entry.prev_hash != prev:
            report.problems.append(f"{where} does not follow the entry before it: reordered, or one removed")
        if content_hash(entry.content) != entry.content_sha256:
            report.problems.append(f"{where}: its content was changed")
        recomputed = entry_hash(
            entry.seq,
            entry.workflow_id,
            entry.tracking_no,
            entry.closed_at,
            entry.content_sha256,
            entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            report.problems.append(f"{where}: its record was changed")
        head_found = head_found or entry.entry_hash == head
        expected_seq, prev = entry.seq + 1, entry.entry_hash
    report.head = prev
    if not head_found:
        report.problems.append(
            f"no entry has the hash {head}: entries were cut from the end, or it is not ours"
        )
    return report
