"""The one way to reach Temporal: the same data converter for API, worker, CLI and tests."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from settings import Settings
from workflows import search_attributes as sa


def data_converter() -> DataConverter:
    return pydantic_data_converter


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


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal, namespace=settings.temporal_namespace, data_converter=data_converter()
    )
