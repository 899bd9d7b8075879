"""The dashboard query layer on SQLite and PostgreSQL: filters, scope, grid models, paging."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from store import queries as q
from store.db import bulk_insert
from store.models import (
    Case,
    Complaint,
    Employee,
    EtlRun,
    KpiMember,
    KpiResult,
    Obligation,
    Problem,
    Review,
)

AS_OF = dt.date(2026, 11, 21)
ALL = q.Scope.everything()


def _ob(i: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "obligation_id": f"O{i}",
        "as_of": AS_OF,
        "kind": "follow-up",
        "case_id": f"S{i}",
        "target_group": "born",
        "center": "BFCK",
        "team": "T1",
        "caseworker_id": "E1",
        "cpr_masked": "010203-XXXX",
        "due_on": AS_OF,
        "done_on": None,
        "status": "open",
        "days_overdue": 0,
        "rule_id": "r",
        "law": "BL",
        "paragraph": "BL95",
        "rule_text": "Opfølgning (BL § 95)",
    }
    row.update(kw)
    return row


OBLIGATIONS = [
    _ob(1, status="overdue", due_on=AS_OF - dt.timedelta(days=10), days_overdue=10),
    _ob(
        2,
        status="overdue",
        due_on=AS_OF - dt.timedelta(days=3),
        days_overdue=3,
        center="HCK",
        team="H1",
        caseworker_id="E2",
    ),
    _ob(3, status="open", due_on=AS_OF + dt.timedelta(days=5), kind="handleplan"),
    _ob(4, status="open", due_on=AS_OF + dt.timedelta(days=20), caseworker_id="ufordelt"),
    _ob(
        5, status="met", due_on=AS_OF - dt.timedelta(days=30), done_on=AS_OF - dt.timedelta(days=31)
    ),
    _ob(
        6,
        status="late",
        due_on=AS_OF - dt.timedelta(days=30),
        done_on=AS_OF - dt.timedelta(days=2),
        center="HCK",
        team="H1",
        caseworker_id="E2",
    ),
    _ob(
        7,
        status="open",
        due_on=AS_OF + dt.timedelta(days=60),
        kind="letter",
        center="HCK",
        team="H2",
        caseworker_id="E3",
        rule_text="Brev 100%_x",
    ),
]


def _members() -> pd.DataFrame:
    rows = [
        ("K3", "S1", "BFCK", "T1", "E1", False, "O1"),
        ("K3", "S5", "BFCK", "T1", "E1", True, "O5"),
        ("K3", "S3", "BFCK", "T1", "E1", True, "O3"),
        ("K3", "S2", "HCK", "H1", "E2", False, "O2"),
        ("K3", "S9", "HCK", "H1", "E2", True, None),  # no deciding obligation
        ("K1", "S3", "BFCK", "T1", "E1", True, "O3"),
    ]
    df = pd.DataFrame(
        rows, columns=["kpi", "case_id", "center", "team", "caseworker_id", "met", "obligation_id"]
    )
    df["unit_id"] = df["case_id"]
    df["as_of"] = AS_OF
    old = df.iloc[:2].assign(as_of=AS_OF - dt.timedelta(days=1))  # an older snapshot: ignored
    return pd.concat([df, old], ignore_index=True)


def _result(
    as_of: dt.date, kind: str, kpi: str, level: str, center: str, team: str, num: int, den: int
) -> dict[str, object]:
    return {
        "as_of": as_of,
        "kind": kind,
        "kpi": kpi,
        "level": level,
        "center": center,
        "team": team,
        "caseworker_id": "",
        "numerator": num,
        "denominator": den,
        "value": num / den if den else None,
        "target": 0.95,
    }


RESULTS = [
    _result(AS_OF, "snapshot", "K3", "center", "BFCK", "", 2, 3),
    _result(AS_OF, "snapshot", "K3", "center", "HCK", "", 1, 2),
    _result(AS_OF, "snapshot", "K1", "center", "BFCK", "", 1, 1),
    _result(AS_OF, "snapshot", "K1", "center", "HCK", "", 0, 0),
    _result(AS_OF, "snapshot", "K3", "all", "ALL", "", 3, 5),
    _result(AS_OF, "snapshot", "K3", "team", "BFCK", "T1", 2, 3),
    _result(AS_OF, "snapshot", "K3", "team", "HCK", "H1", 1, 2),
    _result(dt.date(2026, 10, 31), "snapshot", "K3", "center", "BFCK", "", 1, 2),
    _result(dt.date(2026, 10, 31), "recomputed", "K3", "center", "BFCK", "", 1, 4),
    _result(dt.date(2026, 10, 15), "recomputed", "K3", "center", "HCK", "", 1, 1),
    _result(dt.date(2026, 12, 31), "forecast", "K3", "center", "BFCK", "", 1, 3),
    {**_result(AS_OF, "snapshot", "K3", "caseworker", "HCK", "H1", 1, 2), "caseworker_id": "E2"},
]


@pytest.fixture
def store(db_engine: Engine) -> Engine:
    with db_engine.begin() as conn:
        bulk_insert(
            conn,
            Employee,
            pd.DataFrame(
                [
                    {
                        "employee_id": "E1",
                        "name": "Anna Berg",
                        "center": "BFCK",
                        "team": "T1",
                        "active": True,
                    },
                    {
                        "employee_id": "E2",
                        "name": "Bo Dahl",
                        "center": "HCK",
                        "team": "H1",
                        "active": True,
                    },
                ]
            ),
        )
        bulk_insert(
            conn,
            Case,
            pd.DataFrame(
                [
                    {
                        "case_id": f"S{i}",
                        "cpr": "0102031234",
                        "target_group": "born",
                        "center": "HCK" if i in (2, 6, 7) else "BFCK",
                        "team": "T1",
                        "caseworker_id": "E1",
                        "opened_on": dt.date(2025, 1, 1),
                        "acute": False,
                    }
                    for i in range(1, 10)
                ]
            ),
        )
        bulk_insert(conn, Obligation, pd.DataFrame(OBLIGATIONS))
        bulk_insert(conn, KpiMember, _members())
        bulk_insert(conn, KpiResult, pd.DataFrame(RESULTS))
        bulk_insert(
            conn,
            Complaint,
            pd.DataFrame(
                [
                    {
                        "complaint_id": "K1",
                        "case_id": "S1",
                        "paragraph": "BL32",
                        "complaint_type": "realitet",
                        "received_on": dt.date(2026, 10, 3),
                        "outcome": "medhold",
                        "decided_on": dt.date(2026, 11, 1),
                    },
                    {
                        "complaint_id": "K2",
                        "case_id": "S1",
                        "paragraph": "BL32",
                        "complaint_type": "realitet",
                        "received_on": dt.date(2026, 10, 20),
                        "outcome": "afvist",
                        "decided_on": None,
                    },
                    {
                        "complaint_id": "K3",
                        "case_id": "S2",
                        "paragraph": None,
                        "complaint_type": "formalitet",
                        "received_on": dt.date(2026, 11, 2),
                        "outcome": "delvist",
                        "decided_on": None,
                    },
                ]
            ),
        )
        bulk_insert(
            conn,
            Review,
            pd.DataFrame(
                [
                    {"case_id": "S1", "campaign": "C", "reviewed_on": dt.date(2026, 3, 1)},
                    {"case_id": "S3", "campaign": "C", "reviewed_on": dt.date(2026, 3, 1)},
                    {"case_id": "S4", "campaign": "C", "reviewed_on": dt.date(2026, 5, 1)},
                    {"case_id": "S5", "campaign": "C", "reviewed_on": None},
                ]
            ),
        )
        bulk_insert(
            conn,
            EtlRun,
            pd.DataFrame(
                [
                    {
                        "run_id": 1,
                        "started_at": dt.datetime(2026, 11, 20, 2, 0),
                        "finished_at": dt.datetime(2026, 11, 20, 2, 4),
                        "status": "loaded",
                        "source_path": "/x",
                        "extract_date": dt.date(2026, 11, 19),
                        "file_hashes": "{}",
                        "rows_loaded": "{}",
                        "rows_rejected": "{}",
                    },
                    {
                        "run_id": 2,
                        "started_at": dt.datetime(2026, 11, 22, 2, 0),
                        "finished_at": dt.datetime(2026, 11, 22, 2, 5),
                        "status": "loaded",
                        "source_path": "/y",
                        "extract_date": dt.date(2026, 11, 21),
                        "file_hashes": "{}",
                        "rows_loaded": "{}",
                        "rows_rejected": "{}",
                    },
                    {
                        "run_id": 3,
                        "started_at": dt.datetime(2026, 11, 22, 3, 0),
                        "finished_at": dt.datetime(2026, 11, 22, 3, 1),
                        "status": "refused",
                        "source_path": "/z",
                        "extract_date": None,
                        "file_hashes": "{}",
                        "rows_loaded": "{}",
                        "rows_rejected": "{}",
                    },
                ]
            ),
        )
        bulk_insert(
            conn,
            Problem,
            pd.DataFrame(
                [
                    {
                        "run_id": 2,
                        "file": "sager.csv",
                        "line": 3,
                        "column": "cpr",
                        "value": "010203-XXXX",
                        "rule": "cpr-invalid",
                        "message": "Ugyldigt CPR",
                        "severity": "error",
                    },
                    {
                        "run_id": 2,
                        "file": "sager.csv",
                        "line": 9,
                        "column": "cpr",
                        "value": "020304-XXXX",
                        "rule": "cpr-invalid",
                        "message": "Ugyldigt CPR",
                        "severity": "error",
                    },
                    {
                        "run_id": 2,
                        "file": "klager.csv",
                        "line": 2,
                        "column": "udfald",
                        "value": "x",
                        "rule": "enum",
                        "message": "Ukendt udfald",
                        "severity": "warning",
                    },
                ]
            ),
        )
    return db_engine


def ids(df: pd.DataFrame) -> list[str]:
    return sorted(df["obligation_id"].dropna().tolist())


def test_status_filters(store: Engine) -> None:
    def run(status: str) -> list[str]:
        return ids(q.list_export(store, ALL, q.ListFilter(status=status)))

    assert run("overskredet") == ["O1", "O2"]
    assert run("aaben") == ["O3", "O4", "O7"]
    assert run("opfyldt") == ["O5", "O6"]
    assert run("forfalder-7") == ["O3"]
    assert run("forfalder-30") == ["O3", "O4"]


def test_center_team_caseworker_kind_and_due_filters(store: Engine) -> None:
    assert ids(q.list_export(store, ALL, q.ListFilter(center="HCK"))) == ["O2", "O6", "O7"]
    assert ids(q.list_export(store, ALL, q.ListFilter(center="HCK", team="H1"))) == ["O2", "O6"]
    assert ids(q.list_export(store, ALL, q.ListFilter(caseworker="ufordelt"))) == ["O4"]
    assert ids(q.list_export(store, ALL, q.ListFilter(kind="handleplan"))) == ["O3"]
    flt = q.ListFilter(due_from=AS_OF, due_to=AS_OF + dt.timedelta(days=30))
    assert ids(q.list_export(store, ALL, flt)) == ["O3", "O4"]
    assert q.list_count(store, ALL, flt) == 2


def test_caseworker_name_joined(store: Engine) -> None:
    df = q.list_export(store, ALL, q.ListFilter(center="HCK", team="H1"))
    assert set(df["caseworker"]) == {"Bo Dahl"}
    df = q.list_export(store, ALL, q.ListFilter(caseworker="ufordelt"))
    assert df["caseworker"].tolist() == ["ufordelt"]


def test_scope_limits_every_list(store: Engine) -> None:
    hck = q.Scope(centers=frozenset({"HCK"}))
    assert ids(q.list_export(store, hck, q.ListFilter())) == ["O2", "O6", "O7"]
    # a filter for another center cannot widen the scope
    assert q.list_count(store, hck, q.ListFilter(center="BFCK")) == 0
    worker = q.Scope(caseworker_id="E2")
    assert ids(q.list_export(store, worker, q.ListFilter())) == ["O2", "O6"]
    nothing = q.Scope(centers=frozenset())
    assert q.list_count(store, nothing, q.ListFilter()) == 0
    assert q.kpi_overview(store, hck)["center"].unique().tolist() == ["HCK"]
    assert q.filter_options(store, hck)["centers"] == ["HCK"]
    df = q.complaints_per_month(store, hck)
    assert df["center"].unique().tolist() == ["HCK"] and int(df["n"].sum()) == 1


def test_cpr_masked_unless_scope_allows(store: Engine) -> None:
    masked = q.list_export(store, ALL, q.ListFilter(center="HCK", team="H1"))
    assert set(masked["cpr"]) == {"010203-XXXX"}
    full = q.list_export(store, q.Scope(can_see_cpr=True), q.ListFilter(center="HCK", team="H1"))
    assert set(full["cpr"]) == {"0102031234"}


def test_kpi_list_count_equals_card(store: Engine) -> None:
    cards = q.kpi_overview(store, ALL).set_index(["kpi", "center"])
    for center in ("BFCK", "HCK"):
        card = cards.loc[("K3", center)]
        flt = q.ListFilter(kpi="K3", center=center)
        assert q.list_count(store, ALL, flt) == card["denominator"]
        assert (
            q.list_count(store, ALL, q.ListFilter(kpi="K3", center=center, result="opfyldt"))
            == card["numerator"]
        )
        missed = q.ListFilter(kpi="K3", center=center, result="ikke-opfyldt")
        assert q.list_count(store, ALL, missed) == card["denominator"] - card["numerator"]
    # the member without a deciding obligation is still listed
    df = q.list_export(store, ALL, q.ListFilter(kpi="K3", center="HCK"))
    assert sorted(df["case_id"]) == ["S2", "S9"]
    assert df["met"].tolist().count(True) == 1


def test_kpi_overview_previous_month(store: Engine) -> None:
    df = q.kpi_overview(store, ALL).set_index(["kpi", "center"])
    bfck = df.loc[("K3", "BFCK")]
    assert bfck["numerator"] == 2 and bfck["denominator"] == 3
    # the recomputed month-end wins over the snapshot of the same date
    assert bfck["prev_value"] == pytest.approx(0.25)
    assert pd.Timestamp(bfck["prev_as_of"]) == pd.Timestamp("2026-10-31")
    assert df.loc[("K3", "HCK")]["prev_value"] == pytest.approx(1.0)
    assert df.loc[("K1", "HCK")]["denominator"] == 0
    assert pd.isna(df.loc[("K1", "BFCK")]["prev_value"])


def test_team_table_worst_first(store: Engine) -> None:
    df = q.team_table(store, ALL)
    assert df["team"].tolist() == ["H1", "T1"]


def test_trend_includes_all_kinds_and_levels(store: Engine) -> None:
    df = q.kpi_trend(store, ALL, kpis=["K3"], centers=["BFCK", "ALL"])
    assert set(df["kind"]) == {"snapshot", "recomputed", "forecast"}
    assert set(df["center"]) == {"BFCK", "ALL"}
    df = q.kpi_trend(store, ALL, kpis=["K3"], centers=["HCK"], start=dt.date(2026, 11, 1))
    assert df["as_of"].dt.date.tolist() == [AS_OF]


def test_grid_sort_and_paging(store: Engine) -> None:
    flt = q.ListFilter()
    sort = [{"colId": "due_on", "sort": "asc"}]
    everything = ids(q.list_export(store, ALL, flt))
    page1 = q.list_rows(store, ALL, flt, 0, 3, sort)
    page2 = q.list_rows(store, ALL, flt, 3, 6, sort)
    page3 = q.list_rows(store, ALL, flt, 6, 9, sort)
    got = (
        page1["obligation_id"].tolist()
        + page2["obligation_id"].tolist()
        + page3["obligation_id"].tolist()
    )
    assert sorted(got) == everything and len(got) == 7
    dues = pd.to_datetime(pd.concat([page1, page2, page3])["due_on"]).tolist()
    assert dues == sorted(dues)
    desc = q.list_rows(store, ALL, flt, 0, 2, [{"colId": "days_overdue", "sort": "desc"}])
    assert desc["obligation_id"].tolist() == ["O1", "O2"]


def test_grid_filter_model(store: Engine) -> None:
    flt = q.ListFilter()
    text = {"caseworker": {"filterType": "text", "type": "contains", "filter": "dahl"}}
    assert ids(q.list_export(store, ALL, flt, filter_model=text)) == ["O2", "O6"]
    num = {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 5}}
    assert ids(q.list_export(store, ALL, flt, filter_model=num)) == ["O1"]
    date = {
        "due_on": {
            "filterType": "date",
            "type": "inRange",
            "dateFrom": "2026-11-20 00:00:00",
            "dateTo": "2026-12-31 00:00:00",
        }
    }
    assert ids(q.list_export(store, ALL, flt, filter_model=date)) == ["O3", "O4"]
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
    assert ids(q.list_export(store, ALL, flt, filter_model=combined)) == ["O1", "O2"]
    # LIKE wildcards in the value are matched literally
    like = {"rule_text": {"filterType": "text", "type": "contains", "filter": "100%_"}}
    assert ids(q.list_export(store, ALL, flt, filter_model=like)) == ["O7"]
    assert q.list_count(store, ALL, flt, filter_model=num) == 1


def test_values_are_bound_not_interpolated(store: Engine) -> None:
    evil = {"case_id": {"filterType": "text", "type": "equals", "filter": "x' OR '1'='1"}}
    assert q.list_count(store, ALL, q.ListFilter(), filter_model=evil) == 0
    assert q.list_count(store, ALL, q.ListFilter(center="x' OR '1'='1")) == 0


@pytest.mark.parametrize(
    ("sort", "filt"),
    [
        ([{"colId": "obligations.cpr_masked; drop table cases", "sort": "asc"}], None),
        ([{"colId": "as_of", "sort": "asc"}], None),
        (None, {"source_id": {"filterType": "text", "type": "equals", "filter": "x"}}),
    ],
)
def test_non_allow_listed_columns_rejected(
    store: Engine, sort: list[dict[str, str]] | None, filt: dict[str, object] | None
) -> None:
    with pytest.raises(q.DisallowedColumn):
        q.list_rows(store, ALL, q.ListFilter(), 0, 10, sort, filt)


def test_bad_filter_rejected(store: Engine) -> None:
    bad = {"days_overdue": {"filterType": "number", "type": "regex", "filter": 1}}
    with pytest.raises(q.BadFilter):
        q.list_count(store, ALL, q.ListFilter(), filter_model=bad)
    with pytest.raises(q.BadFilter):
        q.list_rows(store, ALL, q.ListFilter(), 0, 5, [{"colId": "due_on", "sort": "sideways"}])


def test_list_filter_url_round_trip() -> None:
    params = {
        "sagsbehandler": "E1",
        "status": "overskredet",
        "forfald_fra": "2026-12-01",
        "kpi": "K3",
        "resultat": "ikke-opfyldt",
        "center": "",
    }
    flt = q.ListFilter.from_params(params)
    assert flt == q.ListFilter(
        caseworker="E1",
        status="overskredet",
        kpi="K3",
        result="ikke-opfyldt",
        due_from=dt.date(2026, 12, 1),
    )
    assert q.ListFilter.from_params(flt.to_params()) == flt
    assert q.ListFilter.from_params({"status": "bogus", "forfald_til": "x"}) == q.ListFilter()


def test_open_obligations_due(store: Engine) -> None:
    df = q.open_obligations_due(store, ALL, AS_OF, AS_OF + dt.timedelta(days=90))
    assert int(df["n"].sum()) == 3  # O3, O4, O7 (open); overdue and done are not due ahead
    df = q.open_obligations_due(store, ALL, AS_OF, AS_OF + dt.timedelta(days=90), center="HCK")
    assert df["kind"].tolist() == ["letter"]


def test_complaints_and_reviews(store: Engine) -> None:
    df = q.complaints_per_month(store, ALL)
    oct_ = df[df["month"] == pd.Timestamp("2026-10-01")]
    assert int(oct_["n"].sum()) == 2 and int(oct_["upheld"].sum()) == 1
    nov = df[df["month"] == pd.Timestamp("2026-11-01")]
    assert nov["paragraph"].tolist() == ["(uden paragraf)"] and int(nov["upheld"].sum()) == 1
    assert q.review_campaigns(store, ALL) == ["C"]
    bd = q.review_burndown(store, ALL, "C")
    assert bd["remaining"].tolist() == [4, 2, 1]
    assert bd["date"].dt.date.tolist()[1:] == [dt.date(2026, 3, 1), dt.date(2026, 5, 1)]


def test_freshness_and_problems(store: Engine) -> None:
    fresh = q.freshness(store, ALL)
    assert fresh.run_id == 2 and fresh.extract_date == AS_OF
    assert fresh.last_loaded_at == dt.datetime(2026, 11, 22, 2, 5)
    assert not fresh.is_stale(dt.datetime(2026, 11, 23, 2, 0), 36)
    assert fresh.is_stale(dt.datetime(2026, 11, 24, 2, 0), 36)
    assert q.Freshness(None, None, None).is_stale(dt.datetime(2026, 1, 1), 36)
    rules = q.problems_by_rule(store, ALL)
    assert rules[["rule", "n"]].values.tolist() == [["cpr-invalid", 2], ["enum", 1]]
    rows = q.problem_rows(store, ALL, 2, "cpr-invalid")
    assert rows["line"].tolist() == [3, 9] and set(rows["value"]) == {"010203-XXXX", "020304-XXXX"}
    runs = q.etl_runs(store, ALL)
    assert runs["run_id"].tolist() == [3, 2, 1]


def test_empty_store(db_engine: Engine) -> None:
    assert q.latest_as_of(db_engine, ALL) is None
    assert q.kpi_overview(db_engine, ALL).empty
    assert q.list_count(db_engine, ALL, q.ListFilter(status="forfalder-7")) == 0
    assert q.freshness(db_engine, ALL).last_loaded_at is None
    assert q.problems_by_rule(db_engine, ALL).empty
    assert q.review_burndown(db_engine, ALL, "C").empty


def test_default_order_puts_overdue_first(store: Engine) -> None:
    df = q.list_rows(store, ALL, q.ListFilter(), 0, 10)
    assert df["obligation_id"].tolist() == ["O1", "O2", "O3", "O4", "O7", "O6", "O5"]


def test_caseworker_scope_sees_own_kpis_only(store: Engine) -> None:
    mine = q.kpi_overview(store, q.Scope(caseworker_id="E2"))
    assert mine[["kpi", "center", "numerator", "denominator"]].values.tolist() == [
        ["K3", "HCK", 1, 2]
    ]
    # the team table shows the caseworker's own figure only
    assert q.team_table(store, q.Scope(caseworker_id="E2"))["numerator"].tolist() == [1]
    assert q.kpi_trend(store, q.Scope(caseworker_id="E2"), centers=["ALL"]).empty


def test_default_order_pages_across_status_segments(store: Engine) -> None:
    flt = q.ListFilter()
    whole = q.list_export(store, ALL, flt)["obligation_id"].tolist()
    pages = [q.list_rows(store, ALL, flt, i, i + 2)["obligation_id"].tolist() for i in (0, 2, 4, 6)]
    assert [x for p in pages for x in p] == whole == ["O1", "O2", "O3", "O4", "O7", "O6", "O5"]
    # with a filter, still in the same order and the same rows as the export
    hck = q.ListFilter(center="HCK")
    assert q.list_rows(store, ALL, hck, 1, 3)["obligation_id"].tolist() == ["O7", "O6"]


def test_caseworker_sorts_by_id_and_filters_by_name_or_id(store: Engine) -> None:
    df = q.list_rows(store, ALL, q.ListFilter(), 0, 10, [{"colId": "caseworker", "sort": "desc"}])
    assert df["caseworker_id"].tolist() == sorted(df["caseworker_id"], reverse=True)
    by_id = {"caseworker": {"filterType": "text", "type": "equals", "filter": "ufordelt"}}
    assert ids(q.list_export(store, ALL, q.ListFilter(), filter_model=by_id)) == ["O4"]


def test_open_due_buckets(store: Engine) -> None:
    windows = [
        (AS_OF, AS_OF + dt.timedelta(days=9)),
        (AS_OF + dt.timedelta(days=10), AS_OF + dt.timedelta(days=29)),
    ]
    df = q.open_due_buckets(store, ALL, windows, "kind")
    got = sorted(map(tuple, df[["kind", "bucket", "n"]].values.tolist()))
    assert got == [("follow-up", 1, 1), ("handleplan", 0, 1)]  # O3 (+5), O4 (+20); O7 is +60
    teams = q.open_due_buckets(store, q.Scope(centers=frozenset({"HCK"})), windows, "team")
    assert teams.empty
    with pytest.raises(ValueError):
        q.open_due_buckets(store, ALL, windows, "cpr_masked")
