"""store.calendar (the deadline calendar): open obligations counted per due date and window,
statuses counted. (Named apart from tests/monitoring/test_calendar.py: test basenames are unique.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from store import calendar
from store.scope import Scope
from tests.store.query_store import ALL, AS_OF, days


def test_open_obligations_due(query_store: Engine) -> None:
    df = calendar.open_obligations_due(query_store, ALL, AS_OF, days(90))
    assert int(df["n"].sum()) == 3  # O3, O4, O7 (open); overdue and done are not due ahead
    df = calendar.open_obligations_due(query_store, ALL, AS_OF, days(90), center="HCK")
    assert df["kind"].tolist() == ["letter"]
    df = calendar.open_obligations_due(query_store, ALL, days(5), days(20))
    assert sorted(df["due_on"].dt.date) == [days(5), days(20)]  # the ends are included


def test_open_due_buckets(query_store: Engine) -> None:
    windows = [(AS_OF, days(9)), (days(10), days(29))]
    df = calendar.open_due_buckets(query_store, ALL, windows, "kind")
    got = sorted(map(tuple, df[["kind", "bucket", "n"]].values.tolist()))
    assert got == [("follow-up", 1, 1), ("handleplan", 0, 1)]  # O3 (+5), O4 (+20); O7 is +60
    teams = calendar.open_due_buckets(
        query_store, Scope(centers=frozenset({"HCK"})), windows, "team"
    )
    assert teams.empty
    assert calendar.open_due_buckets(query_store, ALL, [], "kind").empty
    with pytest.raises(ValueError):
        calendar.open_due_buckets(query_store, ALL, windows, "cpr_masked")


def test_status_counts(query_store: Engine) -> None:
    df = calendar.status_counts(query_store, ALL)
    got = sorted(map(tuple, df[["center", "kind", "status", "n"]].values.tolist()))
    assert got == [
        ("BFCK", "follow-up", "met", 1),
        ("BFCK", "follow-up", "open", 1),
        ("BFCK", "follow-up", "overdue", 1),
        ("BFCK", "handleplan", "open", 1),
        ("HCK", "follow-up", "late", 1),
        ("HCK", "follow-up", "overdue", 1),
        ("HCK", "letter", "open", 1),
    ]
    letters = calendar.status_counts(query_store, ALL, kinds=["letter"])
    assert letters[["center", "status", "n"]].values.tolist() == [["HCK", "open", 1]]
