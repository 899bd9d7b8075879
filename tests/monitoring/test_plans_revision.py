"""Handleplans after the rules revision (issue 10 point 4): BL § 47 due on the decision,
acute per measure, which plan counts, a plan due on D is a K1 miss."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from monitoring import evaluate, load_rules
from tests.monitoring.rows import C1, make_data, members, ob_rows

RULES = load_rules()


def _data(
    measure: dict[str, Any],
    plans: list[dict[str, Any]],
    case: dict[str, Any] | None = None,
    measure_acute: bool | None | str = "absent",
) -> dict[str, pd.DataFrame]:
    data = make_data(
        cases=[{**C1, **(case or {})}],
        measures=[{"measure_id": "m1", "case_id": "c1", **measure}],
        action_plans=plans,
    )
    if measure_acute != "absent":
        data["measures"]["acute"] = pd.array([measure_acute], dtype="boolean")
    return data


BL47 = {"paragraph": "BL47", "decided_on": "2024-03-10", "start_on": "2024-03-10"}
BL46 = {"paragraph": "BL46", "decided_on": "2024-03-10", "start_on": "2024-03-12"}


@pytest.mark.parametrize(
    ("measure", "plans", "as_of", "expected", "k1_met"),
    [
        # BL § 47: the plan is due on the decision date
        (
            BL47,
            [{"made_on": "2024-03-10"}],
            "2024-03-31",
            ("2024-03-10", "2024-03-10", "met"),
            True,
        ),
        (
            BL47,
            [{"made_on": "2024-03-01"}],
            "2024-03-31",
            ("2024-03-10", "2024-03-01", "met"),
            True,
        ),
        (
            BL47,
            [{"made_on": "2024-03-11"}],
            "2024-03-31",
            ("2024-03-10", "2024-03-11", "late"),
            True,
        ),
        # due on D, not made by the end of D: listed as due today (open), a K1 miss
        (BL47, [], "2024-03-10", ("2024-03-10", None, "open"), False),
        (BL47, [], "2024-03-11", ("2024-03-10", None, "overdue"), False),
        # which plan counts: made or revised at most 12 months before the decision
        (
            BL46,
            [{"made_on": "2023-03-10"}],
            "2024-06-30",
            ("2024-06-10", "2023-03-10", "met"),
            True,
        ),
        (BL46, [{"made_on": "2023-03-09"}], "2024-06-30", ("2024-06-10", None, "overdue"), False),
        (
            BL46,
            [{"made_on": "2020-01-01", "revised_on": "2024-02-01"}],
            "2024-06-30",
            ("2024-06-10", "2024-02-01", "met"),
            True,
        ),
        (
            BL46,
            [{"made_on": "2020-01-01"}, {"made_on": "2024-07-01"}],
            "2024-07-31",
            ("2024-06-10", "2024-07-01", "late"),
            True,
        ),
    ],
)
def test_bl_plans_and_which_plan_counts(
    measure: dict[str, Any],
    plans: list[dict[str, Any]],
    as_of: str,
    expected: tuple[Any, ...],
    k1_met: bool,
) -> None:
    given = [{"plan_id": f"p{i}", "case_id": "c1", **p} for i, p in enumerate(plans)]
    ev = evaluate(_data(measure, given), dt.date.fromisoformat(as_of), RULES)
    assert ob_rows(ev, ("due_on", "done_on", "status"))["hp:m1"] == expected
    assert members(ev, "K1") == {"c1": k1_met}


@pytest.mark.parametrize(
    ("case", "measure", "measure_acute", "due", "why"),
    [
        ({"acute": True, "opened_on": "2024-03-01"}, BL47, "absent", "2024-06-10", "case flag"),
        ({"acute": True, "opened_on": "2024-03-01"}, BL47, None, "2024-06-10", "empty cell"),
        ({"acute": True, "opened_on": "2024-03-01"}, BL47, False, "2024-03-10", "own N wins"),
        ({"acute": False}, BL47, True, "2024-06-10", "own J wins"),
        ({"acute": True, "opened_on": "2024-02-08"}, BL47, "absent", "2024-03-10", "31 days"),
        ({"acute": True, "opened_on": "2024-02-09"}, BL47, "absent", "2024-06-10", "30 days"),
        (
            {"acute": True, "opened_on": "2023-01-01"},
            {"paragraph": "SEL52.3.7", "start_on": "2023-01-20"},
            "absent",
            "2023-05-20",
            "SEL: 4 months after start",
        ),
    ],
)
def test_acute_is_per_measure(
    case: dict[str, Any], measure: dict[str, Any], measure_acute: Any, due: str, why: str
) -> None:
    ev = evaluate(_data(measure, [], case, measure_acute), dt.date(2024, 8, 31), RULES)
    assert ob_rows(ev)["hp:m1"][0] == due, why


@pytest.mark.parametrize(
    ("paragraph", "decided", "handleplan_rule", "follow_up_rule"),
    [
        ("BL46", "2023-12-31", "SEL140-handleplan", "SEL70-opfoelgning"),
        ("BL46", "2024-01-01", "BL91-handleplan-anbringelse", "BL95-opfoelgning"),
        ("SEL52.3.7", "2023-12-31", "SEL140-handleplan", "SEL70-opfoelgning"),
        ("SEL52.3.7", "2024-01-01", "BL91-handleplan-anbringelse", "BL95-opfoelgning"),
        ("SEL58", "2024-01-01", "BL91-handleplan-uden-samtykke", "BL95-opfoelgning"),
        ("BL47", "2023-12-31", "SEL140-handleplan", "SEL70-opfoelgning"),
        ("SEL52.3.3", "2024-01-01", None, "BL95-opfoelgning"),  # BL § 32: plan rule off
        ("BL32.1.3", "2023-12-31", "SEL140-handleplan", "SEL70-opfoelgning"),
    ],
)
def test_codes_cross_the_2024_switch(
    paragraph: str, decided: str, handleplan_rule: str | None, follow_up_rule: str
) -> None:
    measure = {"paragraph": paragraph, "decided_on": decided, "start_on": decided}
    ev = evaluate(_data(measure, []), dt.date(2024, 2, 15), RULES)
    ob = ev.obligations.set_index("obligation_id")
    assert (ob.loc["hp:m1", "rule_id"] if "hp:m1" in ob.index else None) == handleplan_rule
    assert ob.loc["fu:m1:1", "rule_id"] == follow_up_rule


def test_code_under_law_uses_the_configured_families() -> None:
    assert RULES.code_under_law("SEL52.3.7", after_switch=True) == "BL46"
    assert RULES.code_under_law("SEL52.3.2", after_switch=True) == "BL32"
    assert RULES.code_under_law("SEL52.3", after_switch=True) == "BL32"
    assert RULES.code_under_law("BL46.1", after_switch=False) == "SEL52.3.7"
    assert RULES.code_under_law("BL32", after_switch=False) == "SEL52.3"
    assert RULES.code_under_law("SEL85", after_switch=True) == "SEL85"  # adults unchanged
