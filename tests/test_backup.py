"""Backup and restore of a PostgreSQL store (docs/deployment.md), for real: a loaded
tiny demo with users and audit rows is dumped with pg_dump, restored with pg_restore
into a new database, every table's rows are there, the audit log is still
append-only, and `alembic upgrade head` on the restored store keeps its data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store.db import get_engine, init_db
from tests.conftest import new_pg_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def target_url(pg_server_url: str) -> Iterator[str]:
    """An empty database to restore into."""
    with new_pg_database("fristvagt_restore") as url:
        yield url


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A command line against the store at `url` (DATABASE_URL)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DATABASE_URL": url},
    )


def test_pg_dump_and_restore_keep_everything(
    pg_server_url: str, target_url: str, tmp_path: Path
) -> None:
    source = pg_server_url
    from store.db import drop_all

    drop_all(get_engine(source))
    init_db(get_engine(source))
    assert (
        _cli(source, "etl", "demo", "--out", str(tmp_path / "x"), "--scale", "tiny").returncode == 0
    )
    assert _cli(source, "etl", "load", str(tmp_path / "x")).returncode == 0
    assert _cli(source, "access", "demo-users").returncode == 0
    with get_engine(source).connect() as c:
        counts = {
            t: c.execute(text(f'select count(*) from "{t}"')).scalar_one()
            for t in ("obligations", "kpi_results", "users", "audit_log", "cases")
        }
    assert all(counts.values())

    run = subprocess.run(
        [str(ROOT / "bin" / "backup-restore"), source, target_url, str(tmp_path / "store.dump")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "restored with the same row counts" in run.stdout

    restored = create_engine(target_url.replace("postgresql://", "postgresql+psycopg://"))
    init_db(restored)  # the upgrade step on the restored store: nothing to do, data kept
    with restored.connect() as c:
        for table, n in counts.items():
            assert c.execute(text(f'select count(*) from "{table}"')).scalar_one() == n, table
    with pytest.raises(Exception, match="append-only"), restored.begin() as c:
        c.execute(text("DELETE FROM audit_log"))
    restored.dispose()
