"""The bureau's own timeliness on each case: its acceptance decision, the transfers, and whether
mediation ended when its window ran out

A case recorded before takes them from its recorded events.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OF_THE_CASE = "FROM case_events e WHERE e.tracking_no = complaints.tracking_no"


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("admission", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("transfers", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("mediation_timed_out", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE complaints SET "
        f"transfers = (SELECT COUNT(*) {OF_THE_CASE} AND e.kind = 'transferred'), "
        f"transferred_at = (SELECT MAX(e.at) {OF_THE_CASE} AND e.kind = 'transferred'), "
        f"mediation_timed_out = EXISTS (SELECT 1 {OF_THE_CASE} AND e.kind = 'mediation_ended'), "
        "admission = (SELECT CASE e.kind WHEN 'deemed_admitted' THEN 'deemed' ELSE e.kind END "
        f"{OF_THE_CASE} AND e.kind IN ('admitted', 'declined', 'deemed_admitted') "
        "ORDER BY e.seq DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        for column in ("mediation_timed_out", "transferred_at", "transfers", "admission"):
            batch.drop_column(column)
