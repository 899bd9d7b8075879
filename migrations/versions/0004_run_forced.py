"""etl_runs.forced: a run loaded although a plausibility check refused it

`etl load --accept-shrink` / `--accept-future` load an extract that the
plausibility checks (a file cut short, too many rows rejected, an extract date
in the future) would refuse; the run records that it was forced. Every earlier
run was not.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("etl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forced", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("etl_runs", schema=None) as batch_op:
        batch_op.drop_column("forced")
