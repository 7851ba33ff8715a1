"""The application database: the read model the workflows project, and what the API owns
(accounts, enterprises, agencies, intake requests, policy versions)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Enterprise(Base):
    __tablename__ = "enterprises"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))
    # False for an enterprise first known from a complaint, not yet confirmed by staff.
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def division(self) -> str | None:
        """Where the registry says it operates: what finds the bureau of its cases."""
        return self.region_code if self.registered else None


class Agency(Base):
    """A third-party evaluation agency."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    enterprise_code: Mapped[str | None] = mapped_column(ForeignKey("enterprises.credit_code"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    bureau_code: Mapped[str | None] = mapped_column(String(6))  # staff: the bureau's area; none: the top
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2, via pwdlib
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the account is told of its notifications, besides its list in the pages.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN", server_default="zh_CN")
    channels: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["email"], server_default='["email"]')


class ApiKey(Base):
    """A key for an integration (or a demo account): shown once, stored as its SHA-256."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # enough to tell keys apart in a list
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    scope: Mapped[str] = mapped_column(String(8), default="full", server_default="full")  # full | read
    expires_at: Mapped[datetime | None]  # none: until revoked


class LoginSession(Base):
    """A login: its refresh token (stored as its SHA-256, replaced at each refresh) and whether
    it was ended. Access tokens name their session, so logging out ends them at once."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class IntakeRequest(Base):
    """An intake's idempotency key: the same key with the same body gives the same case."""

    __tablename__ = "intake_requests"

    idempotency_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    body_digest: Mapped[str] = mapped_column(String(64))
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Complaint(Base):
    """One row a case, written only by the complaint workflow's projection activity."""

    __tablename__ = "complaints"

    tracking_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64), unique=True)
    revision: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(4))
    triage_rule: Mapped[str] = mapped_column(String(100))
    enterprise_code: Mapped[str] = mapped_column(ForeignKey("enterprises.credit_code"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    # The bureau that handles it. A case from before bureaus holds the division its bureau is
    # found by (the registered enterprise's, or the complaint's): the finest bureau covering it.
    bureau_code: Mapped[str | None] = mapped_column(String(6))  # indexed below
    product_name: Mapped[str] = mapped_column(String(200))
    consumer_name_masked: Mapped[str] = mapped_column(String(100))
    consumer_phone_masked: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    next_due: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    proposed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))
    escalation_level: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[bool] = mapped_column(Boolean, index=True)
    investigator_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    policy_version: Mapped[str] = mapped_column(String(32))
    # For the evaluation system: when the complaint was resolved, and what went wrong on the way.
    resolved_at: Mapped[datetime | None]
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    repeat_complaint: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Filed against an enterprise whose business licence was revoked: handled for the consumer.
    enterprise_revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The bureau's own timeliness: its acceptance decision, the transfers, mediation's time-out.
    admission: Mapped[str | None] = mapped_column(String(16))
    transfers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transferred_at: Mapped[datetime | None]
    mediation_timed_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Its place in the evaluation system's counts and its response time, as `domain.metrics.counted`
    # decides them: a year's metrics read them, not work them out from the timestamps.
    response_us: Mapped[int | None] = mapped_column(BigInteger)
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_in_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolved_in_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    judged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    judged_resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The staff's queue (priority first) and an inbox (the nearest deadline first, whatever the
# priority), no deadline last; each with the index that reads a page of it in order, so a page of
# 100,000 cases reads 25 rows, not every case of a priority to sort them. An enterprise's inbox
# holds its open cases: its index holds those alone, with their status, so it answers their count
# alone too, and leaves the enterprise's other reads (its metrics) to the index on the enterprise,
# which reads its cases in the table's order.
QUEUE_ORDER = (Complaint.priority, Complaint.next_due.is_(None), Complaint.next_due, Complaint.received_at)
INBOX_ORDER = (Complaint.next_due.is_(None), Complaint.next_due, Complaint.priority, Complaint.received_at)
OPEN = Complaint.status != "closed"
Index("ix_complaints_queue", *QUEUE_ORDER)
Index(
    "ix_complaints_inbox",
    Complaint.enterprise_code,
    *INBOX_ORDER,
    Complaint.status,
    sqlite_where=OPEN,
    postgresql_where=OPEN,
)
# With the revision, the revision a bureau's staff's page watches (`services.cases.queue_revision`,
# every two seconds) reads the index alone.
Index("ix_complaints_bureau_code", Complaint.bureau_code, Complaint.revision)
# With the revision, a month's count and sum of revisions, which tell whether the metrics' kept
# tally of the month still holds (`db.metrics.TallyCache`), read the index alone.
Index("ix_complaints_received_at", Complaint.received_at, Complaint.revision)


