"""Files handed in on a case: checked by their content (type, size, count), stored once under
their SHA-256, encrypted at rest with the payload key ring (they hold personal data), and given
back only to whoever may see the case, each reading audited.

A stored file is `<files dir>/<first two hex digits>/<sha256>`: one byte telling the key id's
length, the key id, a 12-byte nonce, and the AES-256-GCM ciphertext, bound to the key id and the
hash. The workflow's history holds each file's `FileRef`, so it proves which file was handed in.
"""

import asyncio
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.models import CaseFile
from domain.enums import Action
from domain.files import ACCEPTED, FileRef, media_type_of, name_problem
from services import cases
from services.case_view import CaseView
from services.cases import visible_case
from services.context import Context
from services.errors import FieldError, Invalid, NotFound
from services.outputs import ActionAccepted
from services.principal import Principal
from temporal_client import KeyRing, key_ring

FIELD = "files"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    name: str
    media_type: str
    content: bytes


class FileStore:
    def __init__(self, root: Path, ring: KeyRing) -> None:
        self.root, self.ring = root, ring

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, content: bytes) -> None:
        path = self._path(sha256)
        if path.exists():  # the same content, once
            return
        key_id, nonce = self.ring.active, os.urandom(12)
        sealed = self.ring.cipher(key_id).encrypt(nonce, content, f"{key_id}:{sha256}".encode())
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(bytes([len(key_id)]) + key_id.encode() + nonce + sealed)
        partial.replace(path)

    def get(self, sha256: str) -> bytes:
        data = self._path(sha256).read_bytes()
        n = data[0]
        key_id, nonce, sealed = data[1 : 1 + n].decode(), data[1 + n : 13 + n], data[13 + n :]
        content = self.ring.cipher(key_id).decrypt(nonce, sealed, f"{key_id}:{sha256}".encode())
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError(f"stored file {sha256} does not hold what its name says")
        return content


def size(n: int) -> str:
    """20 MB, 4 KB: a limit as people read it."""
    return f"{n // 1048576} MB" if n >= 1048576 else f"{n // 1024} KB"


def store(ctx: Context) -> FileStore:
    return FileStore(ctx.settings.files_dir, key_ring(ctx.settings))


def _checked(ctx: Context, uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Each upload with its type, or an `Invalid` naming every file that will not do."""
    limit, most = ctx.settings.upload_max_bytes, ctx.settings.upload_max_files
    if len(uploads) > most:
        raise Invalid([FieldError(FIELD, f"at most {most} files at once")])
    problems, out = [], []
    for upload in uploads:
        kind = media_type_of(upload.content)
        problem = (
            name_problem(upload.name)
            or ("is empty" if not upload.content else None)
            or (f"is larger than {size(limit)}" if len(upload.content) > limit else None)
            or (None if kind in ACCEPTED else "is not a PDF, JPEG, PNG or office document")
        )
        if problem:
            problems.append(FieldError(FIELD, f"{upload.name or '?'}: {problem}"))
        else:
            assert kind is not None
            out.append((upload, kind))
    if problems:
        raise Invalid(problems)
    return out


async def _keep(ctx: Context, principal: Principal, uploads: list[Upload]) -> list[FileRef]:
    """Check every upload, then store each; nothing is stored unless every file will do."""
    checked = _checked(ctx, uploads)
    files, now = store(ctx), datetime.now(UTC).replace(microsecond=0)
    refs = []
    for upload, kind in checked:
        digest = hashlib.sha256(upload.content).hexdigest()
        await asyncio.to_thread(files.put, digest, upload.content)
        refs.append(
            FileRef(
                sha256=digest,
                name=upload.name,
                size=len(upload.content),
                media_type=kind,
                uploaded_by=principal.actor.id,
                uploaded_at=now,
            )
        )
    return refs


async def _record(ctx: Context, tracking_no: str, refs: list[FileRef]) -> None:
    for ref in refs:
        known = await ctx.session.scalar(
            select(CaseFile.id).where(CaseFile.tracking_no == tracking_no, CaseFile.sha256 == ref.sha256)
        )
        if known is None:
            ctx.session.add(CaseFile(tracking_no=tracking_no, **ref.model_dump()))
    await ctx.session.commit()


async def act_with_files(
    ctx: Context,
    *,
    principal: Principal,
    tracking_no: str,
    action: Action,
    body: Any,
    idempotency_key: str | None,
    uploads: list[Upload],
) -> CaseView | ActionAccepted:
    """`cases.act` with the files a party hands in on it: each is checked and stored first, its
    reference goes in the action's command (and so in the history), and the case lists it for
    download once the workflow has taken the action."""
    await visible_case(ctx, principal, tracking_no)
    refs = await _keep(ctx, principal, uploads)
    done = await cases.act(
        ctx,
        principal=principal,
        tracking_no=tracking_no,
        action=action,
        body=body,
        idempotency_key=idempotency_key,
        files=refs,
    )
    await _record(ctx, tracking_no, refs)
    return done


async def download(ctx: Context, *, principal: Principal, tracking_no: str, sha256: str) -> StoredFile:
    """A file of a case, for whoever may see the case: an audited read of personal data."""
    await visible_case(ctx, principal, tracking_no)
    row = await ctx.session.scalar(
        select(CaseFile).where(CaseFile.tracking_no == tracking_no, CaseFile.sha256 == sha256)
    )
    if row is None:
        raise NotFound(f"no file {sha256} in case {tracking_no}")
    ctx.audit.personal_data_read()
    content = await asyncio.to_thread(store(ctx).get, sha256)
    return StoredFile(row.name, row.media_type, content)
