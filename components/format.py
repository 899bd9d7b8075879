"""Danish number, percent and date formatting for everything the UI shows."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from vocab import MONTHS, MONTHS_SHORT, danish_date

NO_CASES = "Ingen sager"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT")
    except TypeError:
        return False


def number(value: Any) -> str:
    """1057 -> '1.057'; -3 -> '-3'; missing -> '–'."""
    if _missing(value):
        return "–"
    return f"{int(round(float(value))):,}".replace(",", ".")


def percent(value: Any, denominator: Any = None, target: float | None = None) -> str:
    """A share 0..1 as '93 %'; 0/0 (denominator 0) as 'Ingen sager'.

    Rounding never carries a share across its target or to 100 %: 37 of 39
    (94.87 %) against a 95 % target reads '94,8 %', not '95 %' (which would look met).
    """
    if denominator is not None and not _missing(denominator) and int(denominator) == 0:
        return NO_CASES
    if _missing(value):
        return NO_CASES if denominator is not None else "–"
    share = float(value)
    whole = int(math.floor(share * 100 + 0.5))
    limits = [1.0] + ([float(target)] if target is not None else [])
    if any(share < limit - 1e-12 and whole >= limit * 100 - 1e-9 for limit in limits):
        tenths = math.floor(share * 1000) / 10
        return f"{tenths:.1f}".replace(".", ",") + " %"
    return f"{whole} %"


def points(delta: Any) -> str:
    """A change in share as percentage points: +0.03 -> '+3 pct.point'."""
    if _missing(delta):
        return "–"
    p = int(math.floor(abs(float(delta)) * 100 + 0.5))
    if p == 0:
        return "uændret"
    sign = "+" if float(delta) > 0 else "−"
    return f"{sign}{p} pct.point"


def _to_date(value: Any) -> dt.date | None:
    if _missing(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def date(value: Any) -> str:
    """'22. nov. 2026' (maj has no dot); missing -> ''."""
    d = _to_date(value)
    if d is None:
        return ""
    return danish_date(d)


def date_long(value: Any) -> str:
    """'22. november 2026'."""
    d = _to_date(value)
    if d is None:
        return ""
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def month_short(value: Any) -> str:
    """'nov. 2026'."""
    d = _to_date(value)
    if d is None:
        return ""
    return f"{MONTHS_SHORT[d.month - 1]} {d.year}"


def clock(value: dt.datetime | dt.time) -> str:
    """'kl. 02:05'."""
    return f"kl. {value.hour:02d}:{value.minute:02d}"


def timestamp(value: Any) -> str:
    """'22. nov. 2026 kl. 02:05'."""
    if _missing(value):
        return ""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return f"{date(value)} {clock(value)}"


def week(value: Any) -> str:
    """ISO week label: 'uge 48'."""
    d = _to_date(value)
    if d is None:
        return ""
    return f"uge {d.isocalendar().week}"


def count_label(n: int, singular: str, plural: str) -> str:
    """'1 sag', '1.057 sager'."""
    return f"{number(n)} {singular if n == 1 else plural}"


def month_ticks(start: Any, end: Any, max_ticks: int = 8) -> tuple[list[pd.Timestamp], list[str]]:
    """Month tick positions and Danish labels for a plotly axis (plotly's own are English)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    step = max(1, -(-len(months) // max_ticks))
    picked = list(months[::step])
    return picked, [month_short(m) for m in picked]


# Plotly reads `<...>` in titles, labels and hovers as its pseudo-HTML (a `<a href>`
# becomes a link): text from the data gets look-alike angle brackets instead.
_CHART_TEXT = str.maketrans({"<": "‹", ">": "›"})
MAX_CHART_TEXT = 120


def chart_text(value: Any) -> str:
    """Text from the data (a campaign name, a team) as plain text for a Plotly chart:
    never markup or a link, and not longer than MAX_CHART_TEXT characters."""
    text = "" if _missing(value) else str(value)
    text = text.translate(_CHART_TEXT).replace("\n", " ")
    return text if len(text) <= MAX_CHART_TEXT else text[: MAX_CHART_TEXT - 1] + "…"
