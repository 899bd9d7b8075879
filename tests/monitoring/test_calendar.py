"""Calendar months with month-end clamping; Danish working days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from monitoring.calendar import (
    add_months,
    add_working_days,
    month_ends_after,
    month_ends_before,
)


def _s(*days: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(list(days), dtype=object)).astype("datetime64[ns]")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2013-01-15", 4, "2013-05-15"),
        ("2012-10-31", 4, "2013-02-28"),  # clamped to the month end
        ("2015-10-31", 4, "2016-02-29"),  # leap year
        ("2013-08-31", 1, "2013-09-30"),
        ("2013-12-31", 2, "2014-02-28"),
        ("2013-03-31", -1, "2013-02-28"),  # backwards (the 12-month window)
        ("2013-06-30", -12, "2012-06-30"),
        ("2013-01-01", 0, "2013-01-01"),
    ],
)
def test_add_months_clamps_to_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(_s(start), months).iloc[0] == pd.Timestamp(expected)


def test_add_months_per_row_and_nat() -> None:
    got = add_months(_s("2013-01-31", None, "2013-05-10"), np.array([1, 3, 12]))
    assert got.iloc[0] == pd.Timestamp("2013-02-28")
    assert pd.isna(got.iloc[1])
    assert got.iloc[2] == pd.Timestamp("2014-05-10")


@pytest.mark.parametrize(
    ("received", "days", "expected", "why"),
    [
        ("2013-06-07", 5, "2013-06-14", "Friday + 5 working days = next Friday"),
        ("2013-06-08", 5, "2013-06-14", "Saturday counts from the Friday before"),
        # Easter 2013: Maundy Thursday 28/3, Good Friday 29/3, Easter Monday 1/4.
        ("2013-03-27", 1, "2013-04-02", "Wednesday before Easter + 1"),
        ("2013-03-28", 5, "2013-04-08", "received on Maundy Thursday"),
        # Christmas 2013: 24/12 (optional), 25/12, 26/12, 31/12 (optional), 1/1.
        ("2013-12-23", 1, "2013-12-27", "skips Christmas Eve, Christmas Day, Boxing Day"),
        ("2013-12-27", 2, "2014-01-02", "skips New Year's Eve and New Year's Day"),
        # Store Bededag: a holiday on 5/5/2023, abolished from 2024 (26/4/2024).
        ("2023-05-04", 1, "2023-05-08", "Store Bededag 2023 is a holiday"),
        ("2024-04-25", 1, "2024-04-26", "Store Bededag 2024 is a working day"),
        # Constitution Day 5/6 is an optional holiday by default.
        ("2013-06-04", 1, "2013-06-06", "Grundlovsdag skipped"),
        ("2013-06-07", 40, "2013-08-02", "8 weeks = 40 working days"),
    ],
)
def test_add_working_days(received: str, days: int, expected: str, why: str) -> None:
    assert add_working_days(_s(received), days).iloc[0] == pd.Timestamp(expected), why


def test_optional_holidays_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIONAL_HOLIDAYS", "")
    assert add_working_days(_s("2013-12-23"), 1).iloc[0] == pd.Timestamp("2013-12-24")
    assert add_working_days(_s("2013-06-04"), 1).iloc[0] == pd.Timestamp("2013-06-05")


def test_working_days_keep_nat() -> None:
    got = add_working_days(_s(None, "2013-06-07"), np.array([5, 5]))
    assert pd.isna(got.iloc[0]) and got.iloc[1] == pd.Timestamp("2013-06-14")


def test_month_end_lists() -> None:
    assert month_ends_before(dt.date(2013, 6, 15), 3) == [
        dt.date(2013, 3, 31),
        dt.date(2013, 4, 30),
        dt.date(2013, 5, 31),
    ]
    assert month_ends_before(dt.date(2013, 6, 30), 2) == [
        dt.date(2013, 5, 31),
        dt.date(2013, 6, 30),
    ]
    assert month_ends_after(dt.date(2013, 6, 30), 2) == [dt.date(2013, 7, 31), dt.date(2013, 8, 31)]
    assert month_ends_after(dt.date(2013, 12, 15), 2) == [
        dt.date(2013, 12, 31),
        dt.date(2014, 1, 31),
    ]
