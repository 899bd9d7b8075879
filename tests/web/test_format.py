"""Danish formatting and labels (components/format.py, components/labels.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import settings
from components import format as fmt
from components import labels
from vocab import Kind, Status


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (7, "7"), (1057, "1.057"), (1234567, "1.234.567"), (-3, "-3"), (None, "–")],
)
def test_number_uses_dot_thousands(value: object, expected: str) -> None:
    assert fmt.number(value) == expected


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


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (37 / 39, 0.95, "94,8 %"),  # not met: never shown as the target itself
        (0.95, 0.95, "95 %"),
        (0.9449, 0.95, "94 %"),
        (999 / 1000, None, "99,9 %"),  # not all: never 100 %
        (0.96, 0.95, "96 %"),
    ],
)
def test_percent_never_rounds_across_the_target(
    value: float, target: float | None, expected: str
) -> None:
    assert fmt.percent(value, 100, target) == expected


def test_points_change() -> None:
    assert fmt.points(0.031) == "+3 pct.point"
    assert fmt.points(-0.12) == "−12 pct.point"
    assert fmt.points(0.001) == "uændret"


def test_dates_in_danish() -> None:
    assert fmt.date(dt.date(2026, 11, 22)) == "22. nov. 2026"
    assert fmt.date(pd.Timestamp("2026-05-01")) == "1. maj 2026"
    assert fmt.date_long(dt.date(2026, 3, 9)) == "9. marts 2026"
    assert [fmt.date_long(dt.date(2026, m, 1)).split()[1] for m in range(1, 13)] == [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ]
    assert fmt.month_short(dt.date(2026, 9, 30)) == "sep. 2026"
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
    # the rules file's own texts (monitoring/rules.yaml), spelled out
    assert labels.kpi_label("K3") == "Rettidig opfølgning, børn"
    assert labels.kpi_explanation("K3").startswith(
        "Andel af aktive børnesager med krav om opfølgning"
    )
    assert labels.kpi_label("K99") == "K99"
    assert labels.kind_label("investigation") == "Børnefaglig undersøgelse"
    assert labels.kind_label(Kind.LETTER) == "Underretningsbrev"
    assert labels.kind_label(None) == ""
    assert labels.status_label("late") == "Opfyldt for sent"
    assert labels.status_text(Status.OVERDUE) == "✖ Overskredet"
    assert labels.caseworker_label("ufordelt") == "Ufordelt"
    assert labels.caseworker_label(None) == "Ufordelt"
    assert labels.caseworker_label("E1", "Anna Hansen") == "Anna Hansen"
    assert labels.caseworker_label("E1") == "E1"
    assert labels.center_label("ALL") == "Hele forvaltningen"
    assert labels.center_short("HCK") == "HCK"
    assert labels.severity_label("warning") == "Advarsel"


def test_no_team_and_unassigned_are_shown_in_danish() -> None:
    # the engine writes "(intet team)" for a case without a team: users never see the marker
    assert labels.team_label("(intet team)") == "Intet team"
    assert labels.team_label(None) == "Intet team"
    assert labels.team_label("ufordelt") == "Ufordelt"
    assert labels.team_label("HCK Team 1") == "HCK Team 1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("loaded", "✔ Indlæst"),
        ("refused", "✖ Afvist"),
        ("duplicate", "= Allerede indlæst"),
        ("failed", "✖ Fejlet"),
        ("running", "… I gang"),
        ("odd", "odd"),
    ],
)
def test_run_status_labels(status: str, expected: str) -> None:
    assert labels.run_status_label(status) == expected


def _rules_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, targets: str) -> None:
    doc = Path(settings.RULES_FILE.default).read_text(encoding="utf-8")
    start = doc.index("targets:\n")
    end = doc.index("\n\n", start)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(doc[:start] + targets + doc[end:], encoding="utf-8")
    monkeypatch.setenv("RULES_FILE", str(rules_file))


def test_targets_come_from_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert labels.target_text() == "95 %"  # the shipped rules: one target for all
    assert labels.target("K3") == 0.95
    _rules_with(
        tmp_path,
        monkeypatch,
        "targets:\n  default: 0.9\n  K2: 0.85\n  centers: {HCK: {K3: 0.8}}",
    )
    assert labels.target("K3") == 0.9
    assert labels.target("K3", "HCK") == 0.8
    assert labels.target("K3", "ALL") == 0.9
    assert labels.target_text() == "90 % (K2: 85 %; HCK K3: 80 %)"
    assert labels.target_text(["K1", "K3"]) == "90 % (HCK K3: 80 %)"


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
    assert labels.attainment(value, den, 0.95) == expected


def test_chart_text_is_never_markup() -> None:
    crafted = '<a href="https://angriber.example">Klik</a>\nnæste linje'
    shown = fmt.chart_text(crafted)
    assert "<" not in shown and ">" not in shown and "\n" not in shown
    assert "Klik" in shown
    assert len(fmt.chart_text("x" * 500)) == fmt.MAX_CHART_TEXT
    assert fmt.chart_text(None) == ""


def test_paragraph_codes_in_plain_danish() -> None:
    from components import labels

    assert labels.paragraph_label("SEL52.3.7") == "Serviceloven § 52, stk. 3, nr. 7"
    assert labels.paragraph_label("BL32.1.1") == "Barnets Lov § 32, stk. 1, nr. 1"
    assert labels.paragraph_label("SEL85") == "Serviceloven § 85"
    assert labels.paragraph_label("XYZ1") == "XYZ1"
    assert labels.paragraph_label(None) == ""
