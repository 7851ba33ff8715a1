"""The one way to reach Temporal: the same data converter for API, worker, CLI and tests."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from settings import Settings


def data_converter() -> DataConverter:
    return pydantic_data_converter


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal, namespace=settings.temporal_namespace, data_converter=data_converter()
    )
