"""etl_runs.outcome: a finished run's outcome as data

`{"code": ..., params}` with a code of `vocab.RUN_OUTCOMES` (loaded, duplicate,
refused, stale, failed), so that pages render it in Danish without parsing the
English `message`. Runs recorded before this revision get their outcome once,
here, from their message and their problems (the last time a message is read
back); a message of an unknown shape leaves the outcome empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LOADED = re.compile(r"^(\d+) rows rejected; (\d+) problems \((\d+) errors\)$")
_DUPLICATE = re.compile(r"^same extract as run (\d+): nothing loaded$")
_STALE = re.compile(r"^stale: still running after (\d+):\d\d:\d\d; marked failed$")
_FAILED = re.compile(r"^([A-Za-z_][\w.]*): ")


def _outcome(status: str, message: str | None, refusing_rules: list[str]) -> dict[str, Any] | None:
    text = message or ""
    if status == "loaded" and (m := _LOADED.match(text)):
        return {
            "code": "loaded",
            "rows_rejected": int(m[1]),
            "problems": int(m[2]),
            "errors": int(m[3]),
        }
    if status == "duplicate" and (m := _DUPLICATE.match(text)):
        return {"code": "duplicate", "same_as_run": int(m[1])}
    if status == "refused":
        return {"code": "refused", "rules": refusing_rules}
    if status == "failed" and (m := _STALE.match(text)):
        return {"code": "stale", "hours": int(m[1])}
    if status == "failed" and (m := _FAILED.match(text)):
        return {"code": "failed", "error": m[1]}
    return None


def upgrade() -> None:
    with op.batch_alter_table("etl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.JSON(), nullable=True))

    runs = sa.table(
        "etl_runs",
        sa.column("run_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("message", sa.String),
        sa.column("outcome", sa.JSON),
    )
    problems = sa.table(
        "problems",
        sa.column("problem_id", sa.Integer),
        sa.column("run_id", sa.Integer),
        sa.column("rule", sa.String),
        sa.column("severity", sa.String),
    )
    bind = op.get_bind()
    rules: dict[int, list[tuple[str, str]]] = {}
    refused = sa.select(runs.c.run_id).where(runs.c.status == "refused")
    for run_id, rule, severity in bind.execute(
        sa.select(problems.c.run_id, problems.c.rule, problems.c.severity)
        .where(problems.c.run_id.in_(refused))
        .order_by(problems.c.problem_id)
    ):
        rules.setdefault(int(run_id), []).append((str(rule), str(severity)))
    for run_id, status, message in bind.execute(
        sa.select(runs.c.run_id, runs.c.status, runs.c.message).where(runs.c.status != "running")
    ).all():
        found = rules.get(int(run_id), [])
        deciding = [r for r, s in found if s == "error"] or [r for r, _ in found]
        outcome = _outcome(str(status), message, list(dict.fromkeys(deciding)))
        if outcome is not None:
            bind.execute(runs.update().where(runs.c.run_id == run_id).values(outcome=outcome))


def downgrade() -> None:
    with op.batch_alter_table("etl_runs", schema=None) as batch_op:
        batch_op.drop_column("outcome")
