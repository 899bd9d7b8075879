"""Dashboard for daily work (issue 13): what each due date was counted from

- `obligations.anchor_on`, `obligations.anchor_label`: the date a due date was
  counted from (a measure's start or decision, the last follow-up, the receipt of
  an application, ...) and what that date is, in Danish. The lists and the case page
  show the computed reason from them ("iværksættelse 12. mar. 2026 → frist
  12. jun. 2026"). Empty until the next load rebuilds the obligations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anchor_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("anchor_label", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_column("anchor_label")
        batch_op.drop_column("anchor_on")
