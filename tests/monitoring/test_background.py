"""monitoring.background: the history computed in a second process equals the inline one."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pandas as pd
import pytest

from monitoring import background as bg
from monitoring import history, load_rules
from monitoring.background import HistoryJob
from tests.monitoring.test_engine import _mixed

RULES = load_rules()
ENDS = [dt.date(2024, 3, 31), dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
LEVELS = ["all", "center"]


def test_history_in_a_second_process_equals_the_inline_history(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = _mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert job.background
    assert "cpr" not in job._data["cases"].columns  # no CPR number leaves this process
    got = job.result()
    expected = history(data, ENDS, RULES, LEVELS)
    assert len(got) > 0 and set(got["level"]) == set(LEVELS)
    pd.testing.assert_frame_equal(got, expected)
    assert "failed" not in caplog.text


@pytest.mark.parametrize("wait_for_the_process", [True, False])
def test_parts_computed_by_either_process_make_the_same_history(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, wait_for_the_process: bool
) -> None:
    monkeypatch.setattr(bg, "PART_MONTHS", 1)
    data = _mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert len(job._futures) == len(ENDS)
    if wait_for_the_process:  # the process did every part
        concurrent.futures.wait(job._futures)
    got = job.result()  # else the caller takes the parts not begun
    pd.testing.assert_frame_equal(got, history(data, ENDS, RULES, LEVELS))
    assert "failed" not in caplog.text  # shared as planned, not the fallback


def test_small_inputs_are_computed_inline_large_ones_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _mixed()
    assert not HistoryJob(data, ENDS, RULES, LEVELS).background
    monkeypatch.setattr(bg, "BACKGROUND_MIN_CASES", 1)
    job = HistoryJob(data, ENDS, RULES, LEVELS)
    assert job.background
    job.cancel()  # a failed load stops the process; nothing is left running
    assert job._pool is None


def test_a_failed_process_falls_back_to_the_inline_history() -> None:
    data = _mixed()
    job = HistoryJob(data, ENDS, RULES, LEVELS, background=True)
    assert job._pool is not None
    for proc in job._pool._processes.values():  # the process dies (e.g. out of memory)
        proc.kill()
    got = job.result()
    pd.testing.assert_frame_equal(got, history(data, ENDS, RULES, LEVELS))
