"""store.db.ProcessLock: the run lock lives exactly as long as its process, on both stores;
store.db.checkpoint empties SQLite's write-ahead log."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from store.db import ROOT, LockHeld, checkpoint, get_engine, process_lock, store_label

HOLD = """
import sys, time
from store.db import get_engine, process_lock
lock = process_lock(get_engine(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(600)
"""


def _free_within(engine: Engine, seconds: float) -> bool:
    """Whether the lock becomes free within `seconds` (polled; no timing asserted)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process_lock(engine).is_free():
            return True
        time.sleep(0.1)
    return False


def test_the_lock_is_exclusive_until_released(db_engine: Engine) -> None:
    with process_lock(db_engine) as lock:
        assert lock.held
        with pytest.raises(LockHeld):
            process_lock(db_engine).acquire()
        assert not process_lock(db_engine).is_free()
    assert not lock.held
    assert process_lock(db_engine).is_free()
    with process_lock(db_engine):  # again
        pass


def test_the_lock_dies_with_its_process(db_url: str) -> None:
    engine = get_engine(db_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, db_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld):
            process_lock(engine).acquire()
        holder.send_signal(signal.SIGKILL)  # no clean-up of any kind
        holder.wait(timeout=60)
        assert _free_within(engine, 60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_sqlite_locks_a_file_beside_the_database(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with process_lock(engine) as lock:
        assert lock.lock_file == tmp_path / "store.sqlite.lock"
        assert lock.lock_file.read_text().strip().isdigit()  # the holder's process id
    assert process_lock(get_engine("sqlite://")).lock_file is None  # in memory: no lock needed


def test_messages_name_the_store_without_its_password(tmp_path: Path) -> None:
    assert store_label(f"sqlite:///{tmp_path / 's.sqlite'}") == str(tmp_path / "s.sqlite")
    assert store_label(f"sqlite:///file:{tmp_path / 's.sqlite'}?mode=ro&uri=true") == str(
        tmp_path / "s.sqlite"
    )
    assert store_label("postgresql://etl:secret@db.example/fristvagt") == (
        "postgresql+psycopg://etl:***@db.example/fristvagt"
    )


def test_checkpoint_truncates_the_sqlite_wal(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    engine = get_engine(f"sqlite:///{path}")
    wal = Path(f"{path}-wal")
    with engine.connect() as reader:  # an open connection keeps the WAL file in place
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "x" * 1000}] * 2000)
        reader.execute(text("SELECT 1")).scalar_one()
        assert wal.stat().st_size > 1_000_000
        checkpoint(engine)
        assert wal.stat().st_size == 0
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 2000
