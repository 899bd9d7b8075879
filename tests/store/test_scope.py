"""store.scope: the viewer's scope narrows every page query, never widens it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, false

from store import case_list, complaints, kpi_results
from store.case_list import ListFilter
from store.models import Obligation
from store.scope import Scope
from tests.store.query_store import ALL, ids


def test_scope_where_clauses() -> None:
    assert Scope.everything().where(Obligation.center, Obligation.caseworker_id) == []
    hck = Scope(centers=frozenset({"HCK", "BFCK"})).where(Obligation.center)
    assert len(hck) == 1 and hck[0].compare(Obligation.center.in_(["BFCK", "HCK"]))
    nothing = Scope(centers=frozenset()).where(Obligation.center)
    assert len(nothing) == 1 and nothing[0].compare(false())
    # a caseworker scope on a table without a caseworker column sees nothing
    (clause,) = Scope(caseworker_id="E2").where(Obligation.center)
    assert clause.compare(false())


@pytest.mark.parametrize("scope", [Scope(centers=frozenset()), Scope(caseworker_id="nobody")])
def test_an_empty_scope_sees_nothing(query_store: Engine, scope: Scope) -> None:
    assert case_list.list_count(query_store, scope, ListFilter()) == 0
    assert kpi_results.kpi_overview(query_store, scope).empty


def test_scope_limits_every_list(query_store: Engine) -> None:
    hck = Scope(centers=frozenset({"HCK"}))
    assert ids(case_list.list_export(query_store, hck, ListFilter())) == ["O2", "O6", "O7"]
    # a filter for another center cannot widen the scope
    assert case_list.list_count(query_store, hck, ListFilter(center="BFCK")) == 0
    worker = Scope(caseworker_id="E2")
    assert ids(case_list.list_export(query_store, worker, ListFilter())) == ["O2", "O6"]
    nothing = Scope(centers=frozenset())
    assert case_list.list_count(query_store, nothing, ListFilter()) == 0
    assert kpi_results.kpi_overview(query_store, hck)["center"].unique().tolist() == ["HCK"]
    assert case_list.filter_options(query_store, hck)["centers"] == ["HCK"]
    df = complaints.complaints_per_month(query_store, hck)
    assert df["center"].unique().tolist() == ["HCK"] and int(df["n"].sum()) == 1


def test_cpr_masked_unless_scope_allows(query_store: Engine) -> None:
    flt = ListFilter(center="HCK", team="H1")
    masked = case_list.list_export(query_store, ALL, flt)
    assert set(masked["cpr"]) == {"010203-XXXX"}
    full = case_list.list_export(query_store, Scope(can_see_cpr=True), flt)
    assert set(full["cpr"]) == {"0102031234"}


def test_caseworker_scope_sees_own_kpis_only(query_store: Engine) -> None:
    mine = kpi_results.kpi_overview(query_store, Scope(caseworker_id="E2"))
    assert mine[["kpi", "center", "numerator", "denominator"]].values.tolist() == [
        ["K3", "HCK", 1, 2]
    ]
    # the team table shows the caseworker's own figure only
    team = kpi_results.team_table(query_store, Scope(caseworker_id="E2"))
    assert team["numerator"].tolist() == [1]
    assert kpi_results.kpi_trend(query_store, Scope(caseworker_id="E2"), centers=["ALL"]).empty
