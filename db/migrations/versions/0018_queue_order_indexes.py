"""The queue's and an enterprise's inbox's order, each read from an index in order; the
revision a bureau's page watches read from an index alone

The queue's index was on the priority and the next deadline only: a page sorted every case of
the first priority by the rest of the order. The inbox's index holds the open cases only, with
their status, so it answers their count alone too and is not taken for the enterprise's other
reads. The bureau's index ends with the revision, so that a bureau's staff's queue revision (the
count and the sum of the revisions of the cases in view, asked for every two seconds by an open
page) reads it alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DEADLINE = sa.text("(next_due IS NULL)")
OPEN = sa.text("status != 'closed'")


def upgrade() -> None:
    op.drop_index("ix_complaints_queue", table_name="complaints")
    op.create_index("ix_complaints_queue", "complaints", ["priority", NO_DEADLINE, "next_due", "received_at"])
    op.create_index(
        "ix_complaints_inbox",
        "complaints",
        ["enterprise_code", NO_DEADLINE, "next_due", "priority", "received_at", "status"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.drop_index("ix_complaints_bureau_code", table_name="complaints")
    op.create_index("ix_complaints_bureau_code", "complaints", ["bureau_code", "revision"])


def downgrade() -> None:
    op.drop_index("ix_complaints_bureau_code", table_name="complaints")
    op.create_index("ix_complaints_bureau_code", "complaints", ["bureau_code"])
    op.drop_index("ix_complaints_inbox", table_name="complaints")
    op.drop_index("ix_complaints_queue", table_name="complaints")
    op.create_index("ix_complaints_queue", "complaints", ["priority", "next_due"])
