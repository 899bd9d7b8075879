"""monitoring.background: the history computed in a second process equals the inline one."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from monitoring import background as bg
from monitoring import history, load_rules
from monitoring.background import HistoryJob
from tests.monitoring.rows import mixed

RULES = load_rules()
ENDS = [dt.date(2024, 3, 31), dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
LEVELS = ["all", "center"]


def test_history_in_a_second_process_equals_the_inline_history(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert job.background
    assert "cpr" not in job._data["cases"].columns  # no CPR number leaves this process
    got = job.result()
    expected = history(data, ENDS, RULES, LEVELS)
    assert len(got) > 0 and set(got["level"]) == set(LEVELS)
    pd.testing.assert_frame_equal(got, expected)
    assert sorted(job.computed_by_second_process + job.computed_by_caller) == ENDS
    assert "failed" not in caplog.text


def _started(job: HistoryJob) -> set[int]:
    """Wait until the first part is queued for the process (no longer cancellable);
    the ids of the pool's processes."""
    deadline = time.monotonic() + 60
    while not job._futures[0].running():
        assert time.monotonic() < deadline, "the process never took a part"
        time.sleep(0.01)
    assert job._pool is not None
    return set(job._pool._processes)


def test_the_process_computes_every_part_when_the_caller_waits(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bg, "PART_MONTHS", 1)
    data = mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert len(job._futures) == len(ENDS)
    pool_pids = _started(job)
    concurrent.futures.wait(job._futures)  # the process did every part
    got = job.result()
    pd.testing.assert_frame_equal(got, history(data, ENDS, RULES, LEVELS))
    assert job.computed_by_caller == []
    assert job.computed_by_second_process == ENDS
    assert set(job.computed_in.values()) <= pool_pids and os.getpid() not in pool_pids
    assert "failed" not in caplog.text  # shared as planned, not the fallback


def test_the_caller_takes_over_the_parts_the_process_has_not_begun(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bg, "PART_MONTHS", 1)
    data = mixed()
    ends = [dt.date(2023, 11, 30), dt.date(2023, 12, 31), dt.date(2024, 1, 31), *ENDS]
    job = HistoryJob(data, ends, RULES, LEVELS, background=True)
    pool_pids = _started(job)
    # The process is still starting (spawned: it imports pandas and indexes the data):
    # it holds at most the parts queued for it; the caller computes the others now.
    got = job.result()
    pd.testing.assert_frame_equal(got, history(data, ends, RULES, LEVELS))
    by_process, by_caller = job.computed_by_second_process, job.computed_by_caller
    assert by_process and by_caller  # both sides computed parts
    assert sorted(by_process + by_caller) == ends  # each month-end exactly once
    assert by_process == ends[: len(by_process)]  # the process took the first parts
    assert {job.computed_in[day] for day in by_process} <= pool_pids
    assert {job.computed_in[day] for day in by_caller} == {os.getpid()}
    assert "failed" not in caplog.text  # shared as planned, not the fallback


def test_small_inputs_are_computed_inline_large_ones_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = mixed()
    inline = HistoryJob(data, ENDS, RULES, LEVELS)
    assert not inline.background
    pd.testing.assert_frame_equal(inline.result(), history(data, ENDS, RULES, LEVELS))
    assert inline.computed_by_caller == ENDS and inline.computed_by_second_process == []
    monkeypatch.setattr(bg, "BACKGROUND_MIN_CASES", 1)
    job = HistoryJob(data, ENDS, RULES, LEVELS)
    assert job.background
    job.cancel()  # a failed load stops the process; nothing is left running
    assert job._pool is None


def test_a_failed_process_falls_back_to_the_inline_history() -> None:
    data = mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert job._pool is not None
    for proc in job._pool._processes.values():  # the process dies (e.g. out of memory)
        proc.kill()
    got = job.result()
    pd.testing.assert_frame_equal(got, history(data, ENDS, RULES, LEVELS))
    assert job.computed_by_caller == ENDS and job.computed_by_second_process == []


_ORPHAN_SCRIPT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from monitoring.background import die_with_parent

def pid_and_wait():
    return os.getpid()

def slow():
    time.sleep(120)

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent)
    print(pool.submit(pid_and_wait).result(), flush=True)
    pool.submit(slow)
    time.sleep(120)
"""


def test_a_worker_dies_when_the_load_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import psutil

    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN_SCRIPT, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        worker_pid = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert psutil.pid_exists(worker_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        for _ in range(100):  # generous: the kernel signals the worker at once
            if not psutil.pid_exists(worker_pid) or (
                psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE
            ):
                break
            time.sleep(0.1)
        else:
            psutil.Process(worker_pid).kill()
            raise AssertionError("the worker outlived its killed parent")
    finally:
        if parent.poll() is None:
            parent.kill()
