"""Sager (/sager): the caseworker's obligation list, paged/sorted/filtered in SQL.

The URL is the filter's single source of truth: the controls write the URL
(`?sagsbehandler=…&status=overskredet`), the URL re-renders the page, and the
AG Grid (infinite row model) asks the server for one block of rows at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from components import format as fmt
from components import labels, ui
from store import queries
from store.queries import ListFilter

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/sager", name="Sager", title="Fristvagt – Sager", order=1)

GRID = "sager-grid"
COUNT = "sager-count"
FILTERS = "sager-filters"  # dcc.Store: the URL filter of this render
LAST_REQUEST = "sager-last-request"  # dcc.Store: the grid's current sort/filter model
LOCATION = "sager-location"
CENTER = "sager-center"
TEAM = "sager-team"
CASEWORKER = "sager-caseworker"
KIND = "sager-kind"
STATUS = "sager-status"
EXPORT_XLSX = "sager-export-xlsx"
EXPORT_CSV = "sager-export-csv"
DOWNLOAD = "sager-download"
BLOCK = 100

DATE_FILTER = {"filter": "agDateColumnFilter", "filterParams": {"buttons": ["reset"]}}
TEXT_FILTER = {
    "filter": "agTextColumnFilter",
    "filterParams": {"filterOptions": ["contains", "equals", "startsWith"], "buttons": ["reset"]},
}
NUMBER_FILTER = {"filter": "agNumberColumnFilter", "filterParams": {"buttons": ["reset"]}}


def column_defs(kpi_mode: bool) -> list[dict[str, Any]]:
    cols: list[dict[str, Any]] = [
        {"field": "status_text", "headerName": "Status", "colId": "status", "width": 165},
        {"field": "days_overdue", "headerName": "Dage over", "width": 95, **NUMBER_FILTER},
        {
            "field": "due_text",
            "headerName": "Frist",
            "colId": "due_on",
            "width": 125,
            **DATE_FILTER,
        },
        {"field": "kind_text", "headerName": "Type", "colId": "kind", "width": 165},
        {"field": "case_id", "headerName": "Sag", "width": 110, **TEXT_FILTER},
        {"field": "cpr", "headerName": "CPR", "width": 130, "sortable": False},
        {
            "field": "rule_text",
            "headerName": "Hvorfor",
            "flex": 1,
            "minWidth": 240,
            **TEXT_FILTER,
            "tooltipField": "rule_text",
        },
        {"field": "caseworker", "headerName": "Sagsbehandler", "width": 160, **TEXT_FILTER},
        {"field": "team", "headerName": "Team", "width": 120, **TEXT_FILTER},
        {"field": "center", "headerName": "Center", "width": 85},
        {
            "field": "done_text",
            "headerName": "Udført",
            "colId": "done_on",
            "width": 120,
            **DATE_FILTER,
        },
    ]
    if kpi_mode:
        cols.insert(
            0, {"field": "result_text", "headerName": "Resultat", "colId": "met", "width": 130}
        )
    return cols


def display_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """One page of list rows as the grid shows them (Danish labels and dates)."""
    rows: list[dict[str, Any]] = []
    for r in df.to_dict("records"):
        status = r.get("status")
        icon = {"overdue": "✖ ", "missed": "✖ ", "open": "○ ", "met": "✔ ", "late": "✔ "}.get(
            str(status), ""
        )
        out = {
            "id": str(r.get("obligation_id") or "") + "|" + str(r.get("case_id") or ""),
            "status_text": icon + labels.status_label(status) if status else "Ingen frist",
            "days_overdue": int(r["days_overdue"]) if r.get("days_overdue") is not None else None,
            "due_text": fmt.date(r.get("due_on")),
            "kind_text": labels.kind_label(r.get("kind")) if r.get("kind") else "",
            "case_id": r.get("case_id"),
            "cpr": r.get("cpr") or "",
            "caseworker": labels.caseworker_label(r.get("caseworker_id"), r.get("caseworker")),
            "team": labels.team_label(r.get("team")),
            "center": r.get("center"),
            "done_text": fmt.date(r.get("done_on")),
            "rule_text": r.get("rule_text") or "",
        }
        if "met" in r:
            out["result_text"] = "✔ Opfyldt" if r["met"] else "✖ Ikke opfyldt"
        rows.append(out)
    return rows


EXPORT_HEADERS: dict[str, str] = {
    "case_id": "Sag",
    "cpr": "CPR",
    "center": "Center",
    "team": "Team",
    "caseworker": "Sagsbehandler",
    "kind": "Type",
    "status": "Status",
    "due_on": "Frist",
    "done_on": "Udført",
    "days_overdue": "Dage over fristen",
    "paragraph": "Paragraf",
    "rule_text": "Hvorfor",
    "kpi": "Nøgletal",
    "met": "Opfyldt",
}


def export_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The exported table: Danish headers and labels, real dates."""
    out = df.copy()
    out["caseworker"] = [
        labels.caseworker_label(w, n)
        for w, n in zip(out["caseworker_id"], out["caseworker"], strict=True)
    ]
    out["kind"] = out["kind"].map(labels.kind_label)
    out["status"] = out["status"].map(labels.status_label)
    for c in ("due_on", "done_on"):
        out[c] = pd.to_datetime(out[c]).dt.date
    if "met" in out:
        out["met"] = out["met"].map({True: "Ja", False: "Nej"})
    cols = [c for c in EXPORT_HEADERS if c in out.columns]
    return out[cols].rename(columns=EXPORT_HEADERS)


