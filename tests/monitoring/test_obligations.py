"""Obligations per kind: given rows -> expected obligations and the KPI members they make."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from monitoring import evaluate, load_rules
from tests.monitoring.rows import ADULT, C1, all_level, make_data, members, ob_rows

RULES = load_rules()


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
        cases=[{**C1, "acute": acute, "opened_on": "2013-01-01"}],
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
    ("decided_on", "done_on", "next_due_on", "rule_id", "next_due", "status", "k3_met"),
    [
        # a cycle follows the law in force when it starts (issue 10 point 3), not the
        # measure's decision: a cycle started 31 Dec 2023 is SEL § 70 (6 months fixed) ...
        ("2023-09-30", "2023-12-31", "2024-05-01", "SEL70-opfoelgning", "2024-06-30", "open", True),
        # ... one started 2 Jan 2024 is BL § 95 with the caseworker's naeste_frist
        (
            "2023-09-30",
            "2024-01-02",
            "2024-05-01",
            "BL95-opfoelgning",
            "2024-05-01",
            "overdue",
            False,
        ),
        (
            "2024-01-01",
            "2024-01-02",
            "2024-05-01",
            "BL95-opfoelgning",
            "2024-05-01",
            "overdue",
            False,
        ),
        ("2023-09-30", "2024-01-02", None, "BL95-opfoelgning", "2024-07-02", "open", True),
        # a naeste_frist on its own follow-up date is ignored: the default interval applies
        ("2023-09-30", "2024-01-02", "2024-01-02", "BL95-opfoelgning", "2024-07-02", "open", True),
    ],
)
def test_follow_up_cycle_follows_the_law_at_its_start(
    decided_on: str,
    done_on: str,
    next_due_on: str | None,
    rule_id: str,
    next_due: str,
    status: str,
    k3_met: bool,
) -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.7",
                "decided_on": decided_on,
                "start_on": "2023-10-01",
            }
        ],
        follow_ups=[
            {
                "follow_up_id": "f1",
                "case_id": "c1",
                "measure_id": "m1",
                "done_on": done_on,
                "next_due_on": next_due_on,
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 6, 1), RULES)
    ob = ev.obligations.set_index("obligation_id")
    assert ob.loc["fu:m1:1", "status"] in ("met", "late")  # the first cycle, due 1 Jan
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


def test_every_obligation_says_what_its_due_date_was_counted_from() -> None:
    # measure m1 started 15 Jan 2024; follow-ups 20 Apr (default interval) and 1 May
    # (the caseworker set the next deadline, 1 Aug); an application received 1 Mar
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL32.1.3", "start_on": "2024-01-15"}
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": "m1", "done_on": "2024-04-20"},
            {
                "follow_up_id": "f2",
                "case_id": "c1",
                "measure_id": "m1",
                "done_on": "2024-05-01",
                "next_due_on": "2024-08-01",
            },
        ],
        investigations=[{"investigation_id": "u1", "case_id": "c1", "start_on": "2024-02-01"}],
        applications=[
            {
                "application_id": "a1",
                "case_id": "c1",
                "benefit": "SEL41",
                "received_on": "2024-03-01",
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 6, 1), RULES)
    ob = ev.obligations.set_index("obligation_id")
    got = {
        i: (str(ob.loc[i, "anchor_on"].date()), ob.loc[i, "anchor_label"])
        for i in ("fu:m1:1", "fu:m1:2", "fu:m1:3", "inv:u1", "pr:a1")
    }
    assert got == {
        "fu:m1:1": ("2024-01-15", "iværksættelse"),
        "fu:m1:2": ("2024-04-20", "seneste opfølgning"),
        "fu:m1:3": ("2024-05-01", "seneste opfølgning (fristen fastsat af sagsbehandleren)"),
        "inv:u1": ("2024-02-01", "undersøgelsens start"),
        "pr:a1": ("2024-03-01", "modtagelse"),
    }
    assert ob.loc["fu:m1:3", "due_on"] == pd.Timestamp("2024-08-01")


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
    # counted from the investigation's completion, else from the start of the measure
    assert ob["anchor_on"] == pd.Timestamp(inv_done if parallel else "2024-02-01")
    expected_label = "parallel undersøgelse afsluttet" if parallel else "iværksættelse"
    assert ob["anchor_label"] == expected_label


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


# ------------------------------------------------------- processing K7a/K7b/K8
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
    assert members(ev, "K7b") == {"on-time": True, "late-letter": False, "late-nolet": False}
    assert members(ev, "K7a") == {"open-past": False, "open": True}
    assert members(ev, "K8") == {"late-letter": True, "late-nolet": False, "open-past": False}
    ob = ev.obligations.set_index("obligation_id")
    assert ob.loc["pr:open", "rule_id"] == "RTSL3-standard"
    assert ob.loc["pr:on-time", "rule_id"] == "RTSL3-SEL42"
