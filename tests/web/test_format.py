"""Danish formatting and labels (components/format.py, components/labels.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import settings
from components import format as fmt
from components import labels


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (7, "7"), (1057, "1.057"), (1234567, "1.234.567"), (-3, "-3"), (None, "–")],
)
def test_number_uses_dot_thousands(value: object, expected: str) -> None:
    assert fmt.number(value) == expected


def test_decimal_uses_comma() -> None:
    assert fmt.decimal(1234.56, 1) == "1.234,6"
    assert fmt.decimal(0.5) == "0,5"


@pytest.mark.parametrize(
    ("value", "den", "expected"),
    [
        (0.93, 400, "93 %"),
        (0.925, 400, "93 %"),
        (1.0, 3, "100 %"),
        (0.0, 5, "0 %"),
        (None, 0, "Ingen sager"),
        (0.0, 0, "Ingen sager"),
        (float("nan"), 0, "Ingen sager"),
    ],
)
def test_percent_and_no_cases(value: float | None, den: int, expected: str) -> None:
    assert fmt.percent(value, den) == expected


def test_points_change() -> None:
    assert fmt.points(0.031) == "+3 pct.point"
    assert fmt.points(-0.12) == "−12 pct.point"
    assert fmt.points(0.001) == "uændret"


def test_dates_in_danish() -> None:
    assert fmt.date(dt.date(2026, 11, 22)) == "22. nov. 2026"
    assert fmt.date(pd.Timestamp("2026-05-01")) == "1. maj 2026"
    assert fmt.date_long(dt.date(2026, 3, 9)) == "9. marts 2026"
    assert fmt.month(dt.date(2026, 1, 31)) == "januar 2026"
    assert [fmt.month(dt.date(2026, m, 1)).split()[0] for m in range(1, 13)] == list(fmt.MONTHS)
    assert fmt.date(None) == "" and fmt.date(pd.NaT) == ""


def test_clock_and_timestamp() -> None:
    at = dt.datetime(2026, 11, 22, 2, 5)
    assert fmt.clock(at) == "kl. 02:05"
    assert fmt.timestamp(at) == "22. nov. 2026 kl. 02:05"


def test_count_label_singular_plural() -> None:
    assert fmt.count_label(1, "sag", "sager") == "1 sag"
    assert fmt.count_label(1057, "forpligtelse", "forpligtelser") == "1.057 forpligtelser"


def test_month_ticks_are_danish() -> None:
    vals, text = fmt.month_ticks(pd.Timestamp("2026-01-15"), pd.Timestamp("2026-04-30"))
    assert text == ["jan. 2026", "feb. 2026", "mar. 2026", "apr. 2026"]
    assert vals[0] == pd.Timestamp("2026-01-01")


def test_trend_milestones_come_from_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert labels.trend_milestones(dt.date(2023, 6, 1), dt.date(2025, 6, 1)) == [
        dt.date(2023, 12, 31),
        dt.date(2024, 12, 31),
    ]
    doc = (Path(settings.RULES_FILE.default)).read_text(encoding="utf-8")
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(doc.replace('["12-31"]', '["06-30"]'), encoding="utf-8")
    monkeypatch.setenv("RULES_FILE", str(rules_file))
    assert labels.trend_milestones(dt.date(2023, 6, 1), dt.date(2025, 6, 1)) == [
        dt.date(2023, 6, 30),
        dt.date(2024, 6, 30),
    ]


def test_labels() -> None:
    assert labels.kpi_label("K3") == labels.rules().kpis["K3"].label  # the rules' own
    assert labels.kpi_explanation("K3") == labels.rules().kpis["K3"].explanation
    assert labels.kpi_label("K99") == "K99"
    assert labels.kind_label("investigation") == "Børnefaglig undersøgelse"
    assert labels.kind_label("letter") == "Underretningsbrev"
    assert labels.status_label("late") == "Opfyldt for sent"
    assert labels.caseworker_label("ufordelt") == "Ufordelt"
    assert labels.caseworker_label("E1", "Anna Hansen") == "Anna Hansen"


@pytest.mark.parametrize(
    ("value", "den", "expected"),
    [
        (0.96, 100, "met"),
        (0.95, 100, "met"),
        (0.93, 100, "close"),
        (0.5, 10, "missed"),
        (None, 0, "empty"),
    ],
)
def test_attainment(value: float | None, den: int, expected: str) -> None:
    assert labels.attainment(value, den) == expected