def filter_title(flt: ListFilter, worker_name: str | None) -> str:
    parts: list[str] = []
    if flt.kpi:
        parts.append(f"{flt.kpi} {labels.kpi_label(flt.kpi)}")
        if flt.result:
            parts.append("ikke opfyldt" if flt.result == "ikke-opfyldt" else "opfyldt")
    if flt.center:
        parts.append(flt.center)
    if flt.team:
        parts.append(flt.team)
    if flt.caseworker:
        parts.append(labels.caseworker_label(flt.caseworker, worker_name))
    if flt.kind:
        parts.append(labels.kind_label(flt.kind))
    if flt.status:
        parts.append(labels.LIST_STATUS_LABELS[flt.status].lower())
    if flt.due_from or flt.due_to:
        parts.append(f"frist {fmt.date(flt.due_from)}–{fmt.date(flt.due_to)}")
    return ", ".join(parts)


def _options(values: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for value, label in values]


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    flt = ListFilter.from_params(params)
    opts = queries.filter_options(eng, scope)
    teams = opts["teams"]
    if flt.center:
        teams = teams[teams["center"] == flt.center]
    workers = opts["caseworkers"]
    if flt.center:
        workers = workers[workers["center"] == flt.center]
    if flt.team:
        workers = workers[workers["team"] == flt.team]
    workers = workers.drop_duplicates("caseworker_id")
    count = queries.list_count(eng, scope, flt)
    worker_name = queries.employee_name(eng, flt.caseworker) if flt.caseworker else None
    title = filter_title(flt, worker_name)
    kpi_note = None
    if flt.kpi:
        kpi_note = dbc.Alert(
            [
                f"Viser sagerne bag nøgletallet {flt.kpi} {labels.kpi_label(flt.kpi)}"
                + (f" for {flt.center}" if flt.center else "")
                + ". ",
                dcc.Link(
                    "Vis alle forpligtelser i stedet",
                    href=ui.list_href(
                        **{k: v for k, v in flt.to_params().items() if k not in ("kpi", "resultat")}
                    ),
                ),
            ],
            color="info",
            className="py-2",
        )
    dd = {"clearable": True, "className": "mb-2"}
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Center", html_for=CENTER),
                    ui.dropdown(
                        CENTER,
                        options=_options([(c, c) for c in opts["centers"]]),
                        value=flt.center,
                        placeholder="Alle centre",
                        **dd,
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Team", html_for=TEAM),
                    ui.dropdown(
                        TEAM,
                        options=_options(
                            [(t, labels.team_label(t)) for t in teams["team"].unique()]
                        ),
                        value=flt.team,
                        placeholder="Alle teams",
                        **dd,
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Sagsbehandler", html_for=CASEWORKER),
                    ui.dropdown(
                        CASEWORKER,
                        options=_options(
                            [
                                (w, labels.caseworker_label(w, n))
                                for w, n in zip(
                                    workers["caseworker_id"], workers["name"], strict=True
                                )
                            ]
                        ),
                        value=flt.caseworker,
                        placeholder="Alle sagsbehandlere",
                        **dd,
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Type", html_for=KIND),
                    ui.dropdown(
                        KIND,
                        options=_options([(k, labels.kind_label(k)) for k in opts["kinds"]]),
                        value=flt.kind,
                        placeholder="Alle typer",
                        **dd,
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Status", html_for=STATUS),
                    ui.dropdown(
                        STATUS,
                        options=_options(list(labels.LIST_STATUS_LABELS.items())),
                        value=flt.status,
                        placeholder="Alle",
                        **dd,
                    ),
                ],
                md=3,
            ),
        ],
        className="g-2",
    )
    noun = ("forpligtelse", "forpligtelser") if not flt.kpi else ("sag", "sager")
    header = html.Div(
        [
            html.H2(
                fmt.count_label(count, *noun),
                id=COUNT,
                className="h5 mb-0 me-3",
                **{"aria-live": "polite"},
            ),
            html.Span(title, className="text-muted me-auto"),
            dbc.Button(
                "Hent Excel",
                id=EXPORT_XLSX,
                color="secondary",
                outline=True,
                size="sm",
                className="me-2",
            ),
            dbc.Button("Hent CSV", id=EXPORT_CSV, color="secondary", outline=True, size="sm"),
            dcc.Download(id=DOWNLOAD),
        ],
        className="d-flex align-items-center flex-wrap my-2",
    )
    grid = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=column_defs(bool(flt.kpi)),
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "filter": False,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        dashGridOptions={
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(count, BLOCK) or 1,
            "rowBuffer": 0,
            "localeText": {"loadingOoo": "Henter …", "noRowsToShow": "Ingen rækker"},
        },
        style={"height": "calc(100vh - 330px)", "minHeight": "420px"},
        className="ag-theme-alpine",
    )
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dcc.Store(id=FILTERS, data=flt.to_params()),
            dcc.Store(id=LAST_REQUEST, data={}),
            ui.page_header(
                "Sager",
                "Forpligtelser med frist. Sortér og filtrér i kolonnerne; filtrene kan deles som link.",
            ),
            kpi_note,
            controls,
            header,
            grid,
        ]
    )


