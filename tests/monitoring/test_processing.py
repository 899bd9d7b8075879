"""Processing deadlines (issue 10 point 5): calendar weeks/months moved to the next working
day, working-day entries, benefit codes normalised with family fallback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from monitoring import evaluate, load_rules
from monitoring.calendar import add_deadline
from monitoring.rules import normalise_code
from tests.monitoring.rows import ADULT, make_data, ob_rows

RULES = load_rules()


@pytest.mark.parametrize(
    ("received", "unit", "amount", "expected", "why"),
    [
        ("2024-02-05", "weeks", 8, "2024-04-02", "56 days = Easter Monday -> Tuesday"),
        ("2024-02-06", "weeks", 8, "2024-04-02", "56 days = Tuesday, a working day"),
        ("2013-06-07", "weeks", 8, "2013-08-02", "56 calendar days, no holiday shift"),
        ("2024-03-30", "weeks", 1, "2024-04-08", "a Saturday + 7 days = Saturday -> Monday"),
        ("2024-01-01", "months", 3, "2024-04-02", "3 months = Easter Monday -> Tuesday"),
        ("2023-11-30", "months", 3, "2024-02-29", "month-end clamping"),
        ("2024-03-27", "working_days", 5, "2024-04-08", "Easter days are not working days"),
        ("2024-03-30", "working_days", 1, "2024-04-02", "receipt on a day off = day 0"),
    ],
)
def test_add_deadline(received: str, unit: str, amount: int, expected: str, why: str) -> None:
    got = add_deadline(pd.Series([pd.Timestamp(received)]), np.array([unit]), np.array([amount]))
    assert got.iloc[0] == pd.Timestamp(expected), why


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SEL § 85", "SEL85"),
        ("sel85", "SEL85"),
        ("SEL85", "SEL85"),
        ("SEL85.1", "SEL85.1"),
        ("Serviceloven § 52, stk. 3, nr. 7", "SEL52.3.7"),
        ("BL 32", "BL32"),
        ("barnets lov § 47", "BL47"),
        (" x 1 ", "X1"),
    ],
)
def test_normalise_code(text: str, code: str) -> None:
    assert normalise_code(text) == code


@pytest.mark.parametrize(
    ("benefit", "entry", "weeks"),
    [
        ("SEL § 85", "SEL85", 6),
        ("sel85", "SEL85", 6),
        ("SEL85.1", "SEL85", 6),  # family fallback
        ("SEL110", "SEL110", None),  # working days
        ("UKENDT", None, 12),  # the default, and a finding
        ("", None, 12),
    ],
)
def test_benefit_code_lookup(benefit: str, entry: str | None, weeks: int | None) -> None:
    assert RULES.deadline_code(benefit) == entry
    deadline = RULES.deadline(benefit)
    if weeks is None:
        assert (deadline.unit, deadline.count) == ("working_days", 5)
    else:
        assert (deadline.unit, deadline.count) == ("weeks", weeks)


@pytest.mark.parametrize(
    ("benefit", "received", "due", "rule_id"),
    [
        ("SEL § 85", "2024-02-19", "2024-04-02", "RTSL3-SEL85"),  # 6 weeks = Easter Monday
        ("sel85", "2024-02-19", "2024-04-02", "RTSL3-SEL85"),
        ("SEL85.1", "2024-02-19", "2024-04-02", "RTSL3-SEL85"),
        ("SEL42", "2024-02-05", "2024-04-02", "RTSL3-SEL42"),  # 8 weeks = Easter Monday
        ("SEL110", "2024-03-27", "2024-04-08", "RTSL3-SEL110"),  # 5 working days
        ("UKENDT", "2024-01-08", "2024-04-02", "RTSL3-standard"),  # 12 weeks = Easter Monday
    ],
)
def test_processing_due_dates(benefit: str, received: str, due: str, rule_id: str) -> None:
    data = make_data(
        cases=[ADULT],
        applications=[
            {"application_id": "x", "case_id": "a1", "benefit": benefit, "received_on": received}
        ],
    )
    ev = evaluate(data, dt.date(2024, 4, 30), RULES)
    assert ob_rows(ev)["pr:x"][0] == due
    ob = ev.obligations.set_index("obligation_id")
    assert ob.loc["pr:x", "rule_id"] == rule_id
