"""Obligations and KPIs: given rows -> expected obligations and KPI members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitoring import (
    KPIS,
    MEMBER_COLUMNS,
    OBLIGATION_COLUMNS,
    RESULT_COLUMNS,
    evaluate,
    evaluate_all,
    forecast,
    history,
    load_rules,
)
from tests.monitoring.rows import make_data

RULES = load_rules()

C1 = {"case_id": "c1"}
ADULT = {"case_id": "a1", "target_group": "voksen", "center": "SCK", "team": "Herberg"}


def ob_rows(
    ev: Any, cols: tuple[str, ...] = ("due_on", "done_on", "status", "days_overdue")
) -> dict[str, tuple[Any, ...]]:
    """obligation_id -> selected columns, dates as ISO text (None when missing)."""
    out: dict[str, tuple[Any, ...]] = {}
    for rec in ev.obligations.to_dict("records"):
        vals = []
        for c in cols:
            v = rec[c]
            if isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                v = None
            vals.append(v)
        out[rec["obligation_id"]] = tuple(vals)
    return out


def members(ev: Any, kpi: str) -> dict[str, bool]:
    m = ev.members[ev.members["kpi"] == kpi]
    return dict(zip(m["unit_id"], m["met"].astype(bool), strict=True))


def all_level(ev: Any, kpi: str) -> tuple[int, int, float | None]:
    r = ev.results[(ev.results["level"] == "all") & (ev.results["kpi"] == kpi)].iloc[0]
    v = None if pd.isna(r["value"]) else float(r["value"])
    return int(r["numerator"]), int(r["denominator"]), v


# ----------------------------------------------------------- handleplans K1/K2
@pytest.mark.parametrize(
    ("acute", "plan_made", "expected", "k2_met"),
    [
        (False, "2013-01-15", ("2013-01-15", "2013-01-15", "met", 0), True),  # on the day
        (False, "2013-01-10", ("2013-01-15", "2013-01-10", "met", 0), True),
        (False, "2013-05-15", ("2013-01-15", "2013-05-15", "late", 120), False),
        (False, None, ("2013-01-15", None, "overdue", 166), False),
        (True, "2013-05-15", ("2013-05-15", "2013-05-15", "met", 0), True),  # acute: 4 months
        (True, "2013-05-16", ("2013-05-15", "2013-05-16", "late", 1), False),
        (True, "2013-07-01", ("2013-05-15", None, "overdue", 46), False),  # plan after D
    ],
)
def test_sel_handleplan(
    acute: bool, plan_made: str | None, expected: tuple[Any, ...], k2_met: bool
) -> None:
    data = make_data(
        cases=[{**C1, "acute": acute}],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.7",
                "start_on": "2013-01-15",
            }
        ],
        action_plans=[{"plan_id": "p1", "case_id": "c1", "made_on": plan_made}],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    assert ob_rows(ev)["hp:m1"] == expected
    assert members(ev, "K2") == {"m1": k2_met}
    assert members(ev, "K1") == {"c1": expected[2] in ("met", "late")}
    rule = ev.obligations.set_index("obligation_id").loc["hp:m1"]
    assert rule["rule_id"] == "SEL140-handleplan" and rule["law"] == "SEL"
    assert ("akut" in rule["rule_text"]) == acute


def test_handleplan_not_yet_due_is_not_judged_but_listed() -> None:
    # BL § 46 placement decided 2024-03-10: plan due 2024-06-10, D = 2024-05-31.
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "BL46.1",
                "decided_on": "2024-03-10",
                "start_on": "2024-03-20",
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 5, 31), RULES)
    assert ob_rows(ev)["hp:m1"] == ("2024-06-10", None, "open", 0)
    assert members(ev, "K1") == {} and members(ev, "K2") == {}
    assert all_level(ev, "K1") == (0, 0, None)
    ev2 = evaluate(data, dt.date(2024, 6, 11), RULES)
    assert members(ev2, "K1") == {"c1": False} and members(ev2, "K2") == {"m1": False}


def test_bl32_handleplan_is_off_by_default() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL32.1.3", "start_on": "2024-02-01"}
        ],
    )
    ev = evaluate(data, dt.date(2024, 12, 31), RULES)
    assert "hp:m1" not in ob_rows(ev)
    assert "fu:m1:1" in ob_rows(ev)  # it still needs follow-up


def test_k2_window_counts_ended_measures_of_the_last_12_months() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "old",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2012-06-30",
                "end_on": "2012-12-31",
            },
            {
                "measure_id": "new",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2012-07-01",
                "end_on": "2012-12-31",
            },
        ],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    assert members(ev, "K2") == {"new": False}  # start after D - 12 months only
    assert members(ev, "K1") == {}  # not active at D


# ------------------------------------------------------------ follow-ups K3/K5
def test_first_follow_up_month_end_clamp_and_on_the_day() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.1",
                "start_on": "2012-11-30",
            },
            {
                "measure_id": "m2",
                "case_id": "c1",
                "paragraph": "SEL52.3.1",
                "start_on": "2012-10-31",
            },
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": "m2", "done_on": "2013-01-31"}
        ],
    )
    ev = evaluate(data, dt.date(2013, 2, 28), RULES)
    rows = ob_rows(ev)
    assert rows["fu:m1:1"] == ("2013-02-28", None, "open", 0)  # 30 Nov + 3 = 28 Feb: on the day
    assert rows["fu:m2:1"] == ("2013-01-31", "2013-01-31", "met", 0)
    assert rows["fu:m2:2"] == ("2013-07-31", None, "open", 0)  # SEL: 6 months after
    assert members(ev, "K3") == {"c1": True}
    ev2 = evaluate(data, dt.date(2013, 3, 1), RULES)
    assert ob_rows(ev2)["fu:m1:1"] == ("2013-02-28", None, "overdue", 1)
    k3 = ev2.members[ev2.members["kpi"] == "K3"].iloc[0]
    assert not k3["met"] and k3["obligation_id"] == "fu:m1:1"


@pytest.mark.parametrize(
    ("decided_on", "rule_id", "next_due", "status", "k3_met"),
    [
        ("2023-12-31", "SEL70-opfoelgning", "2024-09-01", "open", True),  # SEL: 6 months fixed
        ("2024-01-01", "BL95-opfoelgning", "2024-05-01", "overdue", False),  # BL: naeste_frist
    ],
)
def test_law_switch_by_decision_date(
    decided_on: str, rule_id: str, next_due: str, status: str, k3_met: bool
) -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.7",
                "decided_on": decided_on,
                "start_on": "2024-01-10",
            }
        ],
        follow_ups=[
            {
                "follow_up_id": "f1",
                "case_id": "c1",
                "measure_id": "m1",
                "done_on": "2024-03-01",
                "next_due_on": "2024-05-01",
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 6, 1), RULES)
    ob = ev.obligations.set_index("obligation_id")
    assert ob.loc["fu:m1:2", "rule_id"] == rule_id
    assert ob.loc["fu:m1:2", "due_on"] == pd.Timestamp(next_due)
    assert ob.loc["fu:m1:2", "status"] == status
    assert members(ev, "K3") == {"c1": k3_met}


def test_bl_follow_up_without_naeste_frist_uses_default_interval() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL32.1.3", "start_on": "2024-01-15"}
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": "m1", "done_on": "2024-04-20"}
        ],
    )
    ev = evaluate(data, dt.date(2024, 6, 1), RULES)
    rows = ob_rows(ev)
    assert rows["fu:m1:1"] == ("2024-04-15", "2024-04-20", "late", 5)
    assert rows["fu:m1:2"] == ("2024-10-20", None, "open", 0)
    assert "Barnets Lov" in ev.obligations.set_index("obligation_id").loc["fu:m1:1", "rule_text"]


def test_case_level_follow_up_counts_for_every_measure_active_that_day() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-01-01",
            },
            {
                "measure_id": "m2",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-02-01",
            },
            {
                "measure_id": "m3",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-04-01",
            },
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": None, "done_on": "2013-03-15"}
        ],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    rows = ob_rows(ev)
    assert rows["fu:m1:1"] == ("2013-04-01", "2013-03-15", "met", 0)
    assert rows["fu:m2:1"] == ("2013-05-01", "2013-03-15", "met", 0)
    assert rows["fu:m1:2"] == ("2013-09-15", None, "open", 0)
    assert rows["fu:m3:1"] == ("2013-07-01", None, "open", 0)  # started after the follow-up
    assert "fu:m3:2" not in rows


def test_follow_up_after_d_does_not_exist_yet() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-01-01",
            }
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": "m1", "done_on": "2013-04-20"}
        ],
    )
    ev = evaluate(data, dt.date(2013, 4, 10), RULES)
    assert ob_rows(ev) == {
        "fu:m1:1": ("2013-04-01", None, "overdue", 9),
        "hp:m1": ("2013-01-01", None, "overdue", 99),
    }


@pytest.mark.parametrize(
    ("inv_start", "inv_done", "due", "parallel"),
    [
        ("2024-01-10", "2024-03-15", "2024-03-15", True),  # completed before start + 3 months
        ("2024-01-10", "2024-05-15", "2024-05-01", False),  # completed after start + 3 months
        ("2024-02-05", "2024-03-15", "2024-05-01", False),  # not open on the start date
        ("2024-01-10", "2024-02-01", "2024-05-01", False),  # completed on the start date
        ("2024-01-10", None, "2024-05-01", False),  # still open
    ],
)
def test_parallel_investigation(
    inv_start: str, inv_done: str | None, due: str, parallel: bool
) -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL32.1.1", "start_on": "2024-02-01"}
        ],
        investigations=[
            {
                "investigation_id": "u1",
                "case_id": "c1",
                "start_on": inv_start,
                "completed_on": inv_done,
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 5, 31), RULES)
    ob = ev.obligations.set_index("obligation_id").loc["fu:m1:1"]
    assert ob["due_on"] == pd.Timestamp(due)
    assert ("parallelle" in ob["rule_text"]) == parallel


def test_adult_follow_up_k5_three_months_then_yearly() -> None:
    data = make_data(
        cases=[ADULT],
        measures=[
            {"measure_id": "v1", "case_id": "a1", "paragraph": "SEL85", "start_on": "2012-01-10"}
        ],
        follow_ups=[
            {
                "follow_up_id": "f1",
                "case_id": "a1",
                "measure_id": None,
                "done_on": "2012-04-01",
                "next_due_on": "2012-06-01",
            }
        ],
    )
    ev = evaluate(data, dt.date(2013, 4, 2), RULES)
    rows = ob_rows(ev)
    assert rows["fu:v1:1"] == ("2012-04-10", "2012-04-01", "met", 0)
    assert rows["fu:v1:2"] == ("2013-04-01", None, "overdue", 1)  # naeste_frist ignored
    assert members(ev, "K5") == {"a1": False} and members(ev, "K3") == {}


# --------------------------------------------------------------- shelters K6
def test_shelter_plan_declined_counts_as_met() -> None:
    data = make_data(
        cases=[ADULT, {**ADULT, "case_id": "a2"}, {**ADULT, "case_id": "a3"}],
        measures=[
            {"measure_id": "s1", "case_id": "a1", "paragraph": "SEL110", "start_on": "2013-01-10"},
            {"measure_id": "s2", "case_id": "a2", "paragraph": "SEL110", "start_on": "2013-05-01"},
            {"measure_id": "s3", "case_id": "a3", "paragraph": "SEL109", "start_on": "2013-06-15"},
        ],
        action_plans=[
            {"plan_id": "p1", "case_id": "a1", "offered_on": "2013-01-20", "declined": True}
        ],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    rows = ob_rows(ev)
    assert rows["sp:s1"] == ("2013-02-10", "2013-01-20", "met", 0)
    assert rows["sp:s2"] == ("2013-06-01", None, "overdue", 29)
    assert rows["sp:s3"] == ("2013-07-15", None, "open", 0)  # within the grace month
    assert members(ev, "K6") == {"s1": True, "s2": False}
    assert "afslået" in ev.obligations.set_index("obligation_id").loc["sp:s1", "rule_text"]


# ---------------------------------------------------------- investigations K4
def test_investigations_k4a_k4b_clamp_and_on_the_day() -> None:
    data = make_data(
        cases=[C1],
        investigations=[
            {"investigation_id": "u1", "case_id": "c1", "start_on": "2012-10-31"},
            {
                "investigation_id": "u2",
                "case_id": "c1",
                "start_on": "2012-09-01",
                "completed_on": "2013-01-01",
            },
            {
                "investigation_id": "u3",
                "case_id": "c1",
                "start_on": "2012-09-01",
                "completed_on": "2013-01-02",
            },
            {
                "investigation_id": "u4",
                "case_id": "c1",
                "start_on": "2011-01-01",
                "completed_on": "2011-03-01",
            },
        ],
    )
    ev = evaluate(data, dt.date(2013, 2, 28), RULES)
    rows = ob_rows(ev)
    assert rows["inv:u1"] == ("2013-02-28", None, "open", 0)
    assert rows["inv:u2"] == ("2013-01-01", "2013-01-01", "met", 0)
    assert rows["inv:u3"] == ("2013-01-01", "2013-01-02", "late", 1)
    assert "inv:u4" not in rows  # completed before the 12-month window
    assert members(ev, "K4a") == {"u1": True}
    assert members(ev, "K4b") == {"u2": True, "u3": False}
    ev2 = evaluate(data, dt.date(2013, 3, 1), RULES)
    assert members(ev2, "K4a") == {"u1": False}


def test_investigation_law_by_start_date() -> None:
    data = make_data(
        cases=[C1],
        investigations=[
            {"investigation_id": "u1", "case_id": "c1", "start_on": "2023-12-31"},
            {"investigation_id": "u2", "case_id": "c1", "start_on": "2024-01-01"},
        ],
    )
    ob = evaluate(data, dt.date(2024, 2, 1), RULES).obligations.set_index("obligation_id")
    assert ob.loc["inv:u1", "rule_id"] == "SEL50-undersoegelse"
    assert ob.loc["inv:u2", "rule_id"] == "BL20-undersoegelse"


# ------------------------------------------------------------ processing K7/K8
def test_processing_and_letter_deadlines() -> None:
    data = make_data(
        cases=[ADULT],
        applications=[
            # SEL42: 8 weeks = 40 working days; 7 Jun 2013 -> 2 Aug 2013.
            {
                "application_id": "on-time",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2013-06-07",
                "decided_on": "2013-08-02",
            },
            {
                "application_id": "late-letter",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2013-06-07",
                "decided_on": "2013-08-05",
                "letter_sent_on": "2013-07-30",
            },
            {
                "application_id": "late-nolet",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2013-06-07",
                "decided_on": "2013-08-06",
            },
            {
                "application_id": "open-past",
                "case_id": "a1",
                "benefit": "SEL110",
                "received_on": "2013-08-01",
            },
            {
                "application_id": "open",
                "case_id": "a1",
                "benefit": "UKENDT",
                "received_on": "2013-08-20",
            },
        ],
    )
    ev = evaluate(data, dt.date(2013, 8, 31), RULES)
    rows = ob_rows(ev)
    assert rows["pr:on-time"] == ("2013-08-02", "2013-08-02", "met", 0)
    assert rows["pr:late-letter"] == ("2013-08-02", "2013-08-05", "late", 3)
    assert rows["lt:late-letter"] == ("2013-08-02", "2013-07-30", "met", 0)
    assert rows["lt:late-nolet"] == ("2013-08-02", None, "missed", 4)  # lapsed at the decision
    assert rows["pr:open-past"] == ("2013-08-08", None, "overdue", 23)
    assert rows["lt:open-past"] == ("2013-08-08", None, "overdue", 23)  # the "letter due" list
    assert rows["pr:open"][2] == "open" and "lt:open" not in rows
    assert members(ev, "K7") == {"on-time": True, "late-letter": False, "late-nolet": False}
    assert members(ev, "K8") == {"late-letter": True, "late-nolet": False, "open-past": False}
    ob = ev.obligations.set_index("obligation_id")
    assert ob.loc["pr:open", "rule_id"] == "RTSL3-standard"
    assert ob.loc["pr:on-time", "rule_id"] == "RTSL3-SEL42"


# ------------------------------------------------- activity, unassigned, 0/0
def test_measure_after_d_and_case_closed_before_d() -> None:
    data = make_data(
        cases=[C1, {"case_id": "c2", "closed_on": "2013-05-01"}],
        measures=[
            {
                "measure_id": "future",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-07-01",
            },
            {
                "measure_id": "closed",
                "case_id": "c2",
                "paragraph": "SEL52.3.3",
                "start_on": "2012-01-01",
            },
        ],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    assert not ev.obligations["source_id"].isin(["future", "closed"]).any()
    assert ev.members.empty
    for kpi in KPIS:
        assert all_level(ev, kpi) == (0, 0, None)  # 0/0 shows as "no cases"


def test_unassigned_case_is_counted_under_ufordelt() -> None:
    data = make_data(
        cases=[{"case_id": "c9", "caseworker_id": None, "team": None, "cpr": "311299-9876"}],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c9",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-01-01",
            }
        ],
    )
    ev = evaluate(data, dt.date(2013, 6, 30), RULES)
    ob = ev.obligations
    assert set(ob["caseworker_id"]) == {"ufordelt"} and set(ob["team"]) == {"(intet team)"}
    assert set(ob["cpr_masked"]) == {"311299-XXXX"}
    r = ev.results
    cw = r[(r["level"] == "caseworker") & (r["kpi"] == "K3")]
    assert cw[["center", "team", "caseworker_id", "numerator", "denominator"]].values.tolist() == [
        ["BFCK", "(intet team)", "ufordelt", 0, 1]
    ]


# ------------------------------------------------- card count = list length
def _mixed() -> dict[str, pd.DataFrame]:
    cases = [
        {
            "case_id": f"b{i}",
            "center": ["BFCK", "HCK"][i % 2],
            "team": ["T1", "T2", None][i % 3],
            "caseworker_id": [None, "sb1", "sb2", "sb3"][i % 4],
            "acute": i % 5 == 0,
        }
        for i in range(12)
    ] + [{**ADULT, "case_id": f"v{i}", "caseworker_id": ["sb7", None][i % 2]} for i in range(6)]
    measures = [
        {
            "measure_id": f"m{i}",
            "case_id": f"b{i % 12}",
            "paragraph": ["SEL52.3.7", "BL46.1", "BL32.1.3"][i % 3],
            "decided_on": ["2023-10-01", "2024-01-01", "2024-03-01"][i % 3],
            "start_on": ["2023-10-05", "2024-01-20", "2024-03-10"][i % 3],
        }
        for i in range(20)
    ] + [
        {
            "measure_id": f"s{i}",
            "case_id": f"v{i}",
            "paragraph": ["SEL110", "SEL85"][i % 2],
            "start_on": "2024-01-05",
        }
        for i in range(6)
    ]
    follow_ups = [
        {
            "follow_up_id": f"f{i}",
            "case_id": f"b{i % 12}",
            "measure_id": [None, f"m{i % 20}"][i % 2],
            "done_on": ["2024-02-01", "2024-04-15", "2024-06-01"][i % 3],
            "next_due_on": [None, "2024-08-01"][i % 2],
        }
        for i in range(15)
    ]
    plans = [
        {"plan_id": f"p{i}", "case_id": f"b{i}", "made_on": "2024-02-15"} for i in range(0, 12, 2)
    ]
    plans += [{"plan_id": "pv", "case_id": "v0", "offered_on": "2024-01-20", "declined": True}]
    inv = [
        {
            "investigation_id": f"u{i}",
            "case_id": f"b{i}",
            "start_on": ["2024-01-02", "2023-11-15"][i % 2],
            "completed_on": [None, "2024-04-01", "2024-02-10"][i % 3],
        }
        for i in range(8)
    ]
    apps = [
        {
            "application_id": f"a{i}",
            "case_id": f"v{i % 6}",
            "benefit": ["SEL42", "SEL110", "X"][i % 3],
            "received_on": "2024-03-01",
            "decided_on": [None, "2024-03-05", "2024-06-01"][i % 3],
            "letter_sent_on": [None, "2024-03-04"][i % 2],
        }
        for i in range(9)
    ]
    return make_data(
        cases=cases,
        measures=measures,
        follow_ups=follow_ups,
        action_plans=plans,
        investigations=inv,
        applications=apps,
    )


def test_card_count_equals_list_length_for_every_kpi_and_level() -> None:
    ev = evaluate(_mixed(), dt.date(2024, 6, 30), RULES)
    assert list(ev.obligations.columns) == OBLIGATION_COLUMNS
    assert list(ev.members.columns) == MEMBER_COLUMNS
    assert list(ev.results.columns) == RESULT_COLUMNS
    assert ev.obligations["obligation_id"].is_unique
    assert set(ev.members["obligation_id"]) <= set(ev.obligations["obligation_id"])
    assert set(ev.members["kpi"]) == set(KPIS)  # the mixed data exercises every KPI
    keys = {
        "all": [],
        "center": ["center"],
        "team": ["center", "team"],
        "caseworker": ["center", "team", "caseworker_id"],
    }
    checked = 0
    for row in ev.results.to_dict("records"):
        m = ev.members[ev.members["kpi"] == row["kpi"]]
        for k in keys[row["level"]]:
            m = m[m[k] == row[k]]
        assert row["denominator"] == len(m), row
        assert row["numerator"] == int(m["met"].sum()), row
        if len(m):
            assert row["value"] == pytest.approx(m["met"].mean())
        else:
            assert pd.isna(row["value"])
        checked += 1
    assert checked > 40
    # every member's unit is one of its KPI's units exactly once
    assert not ev.members.duplicated(["kpi", "unit_id"]).any()


def test_members_point_at_the_deciding_obligation() -> None:
    ev = evaluate(_mixed(), dt.date(2024, 6, 30), RULES)
    ob = ev.obligations.set_index("obligation_id")
    for rec in ev.members.to_dict("records"):
        o = ob.loc[rec["obligation_id"]]
        assert o["case_id"] == rec["case_id"]
        if rec["kpi"] in ("K1", "K3", "K5"):
            assert rec["met"] == (o["status"] != "overdue")


def test_history_equals_snapshot_recomputed() -> None:
    data = _mixed()
    ends = [dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
    h = history(data, ends, RULES)
    assert set(h["kind"]) == {"recomputed"} and list(h.columns) == RESULT_COLUMNS
    for d in ends:
        snap = evaluate(data, d, RULES).results.drop(columns="kind").reset_index(drop=True)
        got = h[h["as_of"] == pd.Timestamp(d)].drop(columns="kind").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, snap)


def test_history_at_chosen_levels() -> None:
    data = _mixed()
    ends = [dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
    full = history(data, ends, RULES)
    some = history(data, ends, RULES, levels=["all", "center"])
    assert set(full["level"]) > {"all", "center"}
    assert set(some["level"]) == {"all", "center"}
    expected = full[full["level"].isin(["all", "center"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some.reset_index(drop=True), expected)


def test_forecast_if_nothing_more_is_done() -> None:
    data = make_data(
        cases=[C1, {"case_id": "c2"}],
        investigations=[
            {"investigation_id": "u1", "case_id": "c1", "start_on": "2013-04-10"},  # due 10 Aug
            {"investigation_id": "u2", "case_id": "c2", "start_on": "2013-06-01"},  # due 1 Oct
        ],
    )
    f = forecast(data, dt.date(2013, 6, 30), RULES, months=3)
    assert set(f["kind"]) == {"forecast"}
    k4a = f[(f["kpi"] == "K4a") & (f["level"] == "all")].set_index("as_of")
    assert k4a["numerator"].tolist() == [2, 1, 1]
    assert k4a["denominator"].tolist() == [2, 2, 2]
    assert [d.date() for d in k4a.index] == [
        dt.date(2013, 7, 31),
        dt.date(2013, 8, 31),
        dt.date(2013, 9, 30),
    ]
    assert k4a["needed"].tolist() == [0, 1, 1]  # completing u1 takes it out of K4a
    assert set(f["level"]) >= {"all", "center"}


def test_forecast_needed_counts_completions() -> None:
    data = make_data(
        cases=[{"case_id": f"c{i}"} for i in range(20)],
        measures=[
            {
                "measure_id": f"m{i}",
                "case_id": f"c{i}",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-05-15",
            }
            for i in range(20)
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c0", "measure_id": "m0", "done_on": "2013-06-01"}
        ],
        action_plans=[
            {"plan_id": f"p{i}", "case_id": f"c{i}", "made_on": "2013-05-01"} for i in range(20)
        ],
    )
    f = forecast(data, dt.date(2013, 6, 30), RULES)
    k3 = f[(f["kpi"] == "K3") & (f["level"] == "all")].set_index("as_of")
    # follow-ups fall due 15 Aug: by 31 Aug 19 of 20 cases are overdue; 95 % needs 19 met
    assert k3.loc[pd.Timestamp("2013-08-31"), ["numerator", "denominator", "needed"]].tolist() == [
        1,
        20,
        18,
    ]
    assert k3.loc[pd.Timestamp("2013-07-31"), "needed"] == 0


def test_evaluate_all_matches_the_separate_functions() -> None:
    data = _mixed()
    as_of = dt.date(2024, 6, 30)
    ends = [dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
    mon = evaluate_all(data, as_of, RULES, forecast_months=2, history_month_ends=ends)
    pd.testing.assert_frame_equal(mon.evaluation.results, evaluate(data, as_of, RULES).results)
    pd.testing.assert_frame_equal(mon.forecast, forecast(data, as_of, RULES, months=2))
    assert mon.history is not None
    pd.testing.assert_frame_equal(mon.history, history(data, ends, RULES))
    # a record dated after as_of does not exist yet for the forecast
    later = _mixed()
    later["follow_ups"] = pd.concat(
        [
            later["follow_ups"],
            make_data(
                follow_ups=[
                    {
                        "follow_up_id": "late",
                        "case_id": "b1",
                        "measure_id": None,
                        "done_on": "2024-07-15",
                    }
                ]
            )["follow_ups"],
        ],
        ignore_index=True,
    )
    got = evaluate_all(later, as_of, RULES, forecast_months=2).forecast
    pd.testing.assert_frame_equal(got, mon.forecast)


def test_center_target_override_reaches_every_level_of_that_center() -> None:
    from dataclasses import replace

    rules = replace(RULES, center_targets={"HCK": {"K3": 0.8}})
    ev = evaluate(_mixed(), dt.date(2024, 6, 30), rules)
    r = ev.results[ev.results["kpi"] == "K3"]
    hck = r[r["center"] == "HCK"]
    assert len(hck) >= 3 and set(hck["level"]) >= {"center", "team", "caseworker"}
    assert set(hck["target"]) == {0.8}
    assert set(r[r["center"] != "HCK"]["target"]) == {0.95}  # incl. level all ("ALL")