def _flt(data: Mapping[str, Any] | None) -> ListFilter:
    return ListFilter.from_params(data or {})


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Output(LAST_REQUEST, "data"),
    Input(GRID, "getRowsRequest"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def get_rows(
    request: Mapping[str, Any] | None, filters: Mapping[str, Any] | None
) -> tuple[Any, Any, Any]:
    """One block of rows for the grid, plus the count under the current filters."""
    if not request:
        return no_update, no_update, no_update
    eng, scope = ui.engine(), ui.scope()
    flt = _flt(filters)
    sort_model = request.get("sortModel") or []
    filter_model = request.get("filterModel") or {}
    sort_model = [{**s, "colId": s.get("colId")} for s in sort_model]
    try:
        count = queries.list_count(eng, scope, flt, filter_model)
        df = queries.list_rows(
            eng,
            scope,
            flt,
            int(request.get("startRow", 0)),
            int(request.get("endRow", BLOCK)),
            sort_model,
            filter_model,
        )
    except (queries.DisallowedColumn, queries.BadFilter) as exc:
        log.warning("rejected grid request: %s", exc)
        return {"rowData": [], "rowCount": 0}, "Ugyldigt filter", no_update
    noun = ("sag", "sager") if flt.kpi else ("forpligtelse", "forpligtelser")
    return (
        {"rowData": display_rows(df), "rowCount": count},
        fmt.count_label(count, *noun),
        {"sortModel": sort_model, "filterModel": filter_model},
    )


@callback(
    Output(LOCATION, "search"),
    Input(CENTER, "value"),
    Input(TEAM, "value"),
    Input(CASEWORKER, "value"),
    Input(KIND, "value"),
    Input(STATUS, "value"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def controls_to_url(
    center: str | None,
    team: str | None,
    caseworker: str | None,
    kind: str | None,
    status: str | None,
    filters: Mapping[str, Any] | None,
) -> str:
    """The filter controls write the URL; the URL then opens the filtered list."""
    current = dict(filters or {})
    new = dict(current)
    changed = dash.ctx.triggered_id
    values = {
        "center": center,
        "team": team,
        "sagsbehandler": caseworker,
        "type": kind,
        "status": status,
    }
    for key, value in values.items():
        if value:
            new[key] = value
        else:
            new.pop(key, None)
    # narrowing the center or team drops choices that may no longer belong to it
    if changed == CENTER and center != current.get("center"):
        new.pop("team", None)
        new.pop("sagsbehandler", None)
    if changed == TEAM and team != current.get("team"):
        new.pop("sagsbehandler", None)
    if new == current:
        return no_update
    return "?" + urlencode(new) if new else ""


def _export(filters: Mapping[str, Any] | None, last: Mapping[str, Any] | None) -> pd.DataFrame:
    last = last or {}
    df = queries.list_export(
        ui.engine(), ui.scope(), _flt(filters), last.get("sortModel"), last.get("filterModel")
    )
    return export_frame(df)


def _filename(ext: str) -> str:
    return f"fristvagt-sager-{dt.date.today().isoformat()}.{ext}"


@callback(
    Output(DOWNLOAD, "data"),
    Input(EXPORT_XLSX, "n_clicks"),
    Input(EXPORT_CSV, "n_clicks"),
    State(FILTERS, "data"),
    State(LAST_REQUEST, "data"),
    prevent_initial_call=True,
)
def export(
    _xlsx: int | None,
    _csv: int | None,
    filters: Mapping[str, Any] | None,
    last: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The current filter's whole list as Excel or CSV, built on the server."""
    df = _export(filters, last)
    if dash.ctx.triggered_id == EXPORT_CSV:
        data = "\ufeff" + df.to_csv(index=False, sep=";")  # BOM: Excel reads æøå right
        return dcc.send_string(data, _filename("csv"))
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="Sager")
        ws = xw.sheets["Sager"]
        ws.autofilter(0, 0, len(df), max(len(df.columns) - 1, 0))
        ws.freeze_panes(1, 0)
        for i, col in enumerate(df.columns):
            ws.set_column(i, i, 60 if col == "Hvorfor" else 16)
    return dcc.send_bytes(buf.getvalue(), _filename("xlsx"))
