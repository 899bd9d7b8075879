"""The rule file: the shipped defaults load; a bad entry is named in the error."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.rules import KPIS, RulesError, load_rules, parse_rules

DEFAULT = Path(__file__).resolve().parents[2] / "monitoring" / "rules.yaml"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


def _index(doc: dict[str, Any], rule_id: str) -> int:
    return next(i for i, r in enumerate(doc["law_rules"]) if r["id"] == rule_id)


def test_shipped_rules_load() -> None:
    rules = load_rules(DEFAULT)
    assert rules.law_switch == dt.date(2024, 1, 1)
    ids = {r.id for r in rules.law_rules}
    assert {"SEL140-handleplan", "SEL70-opfoelgning", "BL95-opfoelgning", "SEL141-herberg"} <= ids
    bl95 = next(r for r in rules.law_rules if r.id == "BL95-opfoelgning")
    assert (bl95.first_months, bl95.interval_months, bl95.use_next_due) == (3, 6, True)
    adult = next(r for r in rules.law_rules if r.id == "KBH-voksen-opfoelgning")
    assert (adult.first_months, adult.interval_months) == (3, 12)
    assert not next(r for r in rules.law_rules if r.id == "BL91-handleplan-stoette").enabled
    assert rules.deadline("SEL42").working_days == 40
    assert rules.deadline("SEL110").working_days == 5
    assert rules.deadline("UKENDT").working_days == 60  # the configurable default
    assert rules.target("K3") == 0.95
    camp = rules.campaigns[0]
    assert camp.name == "SEL41-42-genopretning"
    assert camp.milestones[0] == (dt.date(2013, 3, 1), 1057)
    assert camp.milestones[-1] == (dt.date(2013, 10, 1), 0)
    assert set(rules.kpi_labels) == set(KPIS)
    assert all(lbl.label and lbl.explanation for lbl in rules.kpi_labels.values())


def test_center_target_override(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["targets"]["centers"] = {"HCK": {"K3": 0.8}}
    rules = parse_rules(d)
    assert rules.target("K3", "HCK") == 0.8
    assert rules.target("K3", "BFCK") == 0.95
    assert rules.target("K1", "HCK") == 0.95


def test_trend_milestones(doc: dict[str, Any]) -> None:
    assert parse_rules(doc).trend_milestones == ((12, 31),)  # the shipped year-end
    d = copy.deepcopy(doc)
    d["trend_milestones"] = ["12-31", "06-30"]
    assert parse_rules(d).trend_milestones == ((6, 30), (12, 31))
    d.pop("trend_milestones")
    assert parse_rules(d).trend_milestones == ((12, 31),)


def test_campaign_without_milestones(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["campaigns"].append({"name": "BL-gennemgang"})
    assert parse_rules(d).campaigns[1].milestones == ()


@pytest.mark.parametrize(
    ("rule_id", "key", "value", "message"),
    [
        ("BL95-opfoelgning", "interval_months", 0, "interval_months must be a positive integer"),
        ("BL95-opfoelgning", "interval_months", "6", "interval_months must be a positive integer"),
        ("SEL70-opfoelgning", "first_months", -3, "first_months must be a positive integer"),
        ("SEL140-handleplan", "anchor", "whenever", "anchor must be start or decision"),
        ("SEL140-handleplan", "months", -1, "months must be a non-negative integer"),
        ("SEL141-herberg", "grace_months", None, "grace_months must be a positive integer"),
        ("SEL141-herberg", "patterns", [], "patterns must be a non-empty list"),
        ("SEL70-opfoelgning", "kind", "reminder", "kind must be one of"),
        ("SEL70-opfoelgning", "valid_to", "31-12-2023", "valid_to must be a date"),
        ("BL95-opfoelgning", "valid_to", dt.date(2020, 1, 1), "valid_to is before valid_from"),
        ("BL95-opfoelgning", "use_next_due", "ja", "use_next_due must be true or false"),
        ("BL95-opfoelgning", "target_group", "unge", "target_group must be one of"),
        ("BL95-opfoelgning", "text", "", "text must be a non-empty text"),
    ],
)
def test_bad_law_rule_is_named(
    doc: dict[str, Any], rule_id: str, key: str, value: Any, message: str
) -> None:
    d = copy.deepcopy(doc)
    i = _index(d, rule_id)
    d["law_rules"][i][key] = value
    with pytest.raises(RulesError) as exc:
        parse_rules(d)
    assert str(exc.value).startswith(f"rules.yaml: law_rules[{i}] ({rule_id}): ")
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["processing"]["deadlines"].update(SEL42={"weeks": 0}),
            "processing.deadlines[SEL42]: weeks must be a positive integer",
        ),
        (
            lambda d: d["processing"]["deadlines"].update(SEL42={"days": 2}),
            "processing.deadlines[SEL42]: must be {weeks: N}, {months: N} or {working_days: N}",
        ),
        (lambda d: d["processing"].pop("default"), "processing.default: must be a mapping"),
        (lambda d: d["targets"].update(K3=1.5), "targets: K3 must be a share between 0 and 1"),
        (lambda d: d["targets"].update(K9=0.9), "targets: unknown KPI 'K9'"),
        (
            lambda d: d["targets"].update(centers={"HCK": {"K3": "høj"}}),
            "targets.centers[HCK]: K3 must be a share",
        ),
        (
            lambda d: d["campaigns"][0]["milestones"].update({dt.date(2013, 12, 1): -5}),
            "campaigns[0] (SEL41-42-genopretning): remaining must be a non-negative integer",
        ),
        (lambda d: d["kpis"].pop("K4b"), "kpis[K4b]: must be a mapping"),
        (
            lambda d: d["law_rules"].append(dict(d["law_rules"][0])),
            "(SEL140-handleplan): duplicate id",
        ),
        (lambda d: d.update(law_rules=[]), "law_rules must be a non-empty list"),
        (
            lambda d: d.update(trend_milestones=["12-32"]),
            "trend_milestones: '12-32' is not a month-day",
        ),
        (lambda d: d.update(trend_milestones="12-31"), "trend_milestones must be a list"),
    ],
)
def test_bad_entry_is_named(doc: dict[str, Any], change: Any, message: str) -> None:
    d = copy.deepcopy(doc)
    change(d)
    with pytest.raises(RulesError, match=None) as exc:
        parse_rules(d)
    assert message in str(exc.value)


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("law_rules: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "missing.yaml")


def test_rules_file_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doc: dict[str, Any]
) -> None:
    d = copy.deepcopy(doc)
    d["due_soon_days"] = 14
    p = tmp_path / "mine.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("RULES_FILE", str(p))
    assert load_rules().due_soon_days == 14