class CaseFile(Base):
    """A file handed in on a case: its content is stored encrypted under its SHA-256 (the same
    content once), and the workflow's history holds the same hash."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_no: Mapped[str] = mapped_column(String(32), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    uploaded_by: Mapped[str] = mapped_column(String(40))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("tracking_no", "sha256", name="uq_case_files_tracking_no_sha256"),)


class _Recorded:
    """An event as a workflow recorded it; (source, seq) makes a retried recording harmless."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))  # the workflow id that recorded it
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseEventRow(_Recorded, Base):
    """The case's events, from the case's workflow and its tasks'."""

    __tablename__ = "case_events"

    tracking_no: Mapped[str] = mapped_column(String(32), index=True)

    __table_args__ = (UniqueConstraint("source", "seq", name="uq_case_events_source_seq"),)


class ViolationRow(Base):
    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_no: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    offence: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]  # its case was rejected as a duplicate: it counts no more

    __table_args__ = (UniqueConstraint("tracking_no", "seq", name="uq_violations_tracking_no_seq"),)


class Task(Base):
    """A verification or evaluation task, written by its child workflow."""

    __tablename__ = "tasks"

    task_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(32), index=True)
    enterprise_code: Mapped[str] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(20), index=True)
    assignee_id: Mapped[str] = mapped_column(String(40), index=True)
    opens_at: Mapped[datetime]
    due: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationRow(Base):
    """The notification outbox: a dispatcher delivers and marks `delivered_at`."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient_ref: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    tracking_no: Mapped[str] = mapped_column(String(32), index=True)  # empty when about an enterprise
    enterprise_code: Mapped[str | None] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notifications_recipient", "recipient_kind", "recipient_ref"),)


class NotificationRead(Base):
    """A notification an account has read in its list."""

    __tablename__ = "notification_reads"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One notification to one recipient by one channel: sent once, whatever the retries. The
    address is kept masked; the clear one is looked up only by the step that sends."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_key: Mapped[str] = mapped_column(String(200), index=True)
    recipient: Mapped[str] = mapped_column(String(60))  # an account id, or "consumer"
    channel: Mapped[str] = mapped_column(String(16))
    address_masked: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("notification_key", "recipient", "channel", name="uq_deliveries_once"),
    )


class WebhookEndpoint(Base):
    """Where an enterprise (or a platform for it) takes its notifications as signed POSTs. The
    signing secrets are kept sealed with the payload keys; after a rotation the previous one
    still signs until `previous_until`, so receivers can switch without a gap."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_code: Mapped[str] = mapped_column(ForeignKey("enterprises.credit_code"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_until: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """Each try of a delivery: when, what came of it, the provider's id or the error."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str] = mapped_column(String(16))  # sent | temporary | permanent
    provider_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)


