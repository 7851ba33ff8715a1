"""Notifications delivered to a real SMTP server on loopback, with retries quick enough to watch."""

import pytest

from settings import Settings
from tests.support.smtp import ScriptedSmtp, mailing


@pytest.fixture
def settings(settings: Settings, smtp: ScriptedSmtp) -> Settings:
    return mailing(settings, smtp)
