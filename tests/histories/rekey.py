"""Stores a history that `aftersales check --replay --keep` (or `python -m bench.faults`) kept,
as a history tests/workflows/test_replay.py replays.

    python -m tests.histories.rekey FOLDER TAG

FOLDER holds the kept histories (`<workflow id>__<run id>.json`) and `payload-keys`, the keys of
the run that made them. Each history's payloads are decrypted with those keys and encrypted
again under the tests' keys, and written here as `<TAG>--<workflow id>__run1.json`. A history
that does not replay fails the replay test until the workflow is mended: commit it with the
mending.
"""

import asyncio
import sys
from pathlib import Path

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from temporal_client import EncryptionCodec, KeyRing
from tests.support import TEST_RING

HERE = Path(__file__).parent


def _payloads(message: Message) -> list[Payload]:
    """Every payload in `message`, however deep, in place."""
    if isinstance(message, Payload):
        return [message]
    found = []
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.values()
        elif field.is_repeated:
            items = value
        else:
            items = [value]
        for item in items:
            if isinstance(item, Message):
                found += _payloads(item)
    return found


async def rekeyed(history: WorkflowHistory, was: KeyRing, now: KeyRing) -> WorkflowHistory:
    """`history` with every payload encrypted under `was` encrypted under `now` instead."""
    before, after = EncryptionCodec(was), EncryptionCodec(now)
    copy = WorkflowHistory.from_json(history.workflow_id, history.to_json_dict())
    for event in copy.events:
        for payload in _payloads(event):
            [plain] = await before.decode([payload])
            if plain is not payload:  # it was encrypted
                [sealed] = await after.encode([plain])
                payload.CopyFrom(sealed)
    return copy


async def store(folder: Path, tag: str, into: Path = HERE) -> list[Path]:
    """Each history kept in `folder`, under the tests' keys, in `into`."""
    was = KeyRing.parse((folder / "payload-keys").read_text())
    stored = []
    for path in sorted(folder.glob("*.json")):
        workflow_id = path.stem.rsplit("__", 1)[0]
        history = WorkflowHistory.from_json(workflow_id, path.read_text())
        stored.append(into / f"{tag}--{workflow_id}__run1.json")
        stored[-1].write_text((await rekeyed(history, was, TEST_RING)).to_json())
    return stored


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for written in asyncio.run(store(Path(sys.argv[1]), sys.argv[2])):
        print(written)
