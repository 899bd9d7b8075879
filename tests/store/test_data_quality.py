"""store.data_quality: runs, freshness and problems, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from store import data_quality
from store.data_quality import Freshness
from tests.store.query_store import ALL, AS_OF, LOADED_OUTCOME, REFUSED_OUTCOME


def test_freshness_is_the_current_load(query_store: Engine) -> None:
    fresh = data_quality.freshness(query_store, ALL)
    assert fresh.run_id == 2 and fresh.extract_date == AS_OF  # run 3 was refused
    assert fresh.last_loaded_at == dt.datetime(2026, 11, 22, 2, 5)
    assert not fresh.is_stale(dt.datetime(2026, 11, 23, 2, 0), 36)
    assert fresh.is_stale(dt.datetime(2026, 11, 24, 2, 0), 36)
    assert fresh.age_hours(dt.datetime(2026, 11, 22, 4, 5)) == 2
    assert Freshness(None, None, None).is_stale(dt.datetime(2026, 1, 1), 36)


def test_problems(query_store: Engine) -> None:
    rules = data_quality.problems_by_rule(query_store, ALL)
    assert rules[["rule", "n"]].values.tolist() == [["cpr-invalid", 2], ["enum", 1]]
    assert rules["files"].tolist() == [1, 1] and set(rules["run_id"]) == {2}
    assert data_quality.problems_by_rule(query_store, ALL, run_id=1).empty
    rows = data_quality.problem_rows(query_store, ALL, 2, "cpr-invalid")
    assert rows["line"].tolist() == [3, 9] and set(rows["value"]) == {"010203-XXXX", "020304-XXXX"}
    assert len(data_quality.problem_rows(query_store, ALL, 2)) == 3
    assert len(data_quality.problem_rows(query_store, ALL, 2, limit=1)) == 1


def test_etl_runs_with_their_outcome(query_store: Engine) -> None:
    runs = data_quality.etl_runs(query_store, ALL)
    assert runs["run_id"].tolist() == [3, 2, 1]
    assert list(runs.columns) == list(data_quality.RUN_COLUMNS)
    assert runs["outcome"].tolist() == [REFUSED_OUTCOME, LOADED_OUTCOME, LOADED_OUTCOME]
    assert runs["rows_loaded"].tolist() == [{}, {}, {}]
    assert data_quality.etl_runs(query_store, ALL, limit=1)["run_id"].tolist() == [3]


def test_empty_store(db_engine: Engine) -> None:
    assert data_quality.freshness(db_engine, ALL).last_loaded_at is None
    assert data_quality.problems_by_rule(db_engine, ALL).empty
    assert data_quality.etl_runs(db_engine, ALL).empty
