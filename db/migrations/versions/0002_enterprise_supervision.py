"""enterprise supervision

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise_supervision",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("active_warnings", sa.Integer(), nullable=False),
        sa.Column("standing_penalties", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_enterprise_supervision")),
    )
    op.create_table(
        "public_notices",
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("notice_id", sa.String(length=16), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("penalty_id", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_code", "notice_id", name=op.f("pk_public_notices")),
    )
    with op.batch_alter_table("public_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_notices_published_at"), ["published_at"], unique=False)

    op.create_table(
        "supervision_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_events")),
        sa.UniqueConstraint("source", "seq", name="uq_supervision_events_source_seq"),
    )
    with op.batch_alter_table("supervision_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_events_enterprise_code"), ["enterprise_code"], unique=False
        )

    op.create_table(
        "supervision_measures",
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("measure_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("penalty_kind", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("tracking_nos", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_code", "measure_id", name=op.f("pk_supervision_measures")),
    )
    with op.batch_alter_table("supervision_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_measures_issued_at"), ["issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_measures_status"), ["status"], unique=False)

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("response_breached", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("resolution_breached", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("repeat_complaint", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_code", sa.String(length=18), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_enterprise_code"), ["enterprise_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_enterprise_code"))
        batch_op.drop_column("enterprise_code")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("repeat_complaint")
        batch_op.drop_column("resolution_breached")
        batch_op.drop_column("response_breached")
        batch_op.drop_column("resolved_at")

    with op.batch_alter_table("supervision_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_measures_status"))
        batch_op.drop_index(batch_op.f("ix_supervision_measures_issued_at"))

    op.drop_table("supervision_measures")
    with op.batch_alter_table("supervision_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_events_enterprise_code"))

    op.drop_table("supervision_events")
    with op.batch_alter_table("public_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_notices_published_at"))

    op.drop_table("public_notices")
    op.drop_table("enterprise_supervision")
