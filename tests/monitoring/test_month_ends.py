"""The month-end history and the forecast: recomputed snapshots, "if nothing more is done"."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from monitoring import RESULT_COLUMNS, evaluate, evaluate_all, forecast, history, load_rules
from tests.monitoring.rows import ADULT, C1, make_data, mixed

RULES = load_rules()


def test_history_equals_snapshot_recomputed() -> None:
    data = mixed()
    ends = [dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
    h = history(data, ends, RULES)
    assert set(h["kind"]) == {"recomputed"} and list(h.columns) == RESULT_COLUMNS
    for d in ends:
        snap = evaluate(data, d, RULES).results.drop(columns="kind").reset_index(drop=True)
        got = h[h["as_of"] == pd.Timestamp(d)].drop(columns="kind").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, snap)


def test_history_at_chosen_levels() -> None:
    data = mixed()
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
    data = mixed()
    as_of = dt.date(2024, 6, 30)
    ends = [dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
    mon = evaluate_all(data, as_of, RULES, forecast_months=2, history_month_ends=ends)
    alone = evaluate(data, as_of, RULES)
    pd.testing.assert_frame_equal(mon.evaluation.results, alone.results)
    pd.testing.assert_frame_equal(mon.evaluation.obligations, alone.obligations)
    pd.testing.assert_frame_equal(mon.evaluation.members, alone.members)
    pd.testing.assert_frame_equal(mon.forecast, forecast(data, as_of, RULES, months=2))
    assert mon.history is not None
    pd.testing.assert_frame_equal(mon.history, history(data, ends, RULES))
    # a record dated after as_of does not exist yet for the forecast
    later = mixed()
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


def _k(f: pd.DataFrame, kpi: str) -> list[tuple[int, int, object]]:
    rows = f[(f["kpi"] == kpi) & (f["level"] == "all")].sort_values("as_of")
    return [
        (int(n), int(d), None if pd.isna(x) else int(x))
        for n, d, x in zip(rows["numerator"], rows["denominator"], rows["needed"], strict=True)
    ]


def test_forecast_knows_caseworker_set_next_due_after_the_extract() -> None:
    # issue 10 point 8: the naeste_frist 15 Jul lies after the extract date (30 Jun) and is
    # known: at 31 Jul the follow-up is overdue (0/1), not 1/1 "0 needed"
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL46", "start_on": "2024-01-10"}
        ],
        follow_ups=[
            {
                "follow_up_id": "f1",
                "case_id": "c1",
                "measure_id": "m1",
                "done_on": "2024-04-01",
                "next_due_on": "2024-07-15",
            }
        ],
    )
    f = forecast(data, dt.date(2024, 6, 30), RULES, months=1)
    assert _k(f, "K3") == [(0, 1, 1)]


def test_forecast_needed_counts_only_what_can_still_change_the_figure() -> None:
    # K7b (event KPI): three applications decided late before the extract date are final
    # misses, one still open and due after it can be decided on time; target 95 %
    apps = [
        {
            "application_id": f"late{i}",
            "case_id": "a1",
            "benefit": "SEL110",
            "received_on": "2024-06-03",
            "decided_on": "2024-06-20",
        }
        for i in range(3)
    ]
    apps.append(
        {"application_id": "open", "case_id": "a1", "benefit": "SEL85", "received_on": "2024-06-25"}
    )
    data = make_data(cases=[ADULT], applications=apps)
    f = forecast(data, dt.date(2024, 6, 30), RULES, months=3)
    # 31 Jul: only the 3 final misses decided (0/3): cannot be reached -> needed NA
    # K7a: the open application, due 6 Aug: within its deadline in July, overdue after;
    # deciding it takes it out of the denominator (1 needed)
    assert _k(f, "K7b") == [(0, 3, None), (0, 3, None), (0, 3, None)]
    assert _k(f, "K7a") == [(1, 1, 0), (0, 1, 1), (0, 1, 1)]
    # K8: the letters of the three late ones were never sent: final misses; the open one's
    # letter is due 6 Aug (after the extract): 0/4 at 31 Aug can't reach 95 % either
    assert _k(f, "K8")[1] == (0, 4, None)


def test_forecast_needed_is_counted_in_obligations() -> None:
    # one case with two overdue measures: turning the case needs two follow-ups
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": m, "case_id": "c1", "paragraph": "BL46", "start_on": "2024-01-10"}
            for m in ("m1", "m2")
        ],
    )
    f = forecast(data, dt.date(2024, 6, 30), RULES, months=1)
    assert _k(f, "K3") == [(0, 1, 2)]
