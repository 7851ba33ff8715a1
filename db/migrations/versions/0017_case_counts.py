"""Each case's place in the evaluation system's counts, and its response time, kept in its row

A case recorded before takes them from its row's timestamps and outcome, as the metrics
counted them until now.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ("answered", "answered_in_time", "resolved_in_time", "judged", "judged_resolved")

LATE = "responded_at IS NOT NULL AND response_due IS NOT NULL AND responded_at > response_due"
ANSWERED = f"(responded_at IS NOT NULL OR response_breached) AND NOT ({LATE} AND NOT response_breached)"
JUDGED = (
    "status = 'closed' AND (outcome IS NULL OR outcome NOT IN "
    "('withdrawn', 'rejected_duplicate', 'rejected_out_of_scope', 'not_admitted'))"
)
RESOLVED = "outcome IN ('resolved', 'resolved_by_default', 'resolved_after_rectification')"

# Microseconds from receipt to response. SQLite keeps a timestamp as `YYYY-MM-DD HH:MM:SS.ffffff`.
SQLITE_US = (
    "(CAST(strftime('%s', responded_at) AS INTEGER) * 1000000 + CAST(substr(responded_at, 21) AS INTEGER))"
    " - (CAST(strftime('%s', received_at) AS INTEGER) * 1000000 + CAST(substr(received_at, 21) AS INTEGER))"
)
POSTGRESQL_US = "CAST(EXTRACT(EPOCH FROM responded_at - received_at) * 1000000 AS BIGINT)"


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("response_us", sa.BigInteger(), nullable=True))
        for name in FLAGS:
            batch.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    us = POSTGRESQL_US if op.get_bind().dialect.name == "postgresql" else SQLITE_US
    flags = {
        "answered": ANSWERED,
        "answered_in_time": f"{ANSWERED} AND responded_at IS NOT NULL AND NOT ({LATE})",
        "resolved_in_time": (
            "resolved_at IS NOT NULL AND resolution_due IS NOT NULL AND resolved_at <= resolution_due"
        ),
        "judged": JUDGED,
        "judged_resolved": f"{JUDGED} AND {RESOLVED}",
    }
    values = ", ".join(f"{name} = COALESCE({condition}, false)" for name, condition in flags.items())
    op.execute(f"UPDATE complaints SET response_us = {us}, {values}")


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        for name in ("response_us", *FLAGS):
            batch.drop_column(name)