class EnterpriseSupervision(Base):
    """An enterprise's supervision record, written by its supervision workflow."""

    __tablename__ = "enterprise_supervision"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    workflow_id: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    active_warnings: Mapped[int] = mapped_column(Integer)
    standing_penalties: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None]  # the business licence revoked: the ladder has ended
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupervisionMeasure(Base):
    """A warning or a penalty, as it stands."""

    __tablename__ = "supervision_measures"

    enterprise_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(16), primary_key=True)  # W1, P1, ...
    kind: Mapped[str] = mapped_column(String(16))  # warning | penalty
    status: Mapped[str] = mapped_column(String(24), index=True)
    issued_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    penalty_kind: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cause: Mapped[str] = mapped_column(Text)
    tracking_nos: Mapped[list[str]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer)


class PublicNoticeRow(Base):
    """Published penalties: public, and free of consumers' personal data."""

    __tablename__ = "public_notices"

    enterprise_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    penalty_id: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class SupervisionEventRow(_Recorded, Base):
    """An enterprise's supervision events."""

    __tablename__ = "supervision_events"

    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)

    __table_args__ = (UniqueConstraint("source", "seq", name="uq_supervision_events_source_seq"),)


class CycleReportRow(Base):
    """A cycle's report: every figure beside the cycle before, and the changes."""

    __tablename__ = "cycle_reports"

    label: Mapped[str] = mapped_column(String(32), primary_key=True)  # 2026-11, 2026-Q4
    cycle: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    previous_label: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[datetime]
    policy_version: Mapped[str] = mapped_column(String(32))
    headline: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what to which object, and with what outcome: every API write, every read of
    personal data, every payload decoded. Append-only: the database refuses updates and deletes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[str] = mapped_column(String(40), index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(
        String(120)
    )  # method and route, e.g. POST /api/complaints/{tracking_no}
    object_ref: Mapped[str] = mapped_column(
        String(100), index=True
    )  # tracking no, credit code, task id, or ""
    request_id: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    client: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class IdempotencyRecord(Base):
    """An action's Idempotency-Key: the same key again is the same request; with another
    action or body, it is refused."""

    __tablename__ = "idempotency_keys"

    owner: Mapped[str] = mapped_column(String(60), primary_key=True)  # the account, or consumer:<case>
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))  # the action and its object
    body_digest: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HistoryArchiveEntry(Base):
    """A closed case's Temporal histories (its runs and its children's, payloads as Temporal
    holds them), chained: each entry's hash covers its content and the entry before it, so an
    edited, reordered or deleted entry shows. Append-only."""

    __tablename__ = "history_archive"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workflow_id: Mapped[str] = mapped_column(String(100), unique=True)
    tracking_no: Mapped[str] = mapped_column(String(32), index=True)
    closed_at: Mapped[datetime]
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ImportRun(Base):
    """A bulk import begun on a page: its file (stored encrypted under its SHA-256), how its
    columns map, and how far it has gone."""

    __tablename__ = "import_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    mapping: Mapped[dict[str, Any]]
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)  # rows in the file
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows gone through
    created: Mapped[int] = mapped_column(Integer, default=0)
    already: Mapped[int] = mapped_column(Integer, default=0)  # imported before: nothing new
    refused: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(40))  # the account, which records the cases
    started_role: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")


class ImportProblem(Base):
    """Why a row of an import was refused: one entry for each field at fault."""

    __tablename__ = "import_problems"

    run_id: Mapped[str] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    column: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="")


class IntakeFingerprint(Base):
    """What finds a complaint filed twice, through two channels: the consumer's phone by its keyed
    hash (never in clear), the enterprise and the product, and when it was received."""

    __tablename__ = "intake_fingerprints"

    tracking_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone_key: Mapped[str] = mapped_column(String(64))
    enterprise_code: Mapped[str] = mapped_column(String(18))
    product_key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]

    __table_args__ = (Index("ix_intake_fingerprints_match", "phone_key", "enterprise_code", "received_at"),)


class DuplicateSuspicion(Base):
    """A complaint that may be an earlier one filed again, with why; a supervisor confirms it
    (the case rejected as a duplicate of the original) or dismisses it."""

    __tablename__ = "duplicate_suspicions"

    tracking_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    original: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # confirmed, dismissed
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
