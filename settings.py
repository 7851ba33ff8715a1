"""Every setting in one place, from the environment (prefix AFTERSALES_) or a .env file.

The defaults run the whole system on one machine; production refuses the unsafe ones.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.bureaus import BureauTree
from domain.calendar import WorkingCalendar, parse_overrides
from domain.delivery import DeliveryRetry

DEFAULTS = Path(__file__).parent / "domain" / "defaults"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@cache
def _bureau_tree(path: Path) -> BureauTree:
    return BureauTree.load(path)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""  # default: SQLite in data_dir
    # Temporal: with no address given, `aftersales run` starts a dev server on this port.
    temporal_address: str = ""
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    # A cluster reached over TLS: its CA (none: the system's), a client certificate and key for
    # mutual TLS, the name its certificate is for (default: the address's host), or an API key
    # (Temporal Cloud; implies TLS).
    temporal_tls: bool = False
    temporal_tls_ca_file: Path | None = None
    temporal_tls_cert_file: Path | None = None
    temporal_tls_key_file: Path | None = None
    temporal_tls_server_name: str = ""
    temporal_api_key: SecretStr | None = None
    task_queue: str = "aftersales"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    policy_file: Path = DEFAULTS / "policy.toml"
    calendar_file: Path = DEFAULTS / "calendar.toml"
    bureaus_file: Path = DEFAULTS / "bureaus.toml"  # the bureaus served, by division code
    # Derives consumers' access codes; generated into data_dir in development.
    secret_key: SecretStr | None = None
    # Encrypt Temporal payloads: "id=base64key,older-id=base64key", the first the active one.
    # Generated into data_dir in development.
    payload_keys: SecretStr | None = None
    # Logins: short-lived access tokens (at most 30 minutes), refreshed with a refresh token.
    access_token_minutes: int = Field(default=15, ge=1, le=30)
    refresh_token_hours: int = Field(default=12, ge=1, le=24 * 30)
    # Requests a minute, per client address: logins (also per username) and anonymous intake.
    login_rate_per_minute: int = Field(default=10, ge=1)
    intake_rate_per_minute: int = Field(default=30, ge=1)
    # With a Redis server, the limits are counted there, shared by every API process;
    # without, each process counts for itself.
    redis_url: str = ""
    # The proxies (addresses or networks) whose X-Forwarded-For / Forwarded header names the
    # client: a request from anywhere else is its socket's peer, whatever it claims.
    # Comma-separated, e.g. "10.0.0.0/8,192.168.1.5".
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # How many processes `aftersales run` starts for the cases' worker and for the API.
    workers: int = Field(default=1, ge=1, le=32)
    api_processes: int = Field(default=1, ge=1, le=32)
    # Origins allowed to call the codec server; default: the dev server's Web UI.
    codec_cors_origins: list[str] = []
    demo_accounts: bool = True
    # How long intake waits for the workflow to register a case before answering 202.
    intake_wait_seconds: float = 10.0
    # How long an action waits to see its signal applied before answering 202.
    action_wait_seconds: float = 5.0
    # How many running workflows the worker keeps in memory between their tasks (~0.25 MB
    # each): one that is not kept is rebuilt from its history for its next task. The cases
    # whose steps follow each other fit in a few hundred; 300 holds a worker under 300 MB
    # however many cases are open; a minute of 1,000 deadlines replayed costs ~7 % more.
    worker_cached_workflows: int = Field(default=300, ge=10, le=1_000_000)
    # Run the workflows in Temporal's sandbox, which re-imports their modules for every new
    # workflow and checks each call for determinism: a fifth of the worker's time a complaint.
    # The test suite runs every workflow in it; a worker may leave it off.
    workflow_sandbox: bool = False
    # Traces (OpenTelemetry, through Temporal's interceptor) to this OTLP/HTTP endpoint, e.g.
    # http://127.0.0.1:4318/v1/traces; none: no tracing.
    otel_endpoint: str = ""
    # A complaint from the same consumer (phone), against the same enterprise, about the same
    # product, received within this many days of another, is marked as a possible duplicate.
    duplicate_window_days: int = Field(default=30, ge=1, le=365)
    # Logs: JSON lines, or lines for people; by default lines for people in development (and at
    # a terminal), JSON lines in production.
    log_format: Literal["auto", "json", "console"] = "auto"
    # A worker's own metrics (deliveries, breaches, archiving) and the Temporal SDK's (task
    # latencies, slots, polls), each on its own port in Prometheus's format; none: not served.
    # `aftersales run` gathers the workers' own into the API's /metrics instead.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    temporal_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Files handed in on a case: each at most this large, at most this many at once.
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    upload_max_files: int = Field(default=10, ge=1, le=100)
    # Where the pages are reached from outside: the links in notifications (default: the API's).
    public_url: str = ""
    # E-mail: the SMTP server notifications go out by (none: no e-mail). In development,
    # `aftersales run` receives them itself on mail_sink_port and shows them to the admins.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["plain", "starttls", "tls"] = "plain"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_ca_file: str = ""  # a CA bundle to trust for the SMTP server's certificate
    # At most this many SMTP sessions open at once, each kept for the next message.
    smtp_sessions: int = Field(default=8, ge=1, le=100)
    mail_from: str = "售后服务监管 <noreply@aftersales.example>"
    mail_reply_to: str = ""
    mail_sink_port: int = Field(default=8025, ge=1, le=65535)
    # SMS: none; a file (development: `aftersales run` uses data/sms.jsonl); or an HTTP gateway
    # that takes a signed POST of a template code and its parameters (AFTERSALES_SMS_*).
    sms_gateway: Literal["none", "file", "http"] = "none"
    sms_url: str = ""
    sms_app_key: str = ""
    sms_secret: SecretStr | None = None
    sms_sign_name: str = "市场监管"
    sms_form: bool = False  # form-encoded instead of JSON
    sms_templates: dict[str, str] = {}  # topic → approved template code (default AFTERSALES_<TOPIC>)
    # How one delivery keeps trying: exponential backoff from the first retry, this often, this long.
    delivery_first_retry_seconds: float = Field(default=5.0, gt=0)
    delivery_max_attempts: int = Field(default=10, ge=1, le=100)
    delivery_max_hours: float = Field(default=24.0, gt=0, le=24 * 7)
    delivery_attempt_seconds: float = Field(default=60.0, gt=0, le=600)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for part in value:
                ipaddress.ip_network(str(part), strict=False)  # a ValueError names the bad one
        return value

    @model_validator(mode="after")
    def _client_certificate_whole(self) -> "Settings":
        if (self.temporal_tls_cert_file is None) != (self.temporal_tls_key_file is None):
            raise ValueError(
                "AFTERSALES_TEMPORAL_TLS_CERT_FILE and AFTERSALES_TEMPORAL_TLS_KEY_FILE go together"
            )
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("AFTERSALES_SECRET_KEY of at least 32 characters is required in production")
            if self.payload_keys is None:
                raise ValueError("AFTERSALES_PAYLOAD_KEYS is required in production")
            if self.demo_accounts:
                raise ValueError("AFTERSALES_DEMO_ACCOUNTS must be false in production")
            if not self.database_url or not self.temporal_address:
                raise ValueError(
                    "production names its database and Temporal: AFTERSALES_DATABASE_URL, "
                    "AFTERSALES_TEMPORAL_ADDRESS"
                )
            if self.sms_gateway == "http" and not self.sms_url.startswith("https://"):
                raise ValueError("AFTERSALES_SMS_URL must be an https URL in production")
            if self.smtp_host and self.smtp_security == "plain" and self.smtp_host not in LOOPBACK:
                raise ValueError("AFTERSALES_SMTP_SECURITY must be tls or starttls for a remote SMTP server")
        return self

    def variables(self) -> dict[str, str]:
        """These settings as the `AFTERSALES_` variables another process of the system reads
        them from: those set here, and where the data, the database and Temporal are."""
        values = self.model_dump(include=self.model_fields_set)
        values |= {
            "data_dir": self.data_dir.resolve(),
            "database_url": self.database,
            "temporal_address": self.temporal,
        }
        found = {}
        for name, value in values.items():
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False)
            found[f"AFTERSALES_{name.upper()}"] = str(value)
        return found

    @property
    def site_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def delivery_task_queue(self) -> str:
        """Where notifications are delivered, apart from the cases' work."""
        return f"{self.task_queue}-delivery"

    def delivery_retry(self) -> DeliveryRetry:
        return DeliveryRetry(
            first_interval=timedelta(seconds=self.delivery_first_retry_seconds),
            max_attempts=self.delivery_max_attempts,
            max_age=timedelta(hours=self.delivery_max_hours),
            attempt_timeout=timedelta(seconds=self.delivery_attempt_seconds),
        )

    @property
    def sms_file(self) -> Path:
        return self.data_dir / "sms.jsonl"

    @property
    def mail_dir(self) -> Path:
        """Where the development mail sink keeps what it receives."""
        return self.data_dir / "mail"

    @property
    def files_dir(self) -> Path:
        """Where handed-in files are kept, encrypted, each under its SHA-256."""
        return self.data_dir / "files"

    def working_calendar(self) -> WorkingCalendar:
        """The PRC working-day calendar with the overrides in `calendar_file`."""
        return WorkingCalendar(overrides=parse_overrides(self.calendar_file.read_text(encoding="utf-8")))

    def bureau_tree(self) -> BureauTree:
        """The bureaus in `bureaus_file`, read once."""
        return _bureau_tree(self.bureaus_file)

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'app.db').resolve()}"

    @property
    def temporal(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    def payload_keys_text(self) -> str:
        if self.payload_keys is not None:
            return self.payload_keys.get_secret_value()
        return self._generated(
            "payload-keys", lambda: "dev-1=" + base64.b64encode(secrets.token_bytes(32)).decode()
        )

    def _generated(self, name: str, make: Callable[[], str]) -> str:
        """A development secret kept in the data directory (mode 600), made on first use."""
        path = self.data_dir / name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(make())
        return path.read_text().strip()

    @property
    def codec_origins(self) -> list[str]:
        """The Temporal Web UI's origins, which the codec server answers across origins."""
        port = self.temporal_ui_port
        return self.codec_cors_origins or [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    @property
    def log_style(self) -> str:
        if self.log_format == "auto" and self.environment == "development":
            return "console"
        return self.log_format

    @cached_property
    def token_signing_key(self) -> bytes:
        """Signs access tokens (HS256); derived from the secret, so rotating one rotates both."""
        return hmac.new(self.secret, b"aftersales access tokens", hashlib.sha256).digest()

    @cached_property
    def secret(self) -> bytes:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return self._generated("secret.key", lambda: secrets.token_urlsafe(48)).encode()
