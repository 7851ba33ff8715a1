"""Complaints filed twice: each intake's fingerprint, and the possible duplicates found

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_fingerprints",
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("phone_key", sa.String(length=64), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("product_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tracking_no", name=op.f("pk_intake_fingerprints")),
    )
    op.create_index(
        "ix_intake_fingerprints_match", "intake_fingerprints", ["phone_key", "enterprise_code", "received_at"]
    )
    op.create_table(
        "duplicate_suspicions",
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("original", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tracking_no", name=op.f("pk_duplicate_suspicions")),
    )
    op.create_index(op.f("ix_duplicate_suspicions_original"), "duplicate_suspicions", ["original"])
    op.create_index(op.f("ix_duplicate_suspicions_status"), "duplicate_suspicions", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_duplicate_suspicions_status"), table_name="duplicate_suspicions")
    op.drop_index(op.f("ix_duplicate_suspicions_original"), table_name="duplicate_suspicions")
    op.drop_table("duplicate_suspicions")
    op.drop_index("ix_intake_fingerprints_match", table_name="intake_fingerprints")
    op.drop_table("intake_fingerprints")
