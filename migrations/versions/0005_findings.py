"""Rules revision (issue 10): findings, measures.acute, the rules a history was computed by

- `findings`: the data-quality findings of each load (kpis.md, "Nothing silently
  dropped"), one row per record behind a finding: run, kind, code, record id and its case.
- `measures.acute`: the optional per-measure acute flag (foranstaltninger.akut);
  NULL where the extract does not give it.
- `store_meta`: small facts about the store, e.g. the fingerprint of the rules the
  stored month-end history was computed by. A store upgraded from an earlier
  version has none, so its next load recomputes the history by the rules in force.
- KPI rows of the retired `K7` (split into K7a and K7b) are removed: they cannot be
  shown against the revised rules, and the next load recomputes the history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acute", sa.Boolean(), nullable=True))
    op.create_table(
        "findings",
        sa.Column("finding_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_findings_run_kind_code", "findings", ["run_id", "kind", "code"])
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
    )
    op.execute("DELETE FROM kpi_results WHERE kpi = 'K7'")
    op.execute("DELETE FROM kpi_members WHERE kpi = 'K7'")


def downgrade() -> None:
    op.drop_table("store_meta")
    op.drop_index("ix_findings_run_kind_code", table_name="findings")
    op.drop_table("findings")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("acute")
