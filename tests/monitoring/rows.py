"""Builders for small given-rows input frames (the store's current-data dict), for tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from monitoring.engine import _SCHEMA

CASE_DEFAULTS: dict[str, Any] = {
    "cpr": "010112-1234",
    "target_group": "born",
    "center": "BFCK",
    "team": "Team A",
    "caseworker_id": "sb1",
    "opened_on": "2012-01-01",
    "closed_on": None,
    "acute": False,
}


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed frame like store.db.read_table gives (strings, datetime64[ns], bool)."""
    texts, dates, bools = _SCHEMA[table]
    cols: dict[str, Any] = {}
    for c in texts:
        cols[c] = pd.array([r.get(c) for r in rows], dtype="string")
    for c in dates:
        cols[c] = pd.to_datetime(pd.Series([r.get(c) for r in rows], dtype=object)).astype(
            "datetime64[ns]"
        )
    for c in bools:
        cols[c] = pd.Series([bool(r.get(c, False)) for r in rows], dtype=bool)
    return pd.DataFrame(cols)


def make_data(**tables: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Current-data dict from row dicts; cases get defaults for unspecified columns."""
    out = {}
    for name in _SCHEMA:
        rows = tables.get(name, [])
        if name == "cases":
            rows = [{**CASE_DEFAULTS, **r} for r in rows]
        out[name] = frame(name, rows)
    out["employees"] = pd.DataFrame(
        {"employee_id": pd.array(["sb1"], dtype="string"), "center": ["BFCK"]}
    )
    return out
