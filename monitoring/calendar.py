"""Vectorised calendar helpers: calendar months with month-end clamping, working days.

Working days are Monday-Friday minus Danish public holidays (`holidays.DK`: Store
Bededag is a holiday until 2023 and not from 2024) and the optional days off of the
`OPTIONAL_HOLIDAYS` setting (MM-DD list; Christmas Eve, New Year's Eve and
Constitution Day by default). Processing deadlines in weeks or months are calendar
periods moved to the next working day (`add_deadline`).
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
import numpy as np
import pandas as pd

import settings


def _as_days(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")


def add_months(dates: pd.Series, months: int | np.ndarray | pd.Series) -> pd.Series:
    """dates + months calendar months; a day the target month lacks is clamped to its end.

    31 Oct + 4 months = 28/29 Feb. NaT stays NaT. `months` is a scalar or one per row.
    """
    d = _as_days(dates)
    n = np.asarray(months, dtype="int64")
    first = d.astype("datetime64[M]")
    day = (d - first.astype("datetime64[D]")).astype("int64")  # 0-based day of month
    target = first + n.astype("timedelta64[M]")
    start = target.astype("datetime64[D]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    out = np.minimum(start + day.astype("timedelta64[D]"), last)
    out = np.where(np.isnat(d), np.datetime64("NaT"), out).astype("datetime64[ns]")
    index = dates.index if isinstance(dates, pd.Series) else None
    return pd.Series(out, index=index, dtype="datetime64[ns]")


def month_end(day: dt.date) -> dt.date:
    """The last day of the day's month."""
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_ends_before(day: dt.date, n: int) -> list[dt.date]:
    """The n last month-ends on or before `day`, oldest first."""
    last = month_end(day)
    if last > day:
        last = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
    out = [last]
    while len(out) < n:
        out.append(dt.date(out[-1].year, out[-1].month, 1) - dt.timedelta(days=1))
    return sorted(out)


def month_ends_after(day: dt.date, n: int) -> list[dt.date]:
    """The n next month-ends strictly after `day`, oldest first."""
    out: list[dt.date] = []
    cur = day
    while len(out) < n:
        me = month_end(cur)
        if me > day:
            out.append(me)
        cur = me + dt.timedelta(days=1)
    return out


def _optional_days() -> tuple[tuple[int, int], ...]:
    """The configured optional days off as (month, day) pairs (OPTIONAL_HOLIDAYS)."""
    return settings.OPTIONAL_HOLIDAYS.get()


@functools.cache
def _holiday_array(
    first_year: int, last_year: int, optional: tuple[tuple[int, int], ...]
) -> np.ndarray:
    years = range(first_year, last_year + 1)
    days = set(holidays.DK(years=years))
    for y in years:
        for mm, dd in optional:
            days.add(dt.date(y, mm, dd))
    return np.array(sorted(days), dtype="datetime64[D]")


def holiday_dates(first_year: int, last_year: int) -> np.ndarray:
    """Every day off (public + optional) in the years, as datetime64[D]."""
    return _holiday_array(first_year, last_year, _optional_days())


def add_working_days(dates: pd.Series, days: int | np.ndarray | pd.Series) -> pd.Series:
    """dates + n working days, counted from the day after: Friday + 5 = next Friday.

    A date that is not itself a working day counts from the working day before it,
    so an application received on a Saturday or a holiday has its first working day
    on the next working day. NaT stays NaT.
    """
    d = _as_days(dates)
    n = np.broadcast_to(np.asarray(days, dtype="int64"), d.shape)
    ok = ~np.isnat(d)
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        years = d[ok].astype("datetime64[Y]").astype(int) + 1970
        hol = holiday_dates(int(years.min()) - 1, int(years.max()) + 2)
        out[ok] = np.busday_offset(d[ok], n[ok], roll="backward", holidays=hol)
    index = dates.index if isinstance(dates, pd.Series) else None
    return pd.Series(out.astype("datetime64[ns]"), index=index, dtype="datetime64[ns]")


def next_working_day(dates: pd.Series) -> pd.Series:
    """Each date, or the next working day when it is not one (Easter Monday -> Tuesday).

    NaT stays NaT.
    """
    d = _as_days(dates)
    ok = ~np.isnat(d)
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        years = d[ok].astype("datetime64[Y]").astype(int) + 1970
        hol = holiday_dates(int(years.min()) - 1, int(years.max()) + 2)
        out[ok] = np.busday_offset(d[ok], 0, roll="forward", holidays=hol)
    index = dates.index if isinstance(dates, pd.Series) else None
    return pd.Series(out.astype("datetime64[ns]"), index=index, dtype="datetime64[ns]")


def add_deadline(dates: pd.Series, units: np.ndarray, amounts: np.ndarray) -> pd.Series:
    """A processing deadline after each date (kpis.md, "Processing deadlines").

    One element per date; `units[i]` is "weeks", "months" or "working_days". Weeks and
    months are calendar periods (8 weeks = 56 days; months as `add_months`), moved to the
    next working day when they end on a day off; working days are the N-th working day
    after the date (the date itself = day 0, `add_working_days`).
    """
    units = np.asarray(units, dtype=object)
    amounts = np.asarray(amounts, dtype="int64")
    d = pd.Series(_as_days(dates).astype("datetime64[ns]"))
    weeks = d + pd.to_timedelta(np.where(units == "weeks", amounts * 7, 0), unit="D")
    months = add_months(d, np.where(units == "months", amounts, 0))
    calendar = next_working_day(pd.Series(np.where(units == "months", months, weeks)))
    working = add_working_days(d, np.where(units == "working_days", amounts, 0))
    out = np.where(units == "working_days", working.to_numpy(), calendar.to_numpy())
    index = dates.index if isinstance(dates, pd.Series) else None
    return pd.Series(out, index=index, dtype="datetime64[ns]")
