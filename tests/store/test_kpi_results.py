"""store.kpi_results: the current cards, the team table and the history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from store import kpi_results
from store.db import bulk_insert
from store.models import EtlRun, KpiResult
from store.runs import current_as_of
from tests.store.query_store import ALL, AS_OF, LOADED_OUTCOME, days, result, run
from vocab import Level, ResultKind, RunStatus


def test_kpi_overview_previous_month(query_store: Engine) -> None:
    df = kpi_results.kpi_overview(query_store, ALL).set_index(["kpi", "center"])
    bfck = df.loc[("K3", "BFCK")]
    assert bfck["numerator"] == 2 and bfck["denominator"] == 3
    assert pd.Timestamp(bfck["as_of"]) == pd.Timestamp(AS_OF)
    # the recomputed month-end wins over the snapshot of the same date
    assert bfck["prev_value"] == pytest.approx(0.25)
    assert pd.Timestamp(bfck["prev_as_of"]) == pd.Timestamp("2026-10-31")
    assert df.loc[("K3", "HCK")]["prev_value"] == pytest.approx(1.0)
    assert df.loc[("K1", "HCK")]["denominator"] == 0
    assert pd.isna(df.loc[("K1", "BFCK")]["prev_value"])


def test_kpi_overview_level_all(query_store: Engine) -> None:
    df = kpi_results.kpi_overview(query_store, ALL, level=Level.ALL)
    assert df[["kpi", "center", "numerator", "denominator"]].values.tolist() == [
        ["K3", "ALL", 3, 5]
    ]


def test_cards_show_the_current_load(query_store: Engine) -> None:
    """The snapshot shown is the one of `current_as_of`, not the newest snapshot date."""
    older = days(-5)  # an older extract loaded last (etl load --allow-older)
    with query_store.begin() as conn:
        bulk_insert(
            conn,
            EtlRun,
            pd.DataFrame(
                [run(4, RunStatus.LOADED, older, dt.datetime(2026, 11, 23), 2, LOADED_OUTCOME)]
            ),
        )
        rows = [
            result(older, ResultKind.SNAPSHOT, "K3", Level.CENTER, "BFCK", "", 3, 3),
            result(older, ResultKind.SNAPSHOT, "K3", Level.TEAM, "BFCK", "T1", 3, 3),
        ]
        bulk_insert(conn, KpiResult, pd.DataFrame(rows))
    assert current_as_of(query_store) == older
    df = kpi_results.kpi_overview(query_store, ALL)
    assert df[["kpi", "center", "numerator", "denominator"]].values.tolist() == [
        ["K3", "BFCK", 3, 3]
    ]
    assert kpi_results.team_table(query_store, ALL)[["team", "numerator"]].values.tolist() == [
        ["T1", 3]
    ]


def test_team_table_worst_first(query_store: Engine) -> None:
    df = kpi_results.team_table(query_store, ALL)
    assert df["team"].tolist() == ["H1", "T1"]
    assert kpi_results.team_table(query_store, ALL, center="BFCK")["team"].tolist() == ["T1"]


def test_trend_includes_all_kinds_and_levels(query_store: Engine) -> None:
    df = kpi_results.kpi_trend(query_store, ALL, kpis=["K3"], centers=["BFCK", "ALL"])
    assert set(df["kind"]) == {"snapshot", "recomputed", "forecast"}
    assert set(df["center"]) == {"BFCK", "ALL"}
    df = kpi_results.kpi_trend(
        query_store, ALL, kpis=["K3"], centers=["HCK"], start=dt.date(2026, 11, 1)
    )
    assert df["as_of"].dt.date.tolist() == [AS_OF]
    df = kpi_results.kpi_trend(query_store, ALL, kpis=["K3"], centers=["BFCK"], end=AS_OF)
    assert "forecast" not in set(df["kind"])


def test_empty_store(db_engine: Engine) -> None:
    assert kpi_results.kpi_overview(db_engine, ALL).empty
    assert kpi_results.team_table(db_engine, ALL).empty
    assert kpi_results.kpi_trend(db_engine, ALL).empty
