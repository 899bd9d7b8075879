"""A load process killed with SIGKILL blocks nothing; two loads at once: one loads, one exits 3.

Real processes (`python -m etl load`) on the tiny demo extract, on SQLite and
PostgreSQL. Timeouts only keep a broken test from hanging; nothing is timed.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.db import ROOT, get_engine
from store.models import EtlRun

TIMEOUT = 300  # seconds: a hung test fails instead of hanging


@pytest.fixture(scope="module")
def tiny_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import demo

    out = tmp_path_factory.mktemp("tiny") / "extract"
    return demo.write_demo_extract(
        out, scale="tiny", seed=1, as_of=dt.date.today() - dt.timedelta(days=1)
    )


def _start_load(extract: Path, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(extract), "--database-url", db_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _runs(engine: Engine) -> list[tuple[int, str, dict[str, object] | None]]:
    with engine.connect() as c:
        rows = c.execute(
            select(EtlRun.run_id, EtlRun.status, EtlRun.outcome).order_by(EtlRun.run_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _wait_until_running(engine: Engine, load: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and load.poll() is None:
        if any(status == "running" for _, status, _ in _runs(engine)):
            return
        time.sleep(0.05)
    pytest.fail(f"the load never recorded a running run (exit {load.poll()})")


# The tiny load runs about 2 s after it records its run: kill it at the start, while it
# reads and validates, and while it evaluates and writes.
@pytest.mark.parametrize("after", [0.0, 0.6, 1.4], ids=["at-start", "after-0.6s", "after-1.4s"])
def test_a_killed_load_is_marked_aborted_and_the_next_load_succeeds(
    db_url: str, tiny_extract: Path, after: float
) -> None:
    engine = get_engine(db_url)
    load = _start_load(tiny_extract, db_url)
    try:
        _wait_until_running(engine, load)
        time.sleep(after)  # reading, validating, writing: wherever it is by then
        assert load.poll() is None, "the load ended before it could be killed"
        load.send_signal(signal.SIGKILL)
        load.wait(timeout=TIMEOUT)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    assert [status for _, status, _ in _runs(engine)] == ["running"]  # as the process left it

    again = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(tiny_extract), "--database-url", db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert again.returncode == 0, again.stderr
    assert "run 1 (started" in again.stderr and "marked aborted" in again.stderr
    runs = _runs(engine)
    assert [(run_id, status) for run_id, status, _ in runs] == [(1, "aborted"), (2, "loaded")]
    assert runs[0][2] == {"code": "aborted"}
    status = subprocess.run(
        [sys.executable, "-m", "etl", "status", "--database-url", db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert status.stdout.startswith("Run 2: loaded")


def test_two_loads_started_together_one_loads_the_other_exits_3(
    db_url: str, tiny_extract: Path
) -> None:
    loads = [_start_load(tiny_extract, db_url) for _ in range(2)]
    try:
        outputs = [load.communicate(timeout=TIMEOUT) for load in loads]
        results = [
            (load.returncode, out, err) for load, (out, err) in zip(loads, outputs, strict=True)
        ]
    finally:
        for load in loads:
            if load.poll() is None:
                load.kill()
                load.wait()
    assert sorted(code for code, _, _ in results) == [0, 3]
    (busy,) = [err for code, _, err in results if code == 3]
    assert busy.startswith("not started: already running: ")
    assert [status for _, status, _ in _runs(get_engine(db_url))] == ["loaded"]
