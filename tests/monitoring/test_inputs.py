"""The engine's input: schema and dtypes, the data as known at a date, the index by case."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from monitoring import evaluate, known_at, load_rules, normalise
from monitoring.inputs import INPUT_SCHEMA, OPTIONAL_BOOLS, index_data
from tests.monitoring.rows import C1, make_data
from vocab import NO_TEAM, UNASSIGNED

RULES = load_rules()


def test_normalise_gives_every_table_and_column_with_its_dtype() -> None:
    given = {"cases": pd.DataFrame({"case_id": ["c1"], "team": [""], "acute": [None]})}
    got = normalise(given)
    assert list(got) == list(INPUT_SCHEMA)
    for name, (texts, dates, bools) in INPUT_SCHEMA.items():
        optional = OPTIONAL_BOOLS.get(name, [])
        assert list(got[name].columns) == [*texts, *dates, *bools, *optional]
        assert all(got[name][c].dtype == "boolean" for c in optional)
        assert all(got[name][c].dtype == "string" for c in texts)
        assert all(got[name][c].dtype == "datetime64[ns]" for c in dates)
        assert all(got[name][c].dtype == bool for c in bools)
    cases = got["cases"]
    assert cases["team"].isna().all()  # a blank team is a missing one
    assert cases["acute"].tolist() == [False]
    assert len(got["measures"]) == 0


def test_known_at_drops_later_records_and_blanks_later_dates() -> None:
    data = make_data(
        cases=[C1, {"case_id": "c2", "opened_on": "2013-07-01"}],
        investigations=[
            {
                "investigation_id": "u1",
                "case_id": "c1",
                "start_on": "2013-01-01",
                "completed_on": "2013-07-15",
            },
            {"investigation_id": "u2", "case_id": "c1", "start_on": "2013-07-01"},
        ],
    )
    got = known_at(data, dt.date(2013, 6, 30))
    assert got["cases"]["case_id"].tolist() == ["c1"]
    assert got["investigations"]["investigation_id"].tolist() == ["u1"]
    assert got["investigations"]["completed_on"].isna().all()  # completed after D: open


def test_index_keys_every_table_to_its_case_and_marks_unassigned_cases() -> None:
    data = make_data(
        cases=[C1, {"case_id": "c2", "team": None, "caseworker_id": None}],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-01-01",
            },
            {"measure_id": "m9", "case_id": "nope", "paragraph": "SEL52.3.3"},
        ],
        follow_ups=[
            # of a measure: its case comes from the measure
            {"follow_up_id": "f1", "case_id": "c2", "measure_id": "m1", "done_on": "2013-02-01"},
            {"follow_up_id": "f2", "case_id": "c2", "measure_id": None, "done_on": "2013-02-01"},
            {"follow_up_id": "f3", "case_id": "c1", "measure_id": "m9", "done_on": "2013-02-01"},
        ],
    )
    case_data = index_data(normalise(data))
    assert case_data.case_ids.tolist() == ["c1", "c2"]
    assert case_data.team.tolist() == ["Team A", NO_TEAM]
    assert case_data.caseworker_id.tolist() == ["sb1", UNASSIGNED]
    assert case_data.measures["measure_id"].tolist() == ["m1"]  # unknown case: dropped
    follow_ups = case_data.follow_ups.set_index("follow_up_id")
    assert follow_ups["case_row"].to_dict() == {"f1": 0, "f2": 1}  # f3: unknown measure
    assert follow_ups["measure_row"].to_dict() == {"f1": 0, "f2": -1}


def test_cpr_is_masked_to_its_date_part() -> None:
    data = make_data(
        cases=[
            {"case_id": "c1", "cpr": "311299-9876"},
            {"case_id": "c2", "cpr": "010112-1234"},
            {"case_id": "c3", "cpr": None},
        ],
        measures=[
            {"measure_id": f"m{i}", "case_id": f"c{i}", "paragraph": "SEL52.3.3", "start_on": d}
            for i, d in ((1, "2013-01-01"), (2, "2013-01-01"), (3, "2013-01-01"))
        ],
    )
    case_data = index_data(normalise(data))
    assert case_data.cpr_masked.tolist() == ["311299-XXXX", "010112-XXXX", "XXXXXX-XXXX"]
    ob = evaluate(data, dt.date(2013, 6, 30), RULES).obligations
    masked = dict(zip(ob["case_id"], ob["cpr_masked"], strict=False))
    assert masked == {"c1": "311299-XXXX", "c2": "010112-XXXX", "c3": "XXXXXX-XXXX"}
