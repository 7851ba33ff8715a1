"""The index on a case's receipt ends with its revision

The metrics keep each month's tally of its cases, and read again only a month whose cases'
count or sum of revisions has changed: with the revision in the index on the receipt, that
count and sum read the index alone.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_complaints_received_at", table_name="complaints")
    op.create_index("ix_complaints_received_at", "complaints", ["received_at", "revision"])


def downgrade() -> None:
    op.drop_index("ix_complaints_received_at", table_name="complaints")
    op.create_index("ix_complaints_received_at", "complaints", ["received_at"])
