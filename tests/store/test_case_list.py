"""store.case_list: the case list's filters, KPI members, paging and order, and the
filter controls' values, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from store import case_list
from store.case_list import ListFilter, ListStatus, MemberResult
from store.db import bulk_insert
from store.models import EtlRun, Obligation
from store.runs import current_as_of
from tests.store.query_store import (
    ALL,
    AS_OF,
    LOADED_OUTCOME,
    REFUSED_OUTCOME,
    days,
    ids,
    obligation,
    run,
)
from vocab import UNASSIGNED, Kind, Status


def export(engine: Engine, flt: ListFilter) -> list[str]:
    return ids(case_list.list_export(engine, ALL, flt))


def test_status_filters(query_store: Engine) -> None:
    def listed(status: str) -> list[str]:
        return export(query_store, ListFilter(status=status))

    assert listed("overskredet") == ["O1", "O2"]
    assert listed("aaben") == ["O3", "O4", "O7"]
    assert listed("opfyldt") == ["O5", "O6"]
    assert listed("forfalder-7") == ["O3"]
    assert listed("forfalder-30") == ["O3", "O4"]


# ------------------------------------------------------------------ due soon
# Open obligations at the edges of the "due within N days" windows, and obligations
# due inside them that are not open (overdue, met, late, missed): those never count.
DUE_SOON = [
    obligation("today", due_on=AS_OF),  # due today: still open, due soon
    obligation("p1", due_on=days(1)),
    obligation("p7", due_on=days(7)),
    obligation("p8", due_on=days(8)),
    obligation("p14", due_on=days(14)),
    obligation("p15", due_on=days(15)),
    obligation("p30", due_on=days(30)),
    obligation("p31", due_on=days(31)),
    obligation("overdue", status=Status.OVERDUE, due_on=days(-1), days_overdue=1),
    obligation("met", status=Status.MET, due_on=days(3), done_on=days(-1)),
    obligation("late", status=Status.LATE, due_on=days(-4), done_on=days(-1)),
    obligation("missed", status=Status.MISSED, due_on=days(2), kind=Kind.LETTER),
    obligation("other-kind", due_on=days(2), kind=Kind.HANDLEPLAN, center="HCK"),
]


@pytest.fixture
def due_soon_store(db_engine: Engine) -> Engine:
    """The obligations above, loaded by run 1 with extract date AS_OF."""
    with db_engine.begin() as conn:
        bulk_insert(conn, Obligation, pd.DataFrame(DUE_SOON))
        first = run(1, "loaded", AS_OF, dt.datetime(2026, 11, 22, 2), 5, LOADED_OUTCOME)
        bulk_insert(conn, EtlRun, pd.DataFrame([first]))
    return db_engine


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ListStatus.DUE_7, ["Oother-kind", "Op1", "Op7", "Otoday"]),
        (ListStatus.DUE_14, ["Oother-kind", "Op1", "Op14", "Op7", "Op8", "Otoday"]),
        (
            ListStatus.DUE_30,
            ["Oother-kind", "Op1", "Op14", "Op15", "Op30", "Op7", "Op8", "Otoday"],
        ),
    ],
)
def test_due_soon_lists_exactly_the_open_obligations_in_the_window(
    due_soon_store: Engine, status: ListStatus, expected: list[str]
) -> None:
    flt = ListFilter(status=status)
    assert export(due_soon_store, flt) == expected
    assert case_list.list_count(due_soon_store, ALL, flt) == len(expected)
    rows = case_list.list_rows(due_soon_store, ALL, flt, 0, 100)
    assert ids(rows) == expected
    assert set(rows["status"]) == {Status.OPEN}


def test_due_soon_combines_with_the_other_filters(due_soon_store: Engine) -> None:
    flt = ListFilter(status=ListStatus.DUE_7, kind=Kind.FOLLOW_UP, center="BFCK")
    assert export(due_soon_store, flt) == ["Op1", "Op7", "Otoday"]
    to = ListFilter(status=ListStatus.DUE_30, due_from=days(8), due_to=days(15))
    assert export(due_soon_store, to) == ["Op14", "Op15", "Op8"]


def test_due_soon_counts_from_the_current_load(due_soon_store: Engine) -> None:
    """The window starts at the extract date of the newest run that loaded
    (`current_as_of`), not at today's date or a refused run's."""
    with due_soon_store.begin() as conn:
        refused = run(2, "refused", None, dt.datetime(2026, 11, 23, 2), 1, REFUSED_OUTCOME)
        bulk_insert(conn, EtlRun, pd.DataFrame([refused]))
    assert export(due_soon_store, ListFilter(status=ListStatus.DUE_7)) == [
        "Oother-kind",
        "Op1",
        "Op7",
        "Otoday",
    ]
    with due_soon_store.begin() as conn:
        later = run(3, "loaded", days(1), dt.datetime(2026, 11, 23, 3), 5, LOADED_OUTCOME)
        bulk_insert(conn, EtlRun, pd.DataFrame([later]))
    assert current_as_of(due_soon_store) == days(1)
    # window days(1)..days(8): today falls out, p8 comes in
    assert export(due_soon_store, ListFilter(status=ListStatus.DUE_7)) == [
        "Oother-kind",
        "Op1",
        "Op7",
        "Op8",
    ]


def test_unknown_status_is_a_bad_filter(query_store: Engine) -> None:
    with pytest.raises(case_list.BadFilter):
        case_list.list_count(query_store, ALL, ListFilter(status="forfalder-8"))


# ------------------------------------------------------------------ other filters
def test_center_team_caseworker_kind_and_due_filters(query_store: Engine) -> None:
    assert export(query_store, ListFilter(center="HCK")) == ["O2", "O6", "O7"]
    assert export(query_store, ListFilter(center="HCK", team="H1")) == ["O2", "O6"]
    assert export(query_store, ListFilter(caseworker=UNASSIGNED)) == ["O4"]
    assert export(query_store, ListFilter(kind=Kind.HANDLEPLAN)) == ["O3"]
    flt = ListFilter(due_from=AS_OF, due_to=days(30))
    assert export(query_store, flt) == ["O3", "O4"]
    assert case_list.list_count(query_store, ALL, flt) == 2


def test_caseworker_name_joined(query_store: Engine) -> None:
    df = case_list.list_export(query_store, ALL, ListFilter(center="HCK", team="H1"))
    assert set(df["caseworker"]) == {"Bo Dahl"}
    df = case_list.list_export(query_store, ALL, ListFilter(caseworker=UNASSIGNED))
    assert df["caseworker"].tolist() == [UNASSIGNED]


def test_kpi_list_count_equals_card(query_store: Engine) -> None:
    from store import kpi_results

    cards = kpi_results.kpi_overview(query_store, ALL).set_index(["kpi", "center"])
    for center in ("BFCK", "HCK"):
        card = cards.loc[("K3", center)]
        flt = ListFilter(kpi="K3", center=center)
        assert case_list.list_count(query_store, ALL, flt) == card["denominator"]
        met = ListFilter(kpi="K3", center=center, result=MemberResult.MET)
        assert case_list.list_count(query_store, ALL, met) == card["numerator"]
        missed = ListFilter(kpi="K3", center=center, result=MemberResult.NOT_MET)
        assert case_list.list_count(query_store, ALL, missed) == (
            card["denominator"] - card["numerator"]
        )
    # the member without a deciding obligation is still listed
    df = case_list.list_export(query_store, ALL, ListFilter(kpi="K3", center="HCK"))
    assert sorted(df["case_id"]) == ["S2", "S9"]
    assert df["met"].tolist().count(True) == 1
    assert list(df.columns) == list(case_list.LIST_COLUMNS)


# ------------------------------------------------------------------ paging and order
def test_grid_sort_and_paging(query_store: Engine) -> None:
    flt = ListFilter()
    sort = [{"colId": "due_on", "sort": "asc"}]
    everything = export(query_store, flt)
    page1 = case_list.list_rows(query_store, ALL, flt, 0, 3, sort)
    page2 = case_list.list_rows(query_store, ALL, flt, 3, 6, sort)
    page3 = case_list.list_rows(query_store, ALL, flt, 6, 9, sort)
    got = (
        page1["obligation_id"].tolist()
        + page2["obligation_id"].tolist()
        + page3["obligation_id"].tolist()
    )
    assert sorted(got) == everything and len(got) == 7
    dues = pd.to_datetime(pd.concat([page1, page2, page3])["due_on"]).tolist()
    assert dues == sorted(dues)
    desc = case_list.list_rows(
        query_store, ALL, flt, 0, 2, [{"colId": "days_overdue", "sort": "desc"}]
    )
    assert desc["obligation_id"].tolist() == ["O1", "O2"]


def test_default_order_puts_overdue_first(query_store: Engine) -> None:
    df = case_list.list_rows(query_store, ALL, ListFilter(), 0, 10)
    assert df["obligation_id"].tolist() == ["O1", "O2", "O3", "O4", "O7", "O6", "O5"]


def test_default_order_pages_across_status_segments(query_store: Engine) -> None:
    flt = ListFilter()
    whole = case_list.list_export(query_store, ALL, flt)["obligation_id"].tolist()
    pages = [
        case_list.list_rows(query_store, ALL, flt, i, i + 2)["obligation_id"].tolist()
        for i in (0, 2, 4, 6)
    ]
    assert [x for p in pages for x in p] == whole == ["O1", "O2", "O3", "O4", "O7", "O6", "O5"]
    # with a filter, still in the same order and the same rows as the export
    hck = ListFilter(center="HCK")
    assert case_list.list_rows(query_store, ALL, hck, 1, 3)["obligation_id"].tolist() == [
        "O7",
        "O6",
    ]


# ------------------------------------------------------------------ controls
def test_filter_options_and_centers(query_store: Engine) -> None:
    opts = case_list.filter_options(query_store, ALL)
    assert opts["centers"] == ["BFCK", "HCK"]
    assert opts["teams"].values.tolist() == [["BFCK", "T1"], ["HCK", "H1"]]
    workers = opts["caseworkers"][["center", "caseworker_id"]].values.tolist()
    assert workers == [["BFCK", "E1"], ["HCK", "E2"], ["BFCK", UNASSIGNED], ["HCK", UNASSIGNED]]
    assert opts["kinds"] == [str(k) for k in Kind]
    own = case_list.filter_options(query_store, case_list.Scope(caseworker_id="E2"))
    assert own["caseworkers"]["caseworker_id"].tolist() == ["E2"]  # no unassigned
    assert case_list.centers(query_store, ALL) == ["BFCK", "HCK"]
    assert case_list.employee_name(query_store, "E2") == "Bo Dahl"
    assert case_list.employee_name(query_store, UNASSIGNED) is None


def test_empty_store(db_engine: Engine) -> None:
    assert current_as_of(db_engine) is None
    assert case_list.list_count(db_engine, ALL, ListFilter(status=ListStatus.DUE_7)) == 0
    assert case_list.list_rows(db_engine, ALL, ListFilter()).empty
    assert case_list.list_count(db_engine, ALL, ListFilter(kpi="K3")) == 0


def test_sorts_by_the_danish_words_shown(query_store: Engine) -> None:
    """Caseworker by name, kind and status by their Danish names (not ids and codes)."""
    from vocab import KIND_LABELS, STATUS_LABELS

    flt = case_list.ListFilter()
    by_name = case_list.list_rows(
        query_store, ALL, flt, 0, 1000, [{"colId": "caseworker", "sort": "asc"}]
    )
    names = [str(n) for n in by_name["caseworker"]]
    assert names == sorted(names)
    by_kind = case_list.list_rows(
        query_store, ALL, flt, 0, 1000, [{"colId": "kind", "sort": "asc"}]
    )
    words = [KIND_LABELS[k] for k in by_kind["kind"]]
    assert words == sorted(words) and len(set(words)) > 1
    by_status = case_list.list_rows(
        query_store, ALL, flt, 0, 1000, [{"colId": "status", "sort": "desc"}]
    )
    shown = [STATUS_LABELS[s] for s in by_status["status"]]
    assert shown == sorted(shown, reverse=True) and len(set(shown)) > 1


def test_caseworker_load_counts_each_caseworkers_open_work(query_store: Engine) -> None:
    from vocab import Status

    load = case_list.caseworker_load(query_store, ALL, "HCK")
    obligations = case_list.list_export(query_store, ALL, ListFilter(center="HCK"))
    assert load["overdue"].tolist() == sorted(load["overdue"], reverse=True)
    for r in load.head(5).to_dict("records"):
        mine = obligations[obligations["caseworker_id"] == r["caseworker_id"]]
        assert r["overdue"] == int((mine["status"] == Status.OVERDUE).sum())
        active = mine[mine["status"].isin([Status.OPEN, Status.OVERDUE])]
        assert r["open_cases"] == active["case_id"].nunique()
    mine_only = case_list.caseworker_load(
        query_store, case_list.Scope(caseworker_id=str(load["caseworker_id"].iloc[0])), "HCK"
    )
    assert mine_only["caseworker_id"].tolist() == [load["caseworker_id"].iloc[0]]
