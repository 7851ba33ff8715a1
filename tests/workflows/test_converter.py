"""The data converter: the worker makes one for each workflow activation, and they all share one
payload converter, so a type's pydantic adapter is built once a process, not once a task."""

import dataclasses
from datetime import UTC, datetime

from pydantic import BaseModel
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter

from temporal_client import OnePayloadConverter, data_converter
from tests.support import TEST_RING


class Reading(BaseModel):
    at: datetime
    values: list[int]


def json_converter() -> PydanticJSONPlainPayloadConverter:
    converter = OnePayloadConverter().converters[b"json/plain"]
    assert isinstance(converter, PydanticJSONPlainPayloadConverter)
    return converter


async def test_the_converters_made_for_each_activation_share_their_type_adapters() -> None:
    made = data_converter(TEST_RING)
    again = dataclasses.replace(made)  # what the worker does for each activation
    assert OnePayloadConverter() is OnePayloadConverter()

    adapters = json_converter()._type_adapter
    before = adapters.cache_info()
    value = Reading(at=datetime(2026, 12, 7, 8, 0, tzinfo=UTC), values=[1, 2, 3])
    payloads = await made.encode([value, None, b"\x00raw"])
    assert await made.decode(payloads, [Reading, type(None), bytes]) == [value, None, b"\x00raw"]
    assert await again.decode(payloads[:1], [Reading]) == [value]
    after = adapters.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
