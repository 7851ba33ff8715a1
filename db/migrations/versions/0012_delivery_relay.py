"""Deliveries: the relay's claim on a first try, and when a delivery workflow took it over

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("handed_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    # Every delivery written before has its workflow: the relay leaves it alone.
    op.execute("UPDATE deliveries SET handed_at = created_at")
    op.create_index("ix_deliveries_first_try", "deliveries", ["status", "handed_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_first_try", table_name="deliveries")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("claimed_until")
        table.drop_column("claimed_by")
        table.drop_column("handed_at")
