"""The computed reason of an obligation: given stored columns -> the Danish sentence."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from monitoring.reasons import danish_dates, reason, reasons

BL95 = "BL § 95: opfølgning senest 3 mdr. efter iværksættelse (Barnets Lov, fra 1.1.2024)"


def test_reason_names_the_date_counted_from_the_due_date_and_the_rule() -> None:
    got = reason(BL95, "iværksættelse", dt.date(2026, 3, 12), dt.date(2026, 6, 12))
    assert got == f"Iværksættelse 12. mar. 2026 → frist 12. jun. 2026 · {BL95}"


def test_reason_without_an_anchor_still_gives_the_due_date_and_the_rule() -> None:
    assert reason("Regel", None, None, dt.date(2026, 5, 1)) == "Frist 1. maj 2026 · Regel"
    assert reason(None, "modtagelse", dt.date(2026, 5, 1), None) == ""  # no due date: nothing


def test_reasons_of_a_frame_keep_its_index() -> None:
    frame = pd.DataFrame(
        {
            "rule_text": ["A", None],
            "anchor_label": ["modtagelse", None],
            "anchor_on": [pd.Timestamp("2025-12-01"), pd.NaT],
            "due_on": [pd.Timestamp("2025-12-31"), pd.Timestamp("2026-01-02")],
        },
        index=[7, 9],
    )
    assert reasons(frame).to_dict() == {
        7: "Modtagelse 1. dec. 2025 → frist 31. dec. 2025 · A",
        9: "Frist 2. jan. 2026",
    }


def test_danish_dates_leave_missing_dates_empty() -> None:
    got = danish_dates(pd.Series([pd.Timestamp("2024-05-03"), None], dtype="datetime64[ns]"))
    assert got.tolist() == ["3. maj 2024", ""]
