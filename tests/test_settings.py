"""Settings handed to another process of the system read back the same there."""

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from settings import Settings


def test_the_variables_of_settings_give_the_same_settings_in_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = Settings(
        data_dir=tmp_path,
        task_queue="bench-1",
        smtp_host="127.0.0.1",
        smtp_port=2525,
        smtp_password=SecretStr("s3cret"),
        sms_templates={"warning": "SMS_1"},
        demo_accounts=False,
        delivery_first_retry_seconds=0.5,
    )
    variables = here.variables()
    assert variables["AFTERSALES_DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'app.db'}"
    assert variables["AFTERSALES_TEMPORAL_ADDRESS"] == "127.0.0.1:7233"
    for name in [n for n in os.environ if n.startswith("AFTERSALES_")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    there = Settings(_env_file=None)  # type: ignore[call-arg]
    assert there.model_dump() == here.model_dump() | {
        "database_url": here.database,
        "temporal_address": here.temporal,
        "smtp_password": there.smtp_password,
    }
    assert there.smtp_password is not None and there.smtp_password.get_secret_value() == "s3cret"
