"""revoked licences: the supervision's, and the cases filed against such an enterprise

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise_supervision") as table:
        table.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("complaints") as table:
        table.add_column(
            sa.Column("enterprise_revoked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as table:
        table.drop_column("enterprise_revoked")
    with op.batch_alter_table("enterprise_supervision") as table:
        table.drop_column("revoked_at")
