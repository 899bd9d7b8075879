"""Page layouts and callbacks called directly against a real sample store (both backends)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from dash import dcc, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from sqlalchemy import Engine

import app as webapp
import settings
from components import charts, news, scorecard, trend, urls
from components import format as fmt
from pages import (
    datakvalitet,
    fristkalender,
    klager,
    overblik,
    sager,
    sagsbehandlingsfrister,
    udvikling,
)
from store import calendar, case_list, kpi_results, runs
from store.scope import Scope
from tests.web.conftest import add_user, find, login, texts
from vocab import Role

ALL = Scope.everything()


def triggered(component_id: str, prop: str = "value") -> None:
    context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{component_id}.{prop}", "value": None}])
    )


def test_overblik_scorecard_matches_results(web_store: Engine) -> None:
    page = overblik.layout()
    cards = kpi_results.kpi_overview(web_store, ALL)
    # every center x KPI with cases is a cell with its value and counts, opening its cases
    for r in cards[cards["denominator"] > 0].to_dict("records"):
        cell = find(page, {"type": scorecard.KPI_CELL, "kpi": r["kpi"], "row": r["center"]})
        shown = texts(cell)
        assert f"{fmt.number(r['numerator'])} af {fmt.number(r['denominator'])}" in shown
        assert fmt.percent(r["value"], r["denominator"], r["target"]) in shown
        assert cell.children.href == urls.list_href(kpi=r["kpi"], center=r["center"])
    # the whole administration's total is the first row
    total = kpi_results.kpi_overview(web_store, ALL, level="all")
    k3 = total[total["kpi"] == "K3"].iloc[0]
    cell = find(page, {"type": scorecard.KPI_CELL, "kpi": "K3", "row": "ALL"})
    assert f"{fmt.number(k3['numerator'])} af {fmt.number(k3['denominator'])}" in texts(cell)
    assert "Teams – flest ikke opfyldte først" in texts(page)


def test_overblik_one_center_is_the_chiefs_screen(web_store: Engine) -> None:
    page = overblik.layout(center="HCK")
    text = texts(page)
    assert "HCK – Handicapcenter" in text and "BFCK – Børne- og Familiecenter" not in text
    # a tile per KPI with cases, its not-met count linking to those cases
    cards = kpi_results.kpi_overview(web_store, ALL)
    row = cards[(cards["kpi"] == "K3") & (cards["center"] == "HCK")].iloc[0]
    tile = find(page, {"type": scorecard.KPI_TILE, "kpi": "K3", "center": "HCK"})
    missing = int(row["denominator"] - row["numerator"])
    assert f"{fmt.number(missing)} ikke opfyldt" in texts(tile)
    # the team x KPI matrix: teams with the most cases not met first, every team shown
    teams = kpi_results.team_table(web_store, ALL, center="HCK")
    teams = teams[teams["denominator"] > 0]
    missed = (teams["denominator"] - teams["numerator"]).groupby(teams["team"]).sum()
    matrix = find(page, overblik.TEAM_MATRIX)
    body = matrix.children[1].children
    shown = [(tr.children[0].children, int(tr.children[-2].children)) for tr in body]
    assert [n for _t, n in shown] == sorted(missed.tolist(), reverse=True)
    assert len(shown) == len(missed)
    # what needs doing now, and what changed
    news_line = texts(find(page, news.NEWS))
    overdue = case_list.list_count(
        web_store, ALL, case_list.ListFilter(center="HCK", status="overskredet")
    )
    assert f"{fmt.number(overdue)} overskredet nu" in news_line
    assert "Siden i går" in news_line and "Siden sidste uge" in news_line


def test_what_changed_counts_from_the_obligations(web_store: Engine) -> None:
    as_of = runs.current_as_of(web_store)
    assert as_of is not None
    everything = case_list.list_export(web_store, ALL, case_list.ListFilter(center="HCK"))
    due = pd.to_datetime(everything["due_on"]).dt.date
    done = pd.to_datetime(everything["done_on"]).dt.date
    lists = news.news_filters(case_list.ListFilter(center="HCK"), as_of)
    for since in news.comparisons(as_of):
        # overdue now but not yet on that day: due on or after it (and still open)
        expected_new = int(((everything["status"] == "overdue") & (due >= since.day)).sum())
        assert case_list.list_count(web_store, ALL, lists[f"new:{since.day}"]) == expected_new
        expected_done = int(
            (everything["status"].isin(["met", "late"]) & (done >= since.day)).sum()
        )
        assert case_list.list_count(web_store, ALL, lists[f"done:{since.day}"]) == expected_done
    week = lists["week"]
    assert week.due_from == as_of and week.due_to.weekday() == 6  # to Sunday
    line = " ".join(
        texts(news.deadline_news(web_store, ALL, case_list.ListFilter(center="HCK"), as_of)).split()
    )
    week_ago = news.comparisons(as_of)[1]
    n_new = case_list.list_count(web_store, ALL, lists[f"new:{week_ago.day}"])
    assert f"Siden sidste uge: {fmt.number(n_new)} nye overskredne" in line


def test_a_center_chief_lands_on_the_center_screen(web_store: Engine) -> None:
    from flask import g

    from access.principal import Principal

    g.principal = Principal("chef", Role.CENTER_CHIEF, center="SCK")
    page = overblik.layout()
    assert find(page, overblik.TEAM_MATRIX) is not None and find(page, overblik.SCORECARD) is None
    assert "SCK – Center for Socialt Udsatte" in texts(page)


def test_sager_layout_count_follows_url(web_store: Engine) -> None:
    page = sager.layout(center="HCK", status="overskredet")
    n = case_list.list_count(
        web_store, ALL, case_list.ListFilter(center="HCK", status="overskredet")
    )
    assert find(page, sager.COUNT).children == fmt.count_label(n, "forpligtelse", "forpligtelser")
    assert find(page, sager.FILTERS).data == {"center": "HCK", "status": "overskredet"}
    assert find(page, sager.CENTER).value == "HCK"


def test_get_rows_pages_in_sql(web_store: Engine) -> None:
    filters = {"status": "overskredet"}
    req = {
        "startRow": 0,
        "endRow": 50,
        "sortModel": [{"colId": "due_on", "sort": "asc"}],
        "filterModel": {},
    }
    resp, count_text, last = sager.get_rows(req, filters)
    n = case_list.list_count(web_store, ALL, case_list.ListFilter(status="overskredet"))
    assert resp["rowCount"] == n and len(resp["rowData"]) == min(50, n)
    assert count_text == fmt.count_label(n, "forpligtelse", "forpligtelser")
    assert all(r["status_text"] == "✖ Overskredet" for r in resp["rowData"])
    assert all(r["cpr"].endswith("-XXXX") for r in resp["rowData"])
    assert last["sortModel"] == req["sortModel"]
    # the next block continues where the first ended
    resp2, _, _ = sager.get_rows({**req, "startRow": 50, "endRow": 100}, filters)
    assert not {r["id"] for r in resp["rowData"]} & {r["id"] for r in resp2["rowData"]}


def test_get_rows_kpi_mode_and_grid_filter(web_store: Engine) -> None:
    filters = {"kpi": "K3", "center": "BFCK", "resultat": "ikke-opfyldt"}
    resp, count_text, _ = sager.get_rows({"startRow": 0, "endRow": 100}, filters)
    cards = kpi_results.kpi_overview(web_store, ALL).set_index(["kpi", "center"])
    card = cards.loc[("K3", "BFCK")]
    assert resp["rowCount"] == card["denominator"] - card["numerator"]
    assert {r["result_text"] for r in resp["rowData"]} == {"✖ Ikke opfyldt"}
    grid_filter = {"team": {"filterType": "text", "type": "equals", "filter": "BFCK Team 1"}}
    resp, _, _ = sager.get_rows({"startRow": 0, "endRow": 100, "filterModel": grid_filter}, filters)
    assert resp["rowCount"] > 0 and {r["team"] for r in resp["rowData"]} == {"BFCK Team 1"}


def test_get_rows_rejects_unknown_column(web_store: Engine) -> None:
    resp, count_text, _ = sager.get_rows(
        {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "cases.cpr", "sort": "asc"}]}, {}
    )
    assert resp == {"rowData": [], "rowCount": 0} and count_text == "Ugyldigt filter"


def test_controls_write_url() -> None:
    triggered(sager.STATUS)
    assert sager.controls_to_url(
        "HCK", None, None, None, ["overskredet"], None, None, None, {"center": "HCK"}
    ) == ("?center=HCK&status=overskredet")
    # several statuses, in the vocabulary's order whatever the order picked; a period
    triggered(sager.DUE_RANGE)
    assert sager.controls_to_url(
        None, None, None, None, ["forfalder-14", "overskredet"], "2026-12-01", None, None, {}
    ) == ("?status=overskredet%2Cforfalder-14&forfald_fra=2026-12-01")
    # the result narrows a KPI's list only
    triggered(sager.RESULT)
    assert (
        sager.controls_to_url(None, None, None, None, [], None, None, "ikke-opfyldt", {"kpi": "K3"})
        == "?kpi=K3&resultat=ikke-opfyldt"
    )
    assert sager.controls_to_url(None, None, None, None, [], None, None, "opfyldt", {}) is no_update
    # changing the center drops the team and caseworker of the old center
    triggered(sager.CENTER)
    search = sager.controls_to_url(
        "BFCK",
        "HCK Team 1",
        "E9",
        None,
        None,
        None,
        None,
        None,
        {"center": "HCK", "team": "HCK Team 1", "sagsbehandler": "E9"},
    )
    assert search == "?center=BFCK"
    # KPI parameters from a card link survive a control change
    triggered(sager.KIND)
    assert (
        sager.controls_to_url(None, None, None, "letter", None, None, None, None, {"kpi": "K8"})
        == "?kpi=K8&type=letter"
    )


@pytest.mark.parametrize("path", [urls.EXPORT_CSV, urls.EXPORT_XLSX])
def test_export_rows_equal_filtered_list(web_store: Engine, db_url: str, path: str) -> None:
    flt = case_list.ListFilter(center="SCK", status="overskredet")
    add_user(db_url, "dir", Role.DIRECTORATE)
    client = webapp.server.test_client()
    login(client, "dir")
    response = client.get(urls.export_href(path, flt))
    assert response.status_code == 200, response.get_data(as_text=True)
    raw = response.get_data()
    if path == urls.EXPORT_CSV:
        assert ".csv" in response.headers["Content-Disposition"]
        df = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
    else:
        assert ".xlsx" in response.headers["Content-Disposition"]
        df = pd.read_excel(io.BytesIO(raw), dtype=str)
    expected = case_list.list_export(web_store, ALL, flt)
    assert len(df) == len(expected) > 0
    assert sorted(df["Sag"]) == sorted(expected["case_id"])
    assert set(df["Status"]) == {"Overskredet"} and set(df["Center"]) == {"SCK"}
    assert df["CPR"].str.endswith("-XXXX").all()


def test_fristkalender_cells_link_to_list(web_store: Engine) -> None:
    page = fristkalender.layout()
    months = find(page, fristkalender.MONTH_TABLE)
    links = []

    def collect(c: Any) -> None:
        if isinstance(c, (list, tuple)):
            for x in c:
                collect(x)
        elif hasattr(c, "children"):
            if getattr(c, "href", None):
                links.append(c)
            collect(c.children)

    collect(months)
    assert links
    total = 0
    for link in links:
        parsed = urls.parse_list(dict(parse_qsl(urlsplit(link.href).query)))
        assert parsed.not_understood == ()
        assert parsed.filter.status == "aaben" and parsed.filter.due_from and parsed.filter.kind
        n = case_list.list_count(web_store, ALL, parsed.filter)
        assert n == int(link.children.replace(".", "")), link.href
        total += n
    as_of = runs.current_as_of(web_store)
    windows = fristkalender.month_windows(as_of)
    due = calendar.open_obligations_due(web_store, ALL, windows[0][0], windows[-1][1])
    assert total == int(due["n"].sum())


def test_windows() -> None:
    as_of = dt.date(2026, 11, 21)
    months = fristkalender.month_windows(as_of, 3)
    assert months == [
        (dt.date(2026, 11, 21), dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), dt.date(2027, 1, 31)),
    ]
    weeks = fristkalender.week_windows(as_of, 2)
    assert weeks == [(as_of, dt.date(2026, 11, 22)), (dt.date(2026, 11, 23), dt.date(2026, 11, 29))]


def test_udvikling_charts(web_store: Engine) -> None:
    out = udvikling.update_charts(["K3"], ["HCK", "ALL"], "alle")
    graph = find(out, {"type": udvikling.TREND_GRAPH, "kpi": "K3"})
    fig = graph.figure
    names = [t["name"] for t in fig["data"]]
    scenario = f"HCK {trend.SCENARIO}"
    assert "HCK" in names and scenario in names and "Hele forvaltningen" in names
    forecast = next(t for t in fig["data"] if t["name"] == scenario)
    # a scenario, not a forecast: grey, dotted, off until chosen in the legend
    assert forecast["visible"] == "legendonly" and forecast["line"]["dash"] == "dot"
    assert forecast["line"]["color"] == charts.SCENARIO_COLOUR
    hck = next(t for t in fig["data"] if t["name"] == "HCK")
    assert hck["line"]["color"] == charts.center_colour("HCK")  # the center's own colour
    # the target is always in view, ticks read "95 %"-style
    axis = fig["layout"]["yaxis"]
    assert axis["range"][1] > 0.95 and all(t.endswith(" %") for t in axis["ticktext"])
    assert graph.config["locales"]["da"]["dictionary"]["Zoom in"] == "Zoom ind"
    hist = kpi_results.kpi_trend(web_store, ALL, kpis=["K3"], centers=["HCK"])
    fc = hist[hist["kind"] == "forecast"].sort_values("as_of")
    assert forecast["y"][1:] == pytest.approx(fc["value"].tolist())
    assert [a["y0"] for a in fig["layout"]["shapes"][:1]] == [0.95]  # the results' target
    assert "Mål 95 %" in [a["text"] for a in fig["layout"]["annotations"]]
    assert graph.config["toImageButtonOptions"]["filename"].startswith("fristvagt-udvikling-K3")
    assert "Vælg" in texts(udvikling.update_charts([], ["HCK"], "12"))
    # the trend-based projection beside the scenario: dashed, in the center's colour,
    # straight through the last six month-ends' fit, and inside the axis
    projected = next(t for t in fig["data"] if t["name"] == f"HCK {trend.PROJECTION}")
    assert projected["line"]["dash"] == "dash" and projected.get("visible") is None
    assert projected["line"]["color"] == charts.center_colour("HCK")
    assert axis["range"][0] <= min(projected["y"]) and max(projected["y"]) <= axis["range"][1]
    # the chart as a table: one row per month, a column per center, newest first
    table = find(out, {"type": udvikling.TREND_TABLE, "kpi": "K3"})
    shown = texts(table)
    assert "Måned" in shown and "HCK" in shown and "Hele forvaltningen" in shown
    months = trend.month_series(hist)
    newest = months.sort_values("as_of").iloc[-1]
    assert f"{fmt.number(newest['numerator'])} af {fmt.number(newest['denominator'])}" in shown


def test_projection_is_a_straight_line_through_the_last_month_ends() -> None:
    months = pd.DataFrame(
        {
            "as_of": pd.to_datetime(
                ["2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-21"]
            ),
            "value": [0.80, 0.82, 0.84, 0.86, 0.88, 0.70],  # the provisional month is left out
        }
    )
    ahead = trend.projection(months)
    assert ahead["as_of"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-10-31",
        "2026-11-30",
        "2026-12-31",
        "2027-01-31",
    ]
    assert ahead["value"].tolist() == pytest.approx([0.88, 0.90, 0.92, 0.94])
    assert trend.projection(months.head(2)).empty  # too little to fit a line


def test_every_klager_number_opens_the_complaints_behind_it(web_store: Engine) -> None:
    page = klager.layout()
    links = []

    def walk(c: Any) -> None:
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif c is not None and not isinstance(c, (str, int, float)):
            if isinstance(c, dcc.Link) and str(c.href).startswith(urls.COMPLAINTS + "?"):
                links.append(c)
            walk(getattr(c, "children", None))

    walk(page)
    assert len(links) > 8
    for link in links[:12]:
        query = dict(parse_qsl(urlsplit(link.href).query))
        opened = klager.layout(**query)
        listed = texts(find(opened, urls.COMPLAINT_LIST))
        n = int(str(link.children).replace(".", ""))
        assert f"{fmt.count_label(n, 'klage', 'klager')} modtaget" in listed, link.href
    # an unknown value is reported, not silently ignored
    assert "Ikke forstået i linket: klagetype=ukendt" in texts(klager.layout(klagetype="ukendt"))


def test_other_pages_say_something(web_store: Engine) -> None:
    text = texts(sagsbehandlingsfrister.layout())
    letters = case_list.list_count(
        web_store, ALL, case_list.ListFilter(kind="letter", status="overskredet")
    )
    assert f"{fmt.number(letters)} åbne ansøgninger er over fristen" in text
    assert "Afgjort inden sagsbehandlingsfrist" in text
    assert "HCK · " in text and "SCK · " in text  # cards from several centers say whose
    text = texts(klager.layout())
    assert "Pr. paragraf" in text and "Andel medhold" in text
    burn = texts(klager.update_burndown("SEL41-42-genopretning"))
    assert "mangler at blive gennemgået" in burn
    text = texts(datakvalitet.layout())
    assert "Data pr. 21. nov. 2026 – indlæst 22. nov. 2026 kl. 02:05." in text
    assert "✔ Indlæst" in text
    # the run's outcome in Danish from its data, not its English message
    assert "2 rækker afvist; 3 problemer (3 fejl)" in text and "rows rejected" not in text
    assert "Ugyldigt CPR-nummer" in text and "Ugyldig dato" in text  # rules named in Danish
    assert "cpr-format" not in text
    rules = find(datakvalitet.layout(), datakvalitet.RULES)
    assert "/datakvalitet?regel=cpr-format&koersel=1" in str(rules)
    drill = texts(datakvalitet.layout(regel="date-format", koersel="1"))
    assert (
        "Rækker for reglen »Ugyldig dato«" in drill
        and "Ugyldigt CPR-nummer" not in drill.split("Rækker for reglen")[1]
    )


def test_datakvalitet_download(web_store: Engine) -> None:
    out = datakvalitet.download(1, {"run_id": 1, "rule": "cpr-format"})
    df = pd.read_excel(io.BytesIO(base64.b64decode(out["content"])))
    assert len(df) == 2
    assert set(df["Regel"]) == {"Ugyldigt CPR-nummer"} and set(df["Kode"]) == {"cpr-format"}
    assert set(df["Alvor"]) == {"Fejl"} and set(df["Værdi"]) == {"010203-XXXX", "311299-XXXX"}


def test_empty_store_pages(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert "Der er endnu ingen nøgletal." in texts(overblik.layout())
    assert "0 forpligtelser" in texts(sager.layout())
    assert "Der er ingen forpligtelser endnu." in texts(fristkalender.layout())
    assert "Ingen indlæsninger endnu." in texts(datakvalitet.layout())
    assert "Der er ingen data endnu." in texts(webapp.update_shell("/", "")[0])


def test_unassigned_is_an_option_in_every_center(web_store: Engine) -> None:
    for center in ("BFCK", "HCK", "SCK"):
        options = find(sager.layout(center=center), sager.CASEWORKER).options
        assert {"label": "Ufordelt", "value": "ufordelt"} in options
        assert all(o["label"].startswith(("Sagsbehandler " + center, "Ufordelt")) for o in options)


def test_kpi_strip_and_matrix_tell_attainment_in_words_not_only_colour() -> None:
    rows = pd.DataFrame(
        {
            "kpi": ["K3", "K5"],
            "center": ["RCK"] * 2,
            "numerator": [37, 19],
            "denominator": [39, 20],
            "value": [37 / 39, 0.95],
            "target": [0.95] * 2,
        }
    )
    history = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2026-09-30", "2026-10-31", "2026-11-21"] * 2),
            "kpi": ["K3"] * 3 + ["K5"] * 3,
            "value": [0.9, 0.93, 37 / 39, 0.9, 0.92, 0.95],
        }
    )
    strip = scorecard.strip(rows, history, lambda k: f"/sager?kpi={k}")
    k3 = find(strip, {"type": scorecard.KPI_TILE, "kpi": "K3", "center": "RCK"})
    shown = " ".join(texts(k3).split())
    assert "▲ 94,8 %" in shown  # close, and not rounded up to the target
    spark = [c for c in k3.children.children[1].children if getattr(c, "src", None)][0]
    assert spark.src.startswith("data:image/svg+xml") and "sep. 2026" in spark.alt
    k5 = find(strip, {"type": scorecard.KPI_TILE, "kpi": "K5", "center": "RCK"})
    assert "✔ 95 %" in " ".join(texts(k5).split())
    table = scorecard.matrix(
        rows,
        [("RCK", "RCK")],
        lambda c: case_list.ListFilter(center=c),
        "center",
        kpis=["K1", "K3"],
    )
    assert find(table, {"type": scorecard.KPI_CELL, "kpi": "K1", "row": "RCK"}).children == "–"
    k3_cell = texts(find(table, {"type": scorecard.KPI_CELL, "kpi": "K3", "row": "RCK"}))
    assert "▲" in k3_cell and "37 af 39" in k3_cell


def test_udvikling_leaves_out_centers_without_cases_and_marks_milestones() -> None:
    rows = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2025-11-30", "2025-12-31", "2025-11-30", "2025-12-31"]),
            "kind": ["recomputed"] * 4,
            "kpi": ["K3"] * 4,
            "center": ["HCK", "HCK", "RCK", "RCK"],
            "numerator": [5, 6, 0, 0],
            "denominator": [10, 10, 0, 0],  # K3 counts no case in RCK
            "value": [0.5, 0.6, None, None],
            "target": [0.95] * 4,
        }
    )
    fig = trend.trend_figure(rows, "K3")
    assert [t["name"] for t in fig["data"]] == ["HCK"]
    marks = {a["text"]: a.get("hovertext") for a in fig["layout"]["annotations"]}
    assert marks["1"] == "31. dec. 2025: milepæl"  # the rules' year-end milestone, numbered
    assert trend.event_caption(rows, []) == "1: 31. dec. 2025 milepæl"


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (
            {"outcome": {"code": "loaded", "rows_rejected": 266, "problems": 1323, "errors": 323}},
            "266 rækker afvist; 1.323 problemer (323 fejl)",
        ),
        (
            {"outcome": {"code": "duplicate", "same_as_run": 4}, "message": "ignored"},
            "Samme udtræk som kørsel 4: intet indlæst",
        ),
        (
            {"outcome": {"code": "refused", "rules": ["missing-column", "extract-older"]}},
            "Afvist: Påkrævet kolonne mangler, Udtrækket er ældre end sidste indlæsning; "
            "intet indlæst",
        ),
        # a run stored before outcomes were data: its message as it was written
        (
            {"outcome": None, "message": "sager.csv: missing column 'cpr'"},
            "sager.csv: missing column 'cpr'",
        ),
        ({"message": None}, ""),
    ],
)
def test_run_messages_in_danish(run: dict[str, Any], expected: str) -> None:
    assert datakvalitet.run_message(run) == expected


def test_a_case_without_team_shows_intet_team(web_store: Engine) -> None:
    resp, _, _ = sager.get_rows({"startRow": 0, "endRow": 100}, {"sagsbehandler": "ufordelt"})
    assert resp["rowCount"] > 0
    assert {(r["team"], r["caseworker"]) for r in resp["rowData"]} == {("Intet team", "Ufordelt")}
    teams = kpi_results.team_table(web_store, ALL)
    rows = overblik.team_rows(teams[teams["team"] == "(intet team)"])
    assert rows and {r[1] for r in rows} == {"Intet team"}
    link = rows[0][3].href
    assert link.startswith("/sager?kpi=") and "team=%28intet+team%29" in link
    assert "(intet team)" not in texts(overblik.layout())
    # the link opens the list of that team: the team control keeps it (the register has none)
    page = sager.layout(**dict(parse_qsl(urlsplit(link).query)))
    team = find(page, sager.TEAM)
    assert team.value == "(intet team)"
    assert {"label": "Intet team", "value": "(intet team)"} in team.options
    assert "Intet team" in texts(page)


def test_sager_reports_what_it_did_not_understand(web_store: Engine) -> None:
    page = sager.layout(status="overdue", center="hck")
    note = find(page, sager.NOT_UNDERSTOOD)
    assert note.children == "Ikke forstået i linket: status=overdue, center=hck"
    everything = case_list.list_count(web_store, ALL, case_list.ListFilter())
    assert find(page, sager.COUNT).children == fmt.count_label(
        everything, "forpligtelse", "forpligtelser"
    )
    assert find(sager.layout(status="overskredet"), sager.NOT_UNDERSTOOD) is None


def test_sager_title_names_the_filter(web_store: Engine) -> None:
    text = texts(sager.layout(center="HCK", status="overskredet", type="follow-up"))
    assert "Overskredne frister – Opfølgning – HCK" in text


def test_page_targets_follow_the_rules_file(
    web_store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "Mål: 95 % af sagerne overholder fristen." in texts(overblik.layout())
    doc = Path(settings.RULES_FILE.default).read_text(encoding="utf-8")
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        doc.replace("  default: 0.95\n", "  default: 0.9\n").replace(
            "centers: {}", "centers: {HCK: {K3: 0.8}}"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("RULES_FILE", str(rules_file))
    text = texts(overblik.layout())
    assert "Mål: 90 % (K2: 95 %; HCK K3: 80 %) af sagerne overholder fristen." not in text
    assert "Mål: 90 % (HCK K3: 80 %) af sagerne overholder fristen." in text  # K2 has no results
    assert "mod målet på 90 % (HCK K3: 80 %)." in texts(udvikling.layout())


def test_trend_draws_a_line_per_target() -> None:
    rows = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2025-11-30", "2025-11-30", "2025-11-30"]),
            "kind": ["recomputed"] * 3,
            "kpi": ["K3"] * 3,
            "center": ["ALL", "HCK", "SCK"],
            "numerator": [5, 6, 7],
            "denominator": [10, 10, 10],
            "value": [0.5, 0.6, 0.7],
            "target": [0.95, 0.9, None],  # SCK: no stored target, the rules' (95 %)
        }
    )
    fig = trend.trend_figure(rows, "K3")
    assert [s["y0"] for s in fig["layout"]["shapes"][:2]] == [0.95, 0.9]
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert "Mål 95 % (Hele forvaltningen, SCK)" in notes and "Mål 90 % (HCK)" in notes


def test_unknown_address_gets_a_danish_404(web_store: Engine) -> None:
    from pages import not_found_404

    text = texts(not_found_404.layout())
    assert "Siden findes ikke" in text and "Overblik" in text


def test_no_data_tells_users_whom_to_ask(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.db import init_db

    init_db(db_engine)
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    text = texts(webapp.update_shell("/", "")[0])
    assert "administrator" in text and "python -m" not in text


def test_klager_milestones_only_from_the_campaigns_era() -> None:
    import datetime as dt

    from pages import klager

    ms = [(dt.date(2013, 6, 30), 100), (dt.date(2026, 12, 31), 10)]
    kept = klager.milestones_in_period(ms, dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    assert kept == [(dt.date(2026, 12, 31), 10)]
    assert klager.milestones_in_period(ms[:1], dt.date(2026, 1, 1), dt.date(2026, 11, 1)) == []


def test_udvikling_selection_lives_in_the_url(web_store: Engine) -> None:
    page = udvikling.layout(kpi="K3,K1,K99", center="HCK,ALL", periode="alle")
    assert find(page, udvikling.KPI_SELECT).value == ["K3", "K1"]
    assert find(page, udvikling.CENTER_SELECT).value == ["HCK", "ALL"]
    assert find(page, udvikling.PERIOD_SELECT).value == "alle"
    assert "Ikke forstået" in texts(page) and "K99" in texts(page)
    search = udvikling.selection_to_url(["K3", "K1"], ["HCK", "ALL"], "24")
    assert search == "?kpi=K3%2CK1&center=HCK%2CALL&periode=24"
    back = urls.parse_trend(
        dict(parse_qsl(search[1:])), ["K1", "K3"], ["HCK", "ALL"], udvikling.PERIODS
    )
    assert (back.kpis, back.centers, back.period) == (("K3", "K1"), ("HCK", "ALL"), "24")
    default = udvikling.layout()
    assert find(default, udvikling.PERIOD_SELECT).value == "12"


def test_days_left_or_over() -> None:
    import datetime as dt

    d = dt.date(2026, 11, 23)
    assert sager.days_text("overdue", "2026-11-11", d) == "12 dage over"
    assert sager.days_text("overdue", "2026-11-22", d) == "1 dag over"
    assert sager.days_text("open", "2026-11-23", d) == "i dag"
    assert sager.days_text("open", "2026-11-26", d) == "3 dage tilbage"
    assert sager.days_text("met", "2026-11-26", d) == ""


def test_overblik_caseworker_table_for_a_center(web_store: Engine) -> None:
    table = find(overblik.layout(center="HCK"), overblik.CASEWORKERS)
    text = texts(table)
    assert "Sagsbehandlere – flest overskredne først" in text
    load = case_list.caseworker_load(web_store, ALL, "HCK")
    assert str(load["overdue"].iloc[0]) in text
    assert "status=overskredet" in str(table)
    assert texts(find(overblik.layout(), overblik.CASEWORKERS)) == ""  # all centers: none
