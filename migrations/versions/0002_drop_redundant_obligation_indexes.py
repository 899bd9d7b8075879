"""drop the obligation indexes that composite indexes already lead with

kind, center and status each lead a composite index (ix_obligations_kind_status,
ix_obligations_filter / ix_obligations_org, ix_obligations_status_due), so their
single-column indexes only cost time on every nightly rebuild of the table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_obligations_kind": "kind",
    "ix_obligations_center": "center",
    "ix_obligations_status": "status",
}


def upgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        for name, column in INDEXES.items():
            batch_op.create_index(name, [column], unique=False)
