"""The computed reason of an obligation, in full and in Danish: what its due date
was counted from, the due date, and the rule that says so.

"Iværksættelse 12. mar. 2026 → frist 12. jun. 2026 · BL § 95: opfølgning senest
3 mdr. efter iværksættelse (Barnets Lov, fra 1.1.2024)"

Pure: from the stored obligation columns (anchor_on, anchor_label, due_on,
rule_text); no web, no SQL.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vocab import MONTHS_SHORT

ARROW = " → frist "
SEPARATOR = " · "


def danish_dates(values: pd.Series) -> pd.Series:
    """Each date as '12. mar. 2026' ('' where missing), same index."""
    days = pd.to_datetime(values, errors="coerce")
    known = days.notna()
    out = pd.Series("", index=values.index, dtype=object)
    if known.any():
        d = days[known]
        months = d.dt.month.map(lambda m: MONTHS_SHORT[int(m) - 1])
        out[known] = (
            d.dt.day.astype(int).astype(str)
            + ". "
            + months
            + " "
            + d.dt.year.astype(int).astype(str)
        )
    return out


def _texts(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()


def reasons(frame: pd.DataFrame) -> pd.Series:
    """The reason of every obligation of a frame (one row per obligation, with
    rule_text, due_on and, where known, anchor_on and anchor_label), same index.

    Without an anchor (a store not reloaded since anchors were added) the due date
    and the rule; without a rule text the computation alone."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    due = danish_dates(frame["due_on"])
    anchor = (
        danish_dates(frame["anchor_on"])
        if "anchor_on" in frame
        else pd.Series("", index=frame.index, dtype=object)
    )
    label = _texts(frame, "anchor_label")
    label = label.str[:1].str.upper() + label.str[1:]
    with_anchor = (anchor != "") & (label != "") & (due != "")
    computed = pd.Series(
        np.where(
            with_anchor,
            label + " " + anchor + ARROW + due,
            np.where(due != "", "Frist " + due, ""),
        ),
        index=frame.index,
        dtype=object,
    )
    text = _texts(frame, "rule_text")
    both = (computed != "") & (text != "")
    return pd.Series(
        np.where(both, computed + SEPARATOR + text, computed + text),
        index=frame.index,
        dtype=object,
    )


def reason(rule_text: str | None, anchor_label: str | None, anchor_on: Any, due_on: Any) -> str:
    """One obligation's reason (`reasons` of one row)."""
    row = pd.DataFrame(
        {
            "rule_text": [rule_text],
            "anchor_label": [anchor_label],
            "anchor_on": [anchor_on],
            "due_on": [due_on],
        }
    )
    return str(reasons(row).iloc[0])
