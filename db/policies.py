"""The policy in force: read from the policy file, every version kept in the database.

A version, once registered, never changes: a file that keeps a version's name with other
content is refused. A case takes the newest version effective on its day of receipt.
"""

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from db.models import PolicyVersion
from db.session import Database
from domain.calendar import local_date
from domain.policy import Policy, parse_policy


class PolicyConflict(Exception):
    pass


class PolicyStore:
    def __init__(self, path: Path, db: Database) -> None:
        self.path = path
        self.db = db
        self._file_key: tuple[int, int] | None = None
        self._file_policy: Policy | None = None
        self._older: dict[str, Policy] = {}
        self._lock = asyncio.Lock()

    async def sync(self) -> Policy:
        """Read the file if it changed and register its version; returns the file's policy."""
        async with self._lock:
            stat = self.path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            if key != self._file_key:
                text = self.path.read_text(encoding="utf-8")
                policy = parse_policy(text)
                await self._register(policy, text)
                self._file_key, self._file_policy = key, policy
            assert self._file_policy is not None
            return self._file_policy

    async def _register(self, policy: Policy, text: str) -> None:
        async with self.db.transaction() as session:
            row = await session.get(PolicyVersion, policy.version)
            if row is None:
                session.add(
                    PolicyVersion(
                        version=policy.version,
                        effective_from=policy.effective_from,
                        digest=policy.digest,
                        content=text,
                    )
                )
            elif row.digest != policy.digest:
                raise PolicyConflict(
                    f"{self.path}: version {policy.version} is registered with other content; "
                    "give the changed policy a new version"
                )

    async def in_force(self, moment: datetime) -> Policy:
        """The newest registered version effective on the day of `moment`."""
        current = await self.sync()
        day = local_date(moment, current.tz)
        if current.effective_from <= day:
            return current
        async with self.db.sessions() as session:
            row = (
                await session.execute(
                    select(PolicyVersion)
                    .where(PolicyVersion.effective_from <= day)
                    .order_by(PolicyVersion.effective_from.desc(), PolicyVersion.registered_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        if row is None:  # earlier than every version: the oldest rules we have are the best guess
            return current
        if row.version not in self._older:
            self._older[row.version] = parse_policy(row.content)
        return self._older[row.version]
