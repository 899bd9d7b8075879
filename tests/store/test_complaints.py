"""store.complaints: complaints per month and review campaigns, on both backends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from store import complaints
from tests.store.query_store import ALL


def test_complaints_per_month(query_store: Engine) -> None:
    df = complaints.complaints_per_month(query_store, ALL)
    oct_ = df[df["month"] == pd.Timestamp("2026-10-01")]
    assert int(oct_["n"].sum()) == 2 and int(oct_["upheld"].sum()) == 1
    assert int(oct_["decided"].sum()) == 1
    nov = df[df["month"] == pd.Timestamp("2026-11-01")]
    assert nov["paragraph"].tolist() == ["(uden paragraf)"] and int(nov["upheld"].sum()) == 1
    since = complaints.complaints_per_month(query_store, ALL, start=dt.date(2026, 11, 1))
    assert since["month"].tolist() == [pd.Timestamp("2026-11-01")]
    assert complaints.complaints_per_month(query_store, ALL, center="BFCK")["n"].sum() == 2


def test_review_campaigns_and_burndown(query_store: Engine) -> None:
    assert complaints.review_campaigns(query_store, ALL) == ["C"]
    bd = complaints.review_burndown(query_store, ALL, "C")
    assert bd["remaining"].tolist() == [4, 2, 1]
    assert bd["date"].dt.date.tolist()[1:] == [dt.date(2026, 3, 1), dt.date(2026, 5, 1)]


def test_empty_store(db_engine: Engine) -> None:
    assert complaints.review_burndown(db_engine, ALL, "C").empty
    assert complaints.review_campaigns(db_engine, ALL) == []
    assert complaints.complaints_per_month(db_engine, ALL).empty
