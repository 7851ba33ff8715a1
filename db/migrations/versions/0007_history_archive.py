"""history archive

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.append_only import protect, unprotect

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "history_archive",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_history_archive")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_history_archive_workflow_id")),
    )
    with op.batch_alter_table("history_archive", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_archive_tracking_no"), ["tracking_no"], unique=False)

    protect("history_archive")


def downgrade() -> None:
    unprotect("history_archive")
    with op.batch_alter_table("history_archive", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_archive_tracking_no"))

    op.drop_table("history_archive")
