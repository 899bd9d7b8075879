"""store.grid_filter: AG Grid filter and sort models to SQL (through the case list's
allow-list) and to Danish."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from store import case_list
from store.case_list import LIST_TITLES, ListFilter
from store.grid_filter import BadFilter, DisallowedColumn, describe_filter_model
from tests.store.query_store import ALL, ids


def export(engine: Engine, filter_model: dict[str, Any]) -> list[str]:
    return ids(case_list.list_export(engine, ALL, ListFilter(), filter_model=filter_model))


def test_grid_filter_model(query_store: Engine) -> None:
    flt = ListFilter()
    text = {"caseworker": {"filterType": "text", "type": "contains", "filter": "dahl"}}
    assert export(query_store, text) == ["O2", "O6"]
    num = {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 5}}
    assert export(query_store, num) == ["O1"]
    date = {
        "due_on": {
            "filterType": "date",
            "type": "inRange",
            "dateFrom": "2026-11-20 00:00:00",
            "dateTo": "2026-12-31 00:00:00",
        }
    }
    assert export(query_store, date) == ["O3", "O4"]
    combined = {
        "days_overdue": {
            "filterType": "number",
            "operator": "OR",
            "conditions": [
                {"filterType": "number", "type": "equals", "filter": 3},
                {"filterType": "number", "type": "equals", "filter": 10},
            ],
        }
    }
    assert export(query_store, combined) == ["O1", "O2"]
    # LIKE wildcards in the value are matched literally
    like = {"rule_text": {"filterType": "text", "type": "contains", "filter": "100%_"}}
    assert export(query_store, like) == ["O7"]
    assert case_list.list_count(query_store, ALL, flt, filter_model=num) == 1


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "notContains", "filter": "BREV"}, ["O1", "O2", "O3", "O4", "O5", "O6"]),
        ({"type": "startsWith", "filter": "brev"}, ["O7"]),
        ({"type": "endsWith", "filter": "_x"}, ["O7"]),
        ({"type": "equals", "filter": "brev 100%_X"}, ["O7"]),
        ({"type": "notEqual", "filter": "Brev 100%_x"}, ["O1", "O2", "O3", "O4", "O5", "O6"]),
        ({"type": "blank"}, []),
        ({"type": "notBlank"}, ["O1", "O2", "O3", "O4", "O5", "O6", "O7"]),
    ],
)
def test_text_operators_ignore_case(
    query_store: Engine, spec: dict[str, Any], expected: list[str]
) -> None:
    assert export(query_store, {"rule_text": {"filterType": "text", **spec}}) == expected


def test_date_blank_and_combined_and(query_store: Engine) -> None:
    assert export(query_store, {"done_on": {"filterType": "date", "type": "notBlank"}}) == [
        "O5",
        "O6",
    ]
    both = {
        "days_overdue": {
            "filterType": "number",
            "operator": "AND",
            "conditions": [
                {"type": "greaterThanOrEqual", "filter": 3},
                {"type": "lessThan", "filter": 10},
            ],
        }
    }
    assert export(query_store, both) == ["O2"]


def test_values_are_bound_not_interpolated(query_store: Engine) -> None:
    evil = {"case_id": {"filterType": "text", "type": "equals", "filter": "x' OR '1'='1"}}
    assert case_list.list_count(query_store, ALL, ListFilter(), filter_model=evil) == 0
    assert case_list.list_count(query_store, ALL, ListFilter(center="x' OR '1'='1")) == 0


@pytest.mark.parametrize(
    ("sort", "filt"),
    [
        ([{"colId": "obligations.cpr_masked; drop table cases", "sort": "asc"}], None),
        ([{"colId": "as_of", "sort": "asc"}], None),
        (None, {"source_id": {"filterType": "text", "type": "equals", "filter": "x"}}),
    ],
)
def test_non_allow_listed_columns_rejected(
    query_store: Engine, sort: list[dict[str, str]] | None, filt: dict[str, object] | None
) -> None:
    with pytest.raises(DisallowedColumn):
        case_list.list_rows(query_store, ALL, ListFilter(), 0, 10, sort, filt)


@pytest.mark.parametrize(
    "bad",
    [
        {"days_overdue": {"filterType": "number", "type": "regex", "filter": 1}},
        {"days_overdue": {"filterType": "number", "type": "equals", "filter": "many"}},
        {"days_overdue": {"filterType": "number", "type": "inRange", "filter": 1}},
        {"due_on": {"filterType": "date", "type": "equals", "dateFrom": "21/11/2026"}},
        {"days_overdue": {"filterType": "text", "type": "contains", "filter": "1"}},  # not text
        {"met": {"filterType": "text", "type": "equals", "filter": "true"}},
        {"case_id": "S1"},
    ],
)
def test_bad_filter_rejected(query_store: Engine, bad: dict[str, Any]) -> None:
    flt = ListFilter(kpi="K3")
    with pytest.raises(BadFilter):
        case_list.list_count(query_store, ALL, flt, filter_model=bad)


def test_bad_sort_rejected(query_store: Engine) -> None:
    with pytest.raises(BadFilter):
        case_list.list_rows(
            query_store, ALL, ListFilter(), 0, 5, [{"colId": "due_on", "sort": "sideways"}]
        )


def test_caseworker_sorts_by_id_and_filters_by_name_or_id(query_store: Engine) -> None:
    df = case_list.list_rows(
        query_store, ALL, ListFilter(), 0, 10, [{"colId": "caseworker", "sort": "desc"}]
    )
    assert df["caseworker_id"].tolist() == sorted(df["caseworker_id"], reverse=True)
    by_id = {"caseworker": {"filterType": "text", "type": "equals", "filter": "ufordelt"}}
    assert export(query_store, by_id) == ["O4"]


# ------------------------------------------------------------------ descriptions
@pytest.mark.parametrize(
    ("filter_model", "expected"),
    [
        (
            {"caseworker": {"filterType": "text", "type": "contains", "filter": "jens"}},
            ["Sagsbehandler indeholder 'jens'"],
        ),
        (
            {"rule_text": {"filterType": "text", "type": "startsWith", "filter": "Brev"}},
            ["Hvorfor begynder med 'Brev'"],
        ),
        (
            {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 5}},
            ["Dage over er større end 5"],
        ),
        (
            {"days_overdue": {"filterType": "number", "type": "lessThanOrEqual", "filter": 2.5}},
            ["Dage over er højst 2,5"],
        ),
        (
            {
                "due_on": {
                    "filterType": "date",
                    "type": "inRange",
                    "dateFrom": "2026-11-20 00:00:00",
                    "dateTo": "2026-12-31 00:00:00",
                }
            },
            ["Frist er fra 20.11.2026 til 31.12.2026"],
        ),
        (
            {"done_on": {"filterType": "date", "type": "blank"}},
            ["Udført er tom"],
        ),
        (
            {
                "days_overdue": {
                    "filterType": "number",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "number", "type": "equals", "filter": 3},
                        {"filterType": "number", "type": "equals", "filter": 10},
                    ],
                },
                "team": {"filterType": "text", "type": "notEqual", "filter": "H2"},
            },
            ["Dage over er 3 eller er 10", "Team er ikke 'H2'"],
        ),
        (None, []),
    ],
)
def test_describe_filter_model(filter_model: dict[str, Any] | None, expected: list[str]) -> None:
    assert describe_filter_model(filter_model, LIST_TITLES) == expected
    assert case_list.describe_list_filter(filter_model) == expected


def test_describe_without_titles_names_the_field() -> None:
    model = {"case_id": {"filterType": "text", "type": "equals", "filter": "S1"}}
    assert describe_filter_model(model) == ["case_id er 'S1'"]


def test_describe_refuses_what_the_sql_refuses() -> None:
    with pytest.raises(BadFilter):
        describe_filter_model({"days_overdue": {"filterType": "number", "type": "regex"}})
    with pytest.raises(BadFilter):
        describe_filter_model({"days_overdue": {"filterType": "number", "type": "equals"}})
