"""Payload encryption and key rotation: what an old key wrote, the rotated ring still reads
and replays; without the key, or with one bit changed, nothing decodes."""

import base64
from datetime import timedelta

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from db.session import Database
from domain.complaint.messages import Withdraw
from settings import Settings
from temporal_client import (
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    KeyRing,
    data_converter,
    register_search_attributes,
)
from tests.support import CONSUMER, TEST_KEYS, TEST_RING, command, intake, start_case, tool, wait_for_state
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.registry import WORKFLOWS

OLD_RING = KeyRing.parse(TEST_KEYS.split(",")[1])  # test-1 alone: before the rotation


async def test_histories_written_before_a_rotation_still_decode_and_replay(
    settings: Settings, db: Database
) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=tool("temporal-test-server"), data_converter=data_converter(OLD_RING)
    )
    async with env:
        await register_search_attributes(env.client)
        async with build_worker(env.client, settings, db):
            case = intake(received_at=(await env.get_current_time()).replace(microsecond=0))
            handle = await start_case(env.client, settings.task_queue, case)
            await wait_for_state(handle, lambda s: s.revision > 0)
            await handle.signal(ComplaintWorkflow.withdraw, command(Withdraw, CONSUMER, reason="已和解"))
            await handle.result()
        history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata[KEY_ID] == b"test-1" and started.metadata["encoding"] == ENCODING
    assert "张三".encode() not in started.data

    # After the rotation (test-2 encrypts, test-1 still decrypts) the old history replays ...
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=data_converter(TEST_RING))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
    # ... its payloads decode, and what is written now uses the new key.
    [decoded] = await EncryptionCodec(TEST_RING).decode([started])
    assert "张三".encode() in decoded.data
    [fresh] = await EncryptionCodec(TEST_RING).encode([decoded])
    assert fresh.metadata[KEY_ID] == b"test-2"

    # A ring that dropped the old key cannot read it, and says which key is missing.
    without_old = KeyRing.parse(TEST_KEYS.split(",")[0])
    with pytest.raises(ValueError, match="encrypted with key 'test-1', which the key ring lacks"):
        await EncryptionCodec(without_old).decode([started])


async def test_a_changed_payload_does_not_decrypt() -> None:
    codec = EncryptionCodec(TEST_RING)
    [sealed] = await codec.encode(
        [Payload(metadata={"encoding": b"json/plain"}, data='{"name": "张三"}'.encode())]
    )
    tampered = Payload()
    tampered.CopyFrom(sealed)
    tampered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(ValueError, match="does not decrypt"):
        await codec.decode([tampered])
    assert (await codec.decode([sealed]))[0].data == '{"name": "张三"}'.encode()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "at least one key"),
        ("k1", "write each as id=base64key"),
        ("k1=" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        ("k1=!!!", "not valid base64"),
        (TEST_KEYS.split(",")[0] + "," + TEST_KEYS.split(",")[0], "given twice"),
    ],
)
def test_a_bad_key_ring_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        KeyRing.parse(text)


def test_production_requires_the_keys_and_secrets(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="AFTERSALES_SECRET_KEY"):
        Settings(environment="production", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="AFTERSALES_PAYLOAD_KEYS"):
        Settings(
            environment="production",
            secret_key="s" * 40,
            demo_accounts=False,
            database_url="sqlite://",
            temporal_address="x:1",
            _env_file=None,
        )  # type: ignore[call-arg]
    assert timedelta(minutes=Settings(_env_file=None).access_token_minutes) <= timedelta(minutes=30)  # type: ignore[call-arg]
