"""Data-quality findings (issue 10 point 2, monitoring side): given rows -> expected
(kind, code, count, ids) rows; nothing silently dropped."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from monitoring import evaluate, load_rules
from tests.monitoring.rows import ADULT, C1, make_data, members

RULES = load_rules()


def test_findings_are_one_row_per_kind_and_code() -> None:
    data = make_data(
        cases=[
            C1,
            {"case_id": "c2", "closed_on": "2024-03-01"},
            {**ADULT, "caseworker_id": "gone"},
            {"case_id": "c3", "caseworker_id": "old"},
        ],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL99", "start_on": "2024-02-01"},
            {"measure_id": "m2", "case_id": "c1", "paragraph": "BL99", "start_on": "2024-02-01"},
            {"measure_id": "m3", "case_id": "c1", "paragraph": "BL46", "start_on": "2024-02-01"},
        ],
        follow_ups=[
            {
                "follow_up_id": "f1",
                "case_id": "c1",
                "measure_id": "m3",
                "done_on": "2024-03-01",
                "next_due_on": "2024-03-01",
            }
        ],
        investigations=[
            {"investigation_id": "u1", "case_id": "c2", "start_on": "2024-01-10"},
            {"investigation_id": "u2", "case_id": "c1", "start_on": "2024-01-10"},
        ],
        applications=[
            {
                "application_id": "x1",
                "case_id": "a1",
                "benefit": "SEL999",
                "received_on": "2024-03-01",
            },
            {
                "application_id": "x2",
                "case_id": "a1",
                "benefit": "SEL85.1",
                "received_on": "2024-03-01",
            },
        ],
    )
    data["employees"] = pd.DataFrame(
        {
            "employee_id": pd.array(["sb1", "old"], dtype="string"),
            "center": ["BFCK", "BFCK"],
            "active": [True, False],
        }
    )
    ev = evaluate(data, dt.date(2024, 4, 30), RULES)
    got = {(r.kind, r.code): (r.count, r.ids) for r in ev.findings.itertuples()}
    assert got == {
        ("foranstaltning uden fristregel", "BL99"): (2, ["m1", "m2"]),
        ("ukendt ydelseskode", "SEL999"): (1, ["x1"]),  # SEL85.1 falls back to SEL85
        ("naeste_frist ikke efter opfølgningen", "naeste_frist"): (1, ["f1"]),
        ("åben undersøgelse på lukket sag", "c2"): (1, ["u1"]),
        ("ukendt eller inaktiv sagsbehandler", "gone"): (1, ["a1"]),
        ("ukendt eller inaktiv sagsbehandler", "old"): (1, ["c3"]),
    }
    assert members(ev, "K4a") == {"u2": True}  # the investigation on the closed case is left out


def test_no_findings_on_clean_data() -> None:
    data = make_data(
        cases=[C1],
        measures=[
            {"measure_id": "m1", "case_id": "c1", "paragraph": "BL32.1.3", "start_on": "2024-02-01"}
        ],
    )
    ev = evaluate(data, dt.date(2024, 4, 30), RULES)
    assert ev.findings.empty and list(ev.findings.columns) == ["kind", "code", "count", "ids"]


def test_records_exist_from_their_own_start() -> None:
    # issue 10 point 7: the case is registered on 1 Feb, the investigation started and
    # the application was received in January: both exist at 31 Jan
    data = make_data(
        cases=[{**C1, "opened_on": "2024-02-01"}],
        investigations=[{"investigation_id": "u1", "case_id": "c1", "start_on": "2024-01-10"}],
        applications=[
            {
                "application_id": "x1",
                "case_id": "c1",
                "benefit": "BL32",
                "received_on": "2024-01-15",
            }
        ],
    )
    ev = evaluate(data, dt.date(2024, 1, 31), RULES)
    assert members(ev, "K4a") == {"u1": True}
    assert members(ev, "K7a") == {"x1": True}
    assert members(evaluate(data, dt.date(2024, 1, 9), RULES), "K4a") == {}
