"""Notifications delivered to a real SMTP server on loopback, with retries quick enough to watch."""

from collections.abc import Iterator

import pytest

from settings import Settings
from tests.support.smtp import ScriptedSmtp


@pytest.fixture
def smtp() -> Iterator[ScriptedSmtp]:
    server = ScriptedSmtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "public_url": "https://aftersales.example",
            "delivery_first_retry_seconds": 0.2,
            "delivery_max_attempts": 4,
        }
    )
