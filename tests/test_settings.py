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


def test_a_cluster_is_reached_over_tls_as_the_settings_say(tmp_path: Path) -> None:
    from temporalio.service import TLSConfig

    from temporal_client import tls_config

    files = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for name, path in files.items():
        path.write_bytes(f"-----{name}-----".encode())
    base = {"_env_file": None}
    assert tls_config(Settings(**base)) is False  # the dev server: plain
    assert tls_config(Settings(**base, temporal_api_key="cloud-key")) is True  # the system's CAs
    mutual = tls_config(
        Settings(
            **base,
            temporal_tls_ca_file=files["ca"],
            temporal_tls_cert_file=files["cert"],
            temporal_tls_key_file=files["key"],
            temporal_tls_server_name="temporal.internal",
        )
    )
    assert isinstance(mutual, TLSConfig)
    assert (mutual.server_root_ca_cert, mutual.client_cert, mutual.client_private_key, mutual.domain) == (
        b"-----ca-----",
        b"-----cert-----",
        b"-----key-----",
        "temporal.internal",
    )
    with pytest.raises(
        ValueError, match="AFTERSALES_TEMPORAL_TLS_CERT_FILE and AFTERSALES_TEMPORAL_TLS_KEY_FILE"
    ):
        Settings(**base, temporal_tls_cert_file=files["cert"])


def test_proxies_are_given_as_a_list_of_addresses_or_networks() -> None:
    assert Settings(_env_file=None, trusted_proxies="10.0.0.0/8, 192.168.1.5").trusted_proxies == [  # type: ignore[call-arg, arg-type]
        "10.0.0.0/8",
        "192.168.1.5",
    ]
    with pytest.raises(ValueError, match="'proxy' does not appear to be an IPv4 or IPv6 network"):
        Settings(_env_file=None, trusted_proxies="10.0.0.0/8,proxy")  # type: ignore[call-arg, arg-type]
