"""KPI members and results: given rows -> expected members, results per unit, needed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from monitoring import (
    KPIS,
    MEMBER_COLUMNS,
    OBLIGATION_COLUMNS,
    RESULT_COLUMNS,
    evaluate,
    load_rules,
    needed_to_reach,
)
from tests.monitoring.rows import ADULT, C1, all_level, make_data, mixed

RULES = load_rules()


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


def test_card_count_equals_list_length_for_every_kpi_and_level() -> None:
    ev = evaluate(mixed(), dt.date(2024, 6, 30), RULES)
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
    ev = evaluate(mixed(), dt.date(2024, 6, 30), RULES)
    ob = ev.obligations.set_index("obligation_id")
    for rec in ev.members.to_dict("records"):
        o = ob.loc[rec["obligation_id"]]
        assert o["case_id"] == rec["case_id"]
        if rec["kpi"] in ("K1", "K3", "K5"):
            assert rec["met"] == (o["status"] != "overdue")


def test_center_target_override_reaches_every_level_of_that_center() -> None:
    rules = replace(RULES, center_targets={"HCK": {"K3": 0.8}})
    ev = evaluate(mixed(), dt.date(2024, 6, 30), rules)
    r = ev.results[ev.results["kpi"] == "K3"]
    hck = r[r["center"] == "HCK"]
    assert len(hck) >= 3 and set(hck["level"]) >= {"center", "team", "caseworker"}
    assert set(hck["target"]) == {0.8}
    assert set(r[r["center"] != "HCK"]["target"]) == {0.95}  # incl. level all ("ALL")


# ------------------------------------------------- the member rows themselves
def _one_of_each() -> dict[str, pd.DataFrame]:
    """Given rows that make members of every KPI, at D = 2024-06-30."""
    return make_data(
        cases=[
            C1,
            {"case_id": "c2", "center": "HCK", "team": None, "caseworker_id": None},
            {"case_id": "c3", "caseworker_id": "sb2"},
            {"case_id": "c4"},
            {**ADULT, "caseworker_id": "sb7"},
            {**ADULT, "case_id": "a2", "caseworker_id": "sb7"},
        ],
        measures=[
            # BL § 46: plan due 3 months after the decision (10 Apr), made 1 Mar: met;
            # first follow-up moved to u2's completion (1 Mar): overdue
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "BL46.1",
                "decided_on": "2024-01-10",
                "start_on": "2024-01-15",
            },
            # SEL § 52.3.7 (decided 2023), started before the K2 window: plan due at the
            # start, never made; follow-up 1 Dec (late), the next due 1 Jun: overdue
            {
                "measure_id": "m2",
                "case_id": "c2",
                "paragraph": "SEL52.3.7",
                "decided_on": "2023-05-01",
                "start_on": "2023-05-05",
            },
            # plan due at the start, made late (K1 met: not overdue; K2 missed); the first
            # follow-up late, the next one (1 Aug) not due yet
            {
                "measure_id": "m3",
                "case_id": "c3",
                "paragraph": "SEL52.3.3",
                "decided_on": "2023-10-01",
                "start_on": "2023-10-01",
            },
            # ended before D: in K2 (started in the window), not in K1 (not active)
            {
                "measure_id": "m4",
                "case_id": "c4",
                "paragraph": "SEL52.3.3",
                "start_on": "2023-11-01",
                "end_on": "2024-01-31",
            },
            # shelter stays: plan due after the grace month, offered in time / late
            {"measure_id": "s1", "case_id": "a1", "paragraph": "SEL110", "start_on": "2024-05-01"},
            {"measure_id": "s2", "case_id": "a2", "paragraph": "SEL110", "start_on": "2024-04-01"},
        ],
        action_plans=[
            {"plan_id": "p1", "case_id": "c1", "made_on": "2024-03-01"},
            {"plan_id": "p3", "case_id": "c3", "made_on": "2023-10-20"},
            {"plan_id": "p2", "case_id": "a1", "offered_on": "2024-05-10"},
            {"plan_id": "p4", "case_id": "a2", "offered_on": "2024-05-20"},
        ],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c2", "measure_id": "m2", "done_on": "2023-12-01"},
            {"follow_up_id": "f3", "case_id": "c3", "measure_id": "m3", "done_on": "2024-02-01"},
        ],
        investigations=[
            {"investigation_id": "u1", "case_id": "c1", "start_on": "2024-05-01"},
            {
                "investigation_id": "u2",
                "case_id": "c1",
                "start_on": "2023-10-01",
                "completed_on": "2024-03-01",
            },
        ],
        applications=[
            # SEL42: 8 weeks; decided in time / open past its deadline / decided late
            # with the letter sent in time
            {
                "application_id": "x1",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2024-03-01",
                "decided_on": "2024-04-15",
            },
            {
                "application_id": "x2",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2024-03-01",
            },
            {
                "application_id": "x3",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2024-01-02",
                "decided_on": "2024-03-15",
                "letter_sent_on": "2024-02-20",
            },
        ],
    )


def test_members_of_every_kpi_are_exactly_the_expected_rows() -> None:
    ev = evaluate(_one_of_each(), dt.date(2024, 6, 30), RULES)
    c1 = ("c1", "BFCK", "Team A", "sb1")
    c2 = ("c2", "HCK", "(intet team)", "ufordelt")
    c3 = ("c3", "BFCK", "Team A", "sb2")
    c4 = ("c4", "BFCK", "Team A", "sb1")
    a1 = ("a1", "SCK", "Herberg", "sb7")
    a2 = ("a2", "SCK", "Herberg", "sb7")
    expected_rows = [
        # kpi, unit, (case, center, team, caseworker), met, deciding obligation
        ("K1", "c1", c1, True, "hp:m1"),
        ("K1", "c2", c2, False, "hp:m2"),
        ("K1", "c3", c3, True, "hp:m3"),  # late, but not overdue at D
        ("K2", "m1", c1, True, "hp:m1"),
        ("K2", "m3", c3, False, "hp:m3"),  # made after its deadline
        ("K2", "m4", c4, False, "hp:m4"),  # the measure has ended: in K2, not in K1
        ("K3", "c1", c1, False, "fu:m1:1"),
        ("K3", "c2", c2, False, "fu:m2:2"),  # the open cycle, not the one done late
        ("K3", "c3", c3, True, "fu:m3:2"),  # the open cycle, not the one done late
        ("K4a", "u1", c1, True, "inv:u1"),
        ("K4b", "u2", c1, False, "inv:u2"),
        ("K5", "a1", a1, True, "fu:s1:1"),
        ("K5", "a2", a2, True, "fu:s2:1"),
        ("K6", "s1", a1, True, "sp:s1"),
        ("K6", "s2", a2, True, "sp:s2"),  # offered after the grace month: offered is met
        ("K7a", "x2", a1, False, "pr:x2"),  # open past its deadline: the backlog
        ("K7b", "x1", a1, True, "pr:x1"),
        ("K7b", "x3", a1, False, "pr:x3"),
        ("K8", "x2", a1, False, "lt:x2"),
        ("K8", "x3", a1, True, "lt:x3"),
    ]
    expected = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2024-06-30"] * len(expected_rows)).astype("datetime64[ns]"),
            "kpi": [row[0] for row in expected_rows],
            "unit_id": [row[1] for row in expected_rows],
            "case_id": [row[2][0] for row in expected_rows],
            "center": [row[2][1] for row in expected_rows],
            "team": [row[2][2] for row in expected_rows],
            "caseworker_id": [row[2][3] for row in expected_rows],
            "met": [row[3] for row in expected_rows],
            "obligation_id": [row[4] for row in expected_rows],
        }
    )
    for column in MEMBER_COLUMNS:
        if column not in ("as_of", "met"):
            expected[column] = expected[column].astype("string")
    got = ev.members.sort_values(["kpi", "unit_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    # and the results are those rows counted
    k7b = ev.results[(ev.results["kpi"] == "K7b") & (ev.results["level"] == "all")].iloc[0]
    assert (k7b["numerator"], k7b["denominator"]) == (1, 2)


@pytest.mark.parametrize(
    ("kpi", "numerator", "denominator", "target", "needed"),
    [
        ("K3", 1, 20, 0.95, 18),  # 19 of 20 must be met: 18 more
        ("K3", 19, 20, 0.95, 0),  # reached
        ("K3", 0, 0, 0.95, 0),  # no cases: nothing needed
        ("K4a", 1, 2, 0.95, 1),  # completing the overdue one takes it out: 1/1
        ("K4a", 8, 12, 0.9, 4),  # 8 / (12 - 4) = 100 % >= 90 %; 8 / 9 < 90 %
        ("K7a", 1, 2, 0.95, 1),  # deciding the overdue application takes it out: 1/1
        ("K7b", 1, 2, 0.95, 1),  # K7b: a decision turns a miss into a met one
    ],
)
def test_needed_to_reach(
    kpi: str, numerator: int, denominator: int, target: float, needed: int
) -> None:
    assert needed_to_reach(kpi, numerator, denominator, target) == needed
