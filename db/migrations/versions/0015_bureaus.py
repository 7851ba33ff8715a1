"""Bureaus: the bureau that handles each case, and the bureau each staff account belongs to

A case recorded before holds the division its bureau is found by: the registered enterprise's,
or else the complaint's (the finest bureau covering that division handles it).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("bureau_code", sa.String(length=6), nullable=True))
        batch.create_index(batch.f("ix_complaints_bureau_code"), ["bureau_code"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("bureau_code", sa.String(length=6), nullable=True))
    op.execute(
        "UPDATE complaints SET bureau_code = COALESCE("
        "(SELECT e.region_code FROM enterprises e WHERE e.credit_code = complaints.enterprise_code "
        "AND e.registered), region_code)"
    )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("bureau_code")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index(batch.f("ix_complaints_bureau_code"))
        batch.drop_column("bureau_code")
