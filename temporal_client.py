"""The one way to reach Temporal: the same data converter for API, worker, CLI, tests and the
replayer, with every payload encrypted.

Payloads (workflow inputs, signals, queries, activity arguments and results, and failure
messages) are encrypted with AES-256-GCM before they leave the process, so the Temporal server,
its database and its visibility store never hold a consumer's personal data in clear. Each
payload names the key that encrypted it; the key ring keeps old keys, so histories written
before a rotation still decode. Search attributes are not payloads and carry no personal data.
"""

import base64
import binascii
import os
from collections.abc import Sequence
from typing import ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from settings import Settings
from telemetry import tracing
from workflows import search_attributes as sa

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class KeyRing:
    """Named AES-256 keys; the first encrypts, all decrypt."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("payload keys: at least one key is needed")
        for key_id, key in keys:
            if len(key) != 32:
                raise ValueError(f"payload key {key_id!r}: must be 32 bytes (AES-256), got {len(key)}")
        if len({k for k, _ in keys}) != len(keys):
            raise ValueError("payload keys: a key id is given twice")
        self.active = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    @classmethod
    def parse(cls, text: str) -> "KeyRing":
        """`id=base64key,older-id=base64key`: the first is the active key."""
        keys = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            key_id, sep, encoded = item.partition("=")
            if not sep or not key_id:
                raise ValueError("payload keys: write each as id=base64key, separated by commas")
            try:
                keys.append((key_id, base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)))
            except binascii.Error:
                raise ValueError(f"payload key {key_id!r}: not valid base64") from None
        return cls(keys)

    @staticmethod
    def new_key() -> str:
        return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()

    def seal(self, data: bytes, purpose: str) -> str:
        """`data` encrypted under the active key, as text: key id, then nonce and ciphertext."""
        nonce = os.urandom(12)
        sealed = self.cipher(self.active).encrypt(nonce, data, f"{self.active}:{purpose}".encode())
        return f"{self.active}:{base64.b64encode(nonce + sealed).decode()}"

    def unseal(self, text: str, purpose: str) -> bytes:
        key_id, _, encoded = text.partition(":")
        raw = base64.b64decode(encoded)
        try:
            return self.cipher(key_id).decrypt(raw[:12], raw[12:], f"{key_id}:{purpose}".encode())
        except InvalidTag:
            raise ValueError(f"a sealed {purpose} under key {key_id!r} does not decrypt") from None

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return self._ciphers[key_id]
        except KeyError:
            raise ValueError(f"payload encrypted with key {key_id!r}, which the key ring lacks") from None


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            key_id, nonce = self.ring.active, os.urandom(12)
            sealed = self.ring.cipher(key_id).encrypt(nonce, payload.SerializeToString(), key_id.encode())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:  # written before encryption: as it is
                out.append(payload)
                continue
            key_id = payload.metadata[KEY_ID].decode()
            try:
                plain = self.ring.cipher(key_id).decrypt(
                    payload.data[:12], payload.data[12:], key_id.encode()
                )
            except InvalidTag:
                raise ValueError(
                    f"payload under key {key_id!r} does not decrypt: altered, or another key"
                ) from None
            out.append(Payload.FromString(plain))
        return out


def key_ring(settings: Settings) -> KeyRing:
    return KeyRing.parse(settings.payload_keys_text())


class OnePayloadConverter(PydanticPayloadConverter):
    """Pydantic's payload converter, one for the process. The worker asks for a new payload
    converter with every workflow activation; each new one would build its converters and, for
    each type it decodes, its type adapter again. None of its parts keeps state of a workflow's
    own (none takes a serialization context), so one serves all."""

    _one: ClassVar["OnePayloadConverter | None"] = None

    def __new__(cls) -> "OnePayloadConverter":
        if cls._one is None:
            one = super().__new__(cls)
            PydanticPayloadConverter.__init__(one)
            cls._one = one
        return cls._one

    def __init__(self) -> None:
        """Made once, in `__new__`."""


def data_converter(ring: KeyRing) -> DataConverter:
    return DataConverter(
        payload_converter_class=OnePayloadConverter,
        payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def register_search_attributes(client: Client) -> None:
    """Register the case search attributes on a server that lacks them (the test server)."""
    kinds = {
        "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "BOOL": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
        "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    }
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: kinds[key.indexed_value_type.name] for key in sa.ALL},
        )
    )


async def workflow_runs(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of a workflow, first to last, following continue-as-new back."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return histories
        run_id = started.continued_execution_run_id


def tls_config(settings: Settings) -> TLSConfig | bool:
    """How the client speaks TLS to the cluster: not at all (the dev server), with the system's
    CAs (an API key alone, as Temporal Cloud), or with the files the settings name."""
    files = (settings.temporal_tls_ca_file, settings.temporal_tls_cert_file, settings.temporal_tls_key_file)
    if not settings.temporal_tls and not any(files) and not settings.temporal_tls_server_name:
        return settings.temporal_api_key is not None
    ca, cert, key = (path.read_bytes() if path else None for path in files)
    return TLSConfig(
        server_root_ca_cert=ca,
        client_cert=cert,
        client_private_key=key,
        domain=settings.temporal_tls_server_name or None,
    )


async def connect(settings: Settings, *, runtime: Runtime | None = None, component: str = "api") -> Client:
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(key_ring(settings)),
        tls=tls_config(settings),
        api_key=api_key.get_secret_value() if api_key else None,
        runtime=runtime or Runtime.default(),
        interceptors=tracing(component, settings.otel_endpoint),
    )
