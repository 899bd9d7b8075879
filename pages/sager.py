"""Sager (/sager): the caseworker's obligation list, paged/sorted/filtered in SQL.

The URL is the filter's single source of truth: the controls write the URL
(`?sagsbehandler=…&status=overskredet`, spelled by components.urls), the URL
re-renders the page, and the AG Grid (infinite row model) asks the server for
one block of rows at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from components import auth, cpr_reveal, filters, labels, news, ui, urls
from components import format as fmt
from components.cache import memoize_per_load
from components.grid_locale import GRID_LOCALE_DA
from components.security import safe_repr
from monitoring.reasons import reasons
from store import case_list, grid_filter, runs
from vocab import AuditAction, Status

log = logging.getLogger(__name__)

dash.register_page(__name__, path=urls.CASES, name="Sager", title="Fristvagt – Sager", order=1)

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
URL_STATE = "sager-url-state"  # the link of the list as the grid now sorts and filters it
URL_WRITTEN = "sager-url-written"
MAX_MODEL_CHARS = 4000
CPR_BUTTON = "sager-cpr-button"
CPR_SHOWN = "sager-cpr-shown"
MAX_ROW = 10_000_000  # the grid never asks beyond this row
NOT_UNDERSTOOD = "sager-not-understood"
DUE_RANGE = "sager-due-range"
RESULT = "sager-result"
BLOCK = 100
ROW_HEIGHT = 25

# Results that only change with a load: computed once per load and scope (components.cache).
filter_options = memoize_per_load(case_list.filter_options)
list_count = memoize_per_load(case_list.list_count)  # a count changes only with a load

DATE_FILTER = {"filter": "agDateColumnFilter", "filterParams": {"buttons": ["reset"]}}
TEXT_FILTER = {
    "filter": "agTextColumnFilter",
    "filterParams": {"filterOptions": ["contains", "equals", "startsWith"], "buttons": ["reset"]},
}
NUMBER_FILTER = {"filter": "agNumberColumnFilter", "filterParams": {"buttons": ["reset"]}}


def column_defs(kpi_mode: bool) -> list[dict[str, Any]]:
    """The grid's columns; a KPI's list starts with whether each member met it."""
    cols: list[dict[str, Any]] = [
        {"field": "status_text", "headerName": "Status", "colId": "status", "width": 165},
        {"field": "days_overdue", "headerName": "Dage over", "width": 82, **NUMBER_FILTER},
        {"field": "days_text", "headerName": "Frist om", "width": 130, "sortable": False},
        {
            "field": "due_text",
            "headerName": "Frist",
            "colId": "due_on",
            "width": 125,
            **DATE_FILTER,
        },
        {"field": "kind_text", "headerName": "Type", "colId": "kind", "width": 165},
        {
            "field": "case_link",
            "colId": "case_id",
            "headerName": "Sag",
            "width": 110,
            "cellRenderer": "markdown",
            **TEXT_FILTER,
        },
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


def days_text(status: Any, due_on: Any, as_of: dt.date | None) -> str:
    """'12 dage over' for an overdue deadline, '3 dage tilbage' / 'i dag' for an open one,
    '' for one that is done (counted from the load's date)."""
    due = fmt_date(due_on)
    if due is None or as_of is None or status not in (Status.OPEN, Status.OVERDUE):
        return ""
    days = (due - as_of).days
    if days < 0:
        return f"{-days} dag{'e' if days != -1 else ''} over"
    if days == 0:
        return "i dag"
    return f"{days} dag{'e' if days != 1 else ''} tilbage"


def fmt_date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def display_rows(df: pd.DataFrame, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """One page of list rows (one per obligation or KPI member) as the grid shows them."""
    rows: list[dict[str, Any]] = []
    if not df.empty and "rule_text" in df:
        df = df.assign(reason=reasons(df))
    for r in df.to_dict("records"):
        status = r.get("status")
        out = {
            "id": str(r.get("obligation_id") or "") + "|" + str(r.get("case_id") or ""),
            "status_text": labels.status_text(status) if status else "Ingen frist",
            "days_overdue": int(r["days_overdue"]) if r.get("days_overdue") is not None else None,
            "due_text": fmt.date(r.get("due_on")),
            "days_text": days_text(status, r.get("due_on"), as_of),
            "kind_text": labels.kind_label(r.get("kind")),
            "case_id": r.get("case_id"),
            "case_link": _case_link(r.get("case_id")),
            "cpr": r.get("cpr") or "",
            "caseworker": labels.caseworker_label(r.get("caseworker_id"), r.get("caseworker")),
            "team": labels.team_label(r.get("team")),
            "center": r.get("center"),
            "done_text": fmt.date(r.get("done_on")),
            "rule_text": r.get("reason") or "",
        }
        if "met" in r:
            out["result_text"] = "✔ Opfyldt" if r["met"] else "✖ Ikke opfyldt"
        rows.append(out)
    return rows


def _case_link(case_id: Any) -> str:
    """The case id as a Markdown link to its page (the id escaped for Markdown)."""
    if not case_id:
        return ""
    text = "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>" else ch for ch in str(case_id))
    return f"[{text}]({urls.case_href(str(case_id))})"


def _controls(flt: case_list.ListFilter, opts: Mapping[str, Any]) -> dbc.Row:
    """The filter controls, their choices narrowed to the chosen center and team."""
    teams, workers = opts["teams"], opts["caseworkers"]
    if flt.center:
        teams = teams[teams["center"] == flt.center]
        workers = workers[workers["center"] == flt.center]
    if flt.team:
        workers = workers[workers["team"] == flt.team]
    workers = workers.drop_duplicates("caseworker_id")
    team_values = [*teams["team"].unique()]
    worker_names = [*zip(workers["caseworker_id"], workers["name"], strict=True)]
    # a link may name a team or caseworker the register lacks ("(intet team)", a former
    # team): keep it as a choice, or the dropdown would clear it and drop it from the URL
    if flt.team and flt.team not in team_values:
        team_values.append(flt.team)
    if flt.caseworker and flt.caseworker not in {w for w, _ in worker_names}:
        worker_names.append((flt.caseworker, None))
    return filters.filter_row(
        [
            filters.filter_control(
                CENTER,
                "Center",
                filters.options((c, c) for c in opts["centers"]),
                flt.center,
                width=1,
                placeholder="Alle",
            ),
            filters.filter_control(
                TEAM,
                "Team",
                filters.options((t, labels.team_label(t)) for t in team_values),
                flt.team,
                width=2,
                placeholder="Alle teams",
            ),
            filters.filter_control(
                CASEWORKER,
                "Sagsbehandler",
                filters.options((w, labels.caseworker_label(w, n)) for w, n in worker_names),
                flt.caseworker,
                width=2,
                placeholder="Alle sagsbehandlere",
            ),
            filters.filter_control(
                KIND,
                "Type",
                filters.options((k, labels.kind_label(k)) for k in opts["kinds"]),
                flt.kind,
                width=2,
                placeholder="Alle typer",
            ),
            filters.filter_control(
                STATUS,
                "Status (en eller flere)",
                filters.options(urls.LIST_STATUS_LABELS.items()),
                [str(st) for st in case_list.split_statuses(flt.status)],
                width=3,
                placeholder="Alle, også opfyldte",
                multi=True,
            ),
            *_more_controls(flt),
        ]
    )


def _more_controls(flt: case_list.ListFilter) -> list[dbc.Col]:
    """The due-date period and, for a KPI's list, the result: visible controls for
    what the link may hold (forfald_fra, forfald_til, resultat)."""
    cols: list[Any] = [
        dbc.Col(
            [
                dbc.Label("Frist i perioden", html_for=DUE_RANGE),
                html.Div(
                    dcc.DatePickerRange(
                        id=DUE_RANGE,
                        start_date=flt.due_from.isoformat() if flt.due_from else None,
                        end_date=flt.due_to.isoformat() if flt.due_to else None,
                        display_format="D. MMM YYYY",
                        first_day_of_week=1,
                        start_date_placeholder_text="Fra",
                        end_date_placeholder_text="Til",
                        clearable=True,
                        minimum_nights=0,
                        month_format="MMMM YYYY",
                    ),
                ),
            ],
            md="auto",
        )
    ]
    # the result only narrows a KPI's list: hidden (but there) for the obligations
    result = filters.filter_control(
        RESULT,
        "Resultat",
        filters.options(
            [
                (case_list.MemberResult.NOT_MET, "Ikke opfyldt"),
                (case_list.MemberResult.MET, "Opfyldt"),
            ]
        ),
        flt.result,
        width=2,
        placeholder="Alle",
    )
    if not flt.kpi:
        result.className = "d-none"
    cols.append(result)
    return cols


def _kpi_note(flt: case_list.ListFilter) -> dbc.Alert | None:
    """Says the list shows a KPI's members, with a way back to all obligations."""
    if not flt.kpi:
        return None
    return dbc.Alert(
        [
            f"Viser sagerne bag nøgletallet {flt.kpi} {labels.kpi_label(flt.kpi)}"
            + (f" for {flt.center}" if flt.center else "")
            + ". ",
            dcc.Link(
                "Vis alle forpligtelser i stedet",
                href=urls.list_href(flt, kpi=None, result=None),
            ),
        ],
        color="info",
        className="py-2",
    )


def _nouns(flt: case_list.ListFilter) -> tuple[str, str]:
    return ("sag", "sager") if flt.kpi else ("forpligtelse", "forpligtelser")


def grid_models(
    eng: Any, scope: Any, flt: case_list.ListFilter, params: Mapping[str, Any]
) -> tuple[list[Any], dict[str, Any], list[tuple[str, str]]]:
    """The grid's sort and column filters from the link (`sortering=`, `kolonnefilter=`,
    JSON), checked against the list's allow-list; what cannot be used is reported."""
    models: dict[str, Any] = {urls.SORT: [], urls.COLUMN_FILTER: {}}
    bad: list[tuple[str, str]] = []
    for key, kind in ((urls.SORT, list), (urls.COLUMN_FILTER, dict)):
        raw = params.get(key)
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if not raw:
            continue
        try:
            value = json.loads(str(raw)) if len(str(raw)) <= MAX_MODEL_CHARS else None
        except ValueError:
            value = None
        if isinstance(value, kind):
            models[key] = value
        else:
            bad.append((key, str(raw)[:40]))
    try:
        case_list.check_models(eng, scope, flt, models[urls.SORT], models[urls.COLUMN_FILTER])
    except (grid_filter.DisallowedColumn, grid_filter.BadFilter, case_list.BadFilter):
        bad += [(k, "ukendt kolonne eller filter") for k in (urls.SORT, urls.COLUMN_FILTER)]
        models = {urls.SORT: [], urls.COLUMN_FILTER: {}}
    return models[urls.SORT], models[urls.COLUMN_FILTER], bad


def _sorted_columns(cols: list[dict[str, Any]], sort: list[Any]) -> list[dict[str, Any]]:
    """The column definitions with the link's sort applied (AG Grid's sort, sortIndex)."""
    order = {
        str(s.get("colId")): (i, s.get("sort")) for i, s in enumerate(sort) if isinstance(s, dict)
    }
    out = []
    for col in cols:
        col_id = col.get("colId", col.get("field"))
        if col_id in order:
            index, direction = order[col_id]
            col = {**col, "sort": direction, "sortIndex": index}
        out.append(col)
    return out


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    opts = filter_options(eng, scope)
    grid_params = {k: params.pop(k) for k in (urls.SORT, urls.COLUMN_FILTER) if k in params}
    link = urls.parse_list(params, centers=opts["centers"])
    flt = link.filter
    sort, column_filter, bad_models = grid_models(eng, scope, flt, grid_params)
    count = list_count(eng, scope, flt, column_filter)
    worker_name = case_list.employee_name(eng, flt.caseworker) if flt.caseworker else None
    not_understood = urls.not_understood_text((*link.not_understood, *bad_models))
    described = case_list.describe_list_filter(column_filter)
    filtered = bool(urls.list_query(flt) or sort or column_filter)
    header = html.Div(
        [
            html.H2(
                fmt.count_label(count, *_nouns(flt)),
                id=COUNT,
                className="h5 mb-0 me-3 text-nowrap",
                **{"aria-live": "polite"},
            ),
            html.Span(
                urls.filter_title(flt, worker_name)
                + ("; " + "; ".join(described) if described else ""),
                title=urls.filter_title(flt, worker_name)
                + ("; " + "; ".join(described) if described else ""),
                className="text-muted text-truncate list-title",
            ),
            dcc.Link("Nulstil filtre", href=urls.CASES, className="ms-2 me-3 text-nowrap")
            if filtered
            else None,
            html.Span(className="me-auto"),
            _cpr_button(),
            html.A(
                "Hent Excel",
                id=EXPORT_XLSX,
                href=urls.export_href(urls.EXPORT_XLSX, flt),
                className="btn btn-sm btn-outline-secondary me-2 text-nowrap",
                role="button",
            ),
            html.A(
                "Hent CSV",
                id=EXPORT_CSV,
                href=urls.export_href(urls.EXPORT_CSV, flt),
                className="btn btn-sm btn-outline-secondary text-nowrap",
                role="button",
            ),
        ],
        className="d-flex align-items-center flex-wrap flex-lg-nowrap my-2",
    )
    grid = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=_sorted_columns(column_defs(bool(flt.kpi)), sort),
        filterModel=column_filter,
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
            # a dozen columns: render them all (screen readers, find-in-page, tests)
            "suppressColumnVirtualisation": True,
            "rowSelection": {
                "mode": "singleRow",
                "enableClickSelection": True,
                "checkboxes": False,
            },
            "localeText": GRID_LOCALE_DA,
            # compact rows: a laptop (1280x720) shows at least 15 of them
            "rowHeight": ROW_HEIGHT,
            "headerHeight": 34,
        },
        style={"height": "calc(100vh - 230px)", "minHeight": "440px"},
        className="ag-theme-alpine",
    )
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dcc.Store(id=FILTERS, data=urls.list_query(flt)),
            dcc.Store(id=LAST_REQUEST, data={}),
            dcc.Store(id=URL_STATE),
            dcc.Store(id=URL_WRITTEN),
            ui.page_header(
                "Sager",
                "Forpligtelser med frist. Sortér og filtrér i kolonnerne; filtrene kan deles som link.",
            ),
            dbc.Alert(not_understood, color="warning", className="py-2", id=NOT_UNDERSTOOD)
            if not_understood
            else None,
            _kpi_note(flt),
            _controls(flt, opts),
            news.deadline_news(eng, scope, flt, runs.current_as_of(eng)),
            header,
            html.Div(id=CPR_SHOWN, role="status"),
            grid,
        ]
    )


def _iso_date(value: Any) -> dt.date | None:
    """A date picker's value ('2026-12-01' or '2026-12-01T00:00:00') as a date."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _flt(data: Mapping[str, Any] | None) -> case_list.ListFilter:
    """The filter of this render, from its query parameters (kept in FILTERS)."""
    return urls.parse_list(data or {}).filter


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Output(LAST_REQUEST, "data"),
    Input(GRID, "getRowsRequest"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def get_rows(
    request: Mapping[str, Any] | None, query: Mapping[str, Any] | None
) -> tuple[Any, Any, Any]:
    """One block of rows for the grid, plus the count under the current filters."""
    if not isinstance(request, Mapping) or not request:
        return no_update, no_update, no_update
    eng, scope = ui.engine(), ui.scope()
    flt = _flt(query if isinstance(query, Mapping) else None)
    sort_model = request.get("sortModel") or []
    filter_model = request.get("filterModel") or {}
    try:
        start, end = _row_range(request)
        count = list_count(eng, scope, flt, filter_model)
        df = case_list.list_rows(eng, scope, flt, start, end, sort_model, filter_model)
    except (grid_filter.DisallowedColumn, grid_filter.BadFilter, case_list.BadFilter) as exc:
        log.warning("rejected grid request: %s", safe_repr(str(exc)))
        return {"rowData": [], "rowCount": 0}, "Ugyldigt filter", no_update
    shown = [str(c) for c in df["case_id"].dropna()] if "case_id" in df else []
    auth.audit(
        AuditAction.LIST,
        page=urls.CASES + urls.list_search(flt),
        detail={
            "rows": [start, start + len(df)],
            "sort": sort_model,
            "column_filter": filter_model,
        },
        row_count=len(df),
        case_ids=shown,
    )
    return (
        {"rowData": display_rows(df, runs.current_as_of(eng)), "rowCount": count},
        fmt.count_label(count, *_nouns(flt)),
        {"sortModel": sort_model, "filterModel": filter_model},
    )


def _row_range(request: Mapping[str, Any]) -> tuple[int, int]:
    """The grid's startRow/endRow as a bounded range (BadFilter for anything else)."""
    start, end = request.get("startRow", 0), request.get("endRow", BLOCK)
    if isinstance(start, bool) or isinstance(end, bool):
        raise grid_filter.BadFilter("row numbers are not numbers")
    if not isinstance(start, int) or not isinstance(end, int):
        raise grid_filter.BadFilter("row numbers are not whole numbers")
    if not 0 <= start <= MAX_ROW or not start <= end <= MAX_ROW:
        raise grid_filter.BadFilter("row numbers out of range")
    return start, end


@callback(
    Output(LOCATION, "search"),
    Input(CENTER, "value"),
    Input(TEAM, "value"),
    Input(CASEWORKER, "value"),
    Input(KIND, "value"),
    Input(STATUS, "value"),
    Input(DUE_RANGE, "start_date"),
    Input(DUE_RANGE, "end_date"),
    Input(RESULT, "value"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def controls_to_url(
    center: str | None,
    team: str | None,
    caseworker: str | None,
    kind: str | None,
    status: Any,
    due_from: str | None,
    due_to: str | None,
    result: Any,
    query: Mapping[str, Any] | None,
) -> str:
    """The filter controls write the URL; the URL then opens the filtered list."""
    current = _flt(query)
    statuses = status if isinstance(status, list) else [status] if status else []
    try:
        joined = case_list.join_statuses(str(st) for st in statuses)
    except ValueError:
        return no_update
    new = replace(
        current,
        center=center or None,
        team=team or None,
        caseworker=caseworker or None,
        kind=kind or None,
        status=joined,
        due_from=_iso_date(due_from),
        due_to=_iso_date(due_to),
        result=(str(result) if result else None) if current.kpi else current.result,
    )
    # narrowing the center or team drops choices that may no longer belong to it
    changed = dash.ctx.triggered_id
    if changed == CENTER and new.center != current.center:
        new = replace(new, team=None, caseworker=None)
    if changed == TEAM and new.team != current.team:
        new = replace(new, caseworker=None)
    if new == current:
        return no_update
    return urls.list_search(new)


@callback(
    Output(EXPORT_XLSX, "href"),
    Output(EXPORT_CSV, "href"),
    Input(LAST_REQUEST, "data"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def export_links(
    last: Mapping[str, Any] | None, query: Mapping[str, Any] | None
) -> tuple[str, str]:
    """The file links follow the grid: its filter, sort and column filters."""
    last = last if isinstance(last, Mapping) else {}
    flt, sort, filters = _flt(query), last.get("sortModel"), last.get("filterModel")
    return (
        urls.export_href(urls.EXPORT_XLSX, flt, sort, filters),
        urls.export_href(urls.EXPORT_CSV, flt, sort, filters),
    )


@callback(
    Output(URL_STATE, "data"),
    Input(LAST_REQUEST, "data"),
    State(FILTERS, "data"),
    prevent_initial_call=True,
)
def grid_to_url(last: Mapping[str, Any] | None, query: Mapping[str, Any] | None) -> str:
    """The list's link with the grid's sort and column filters: shared, it restores them."""
    last = last if isinstance(last, Mapping) else {}
    return urls.export_href(urls.CASES, _flt(query), last.get("sortModel"), last.get("filterModel"))


# the address bar follows the grid without reloading the page (replaceState, no event)
clientside_callback(
    """function (href) {
        if (href && href !== window.location.pathname + window.location.search) {
            window.history.replaceState(window.history.state, "", href);
        }
        return href;
    }""",
    Output(URL_WRITTEN, "data"),
    Input(URL_STATE, "data"),
    prevent_initial_call=True,
)


def _cpr_button() -> dbc.Button | None:
    """'Vis CPR' for roles that may reveal one full CPR number (each reveal is logged)."""
    return cpr_reveal.button(
        CPR_BUTTON,
        "Vis CPR for valgt række",
        "Vælg en række i listen. Visningen bliver logget.",
        "me-2",
    )


@callback(
    Output(CPR_SHOWN, "children"),
    Input(CPR_BUTTON, "n_clicks"),
    State(GRID, "selectedRows"),
    prevent_initial_call=True,
)
def reveal_cpr(_n: int | None, selected: Any) -> dbc.Alert:
    """One case's full CPR number, for a role that may, in its scope; audited."""
    rows = selected if isinstance(selected, list) else []
    case_id = rows[0].get("case_id") if rows and isinstance(rows[0], Mapping) else None
    who = ui.principal()
    if (who is not None and who.may_reveal_cpr) and (not isinstance(case_id, str) or not case_id):
        return dbc.Alert("Vælg først en række i listen.", color="info", className="py-2")
    got = cpr_reveal.reveal(str(case_id or ""), urls.CASES)
    if got.number is None:
        return dbc.Alert(got.reason, color="warning", className="py-2")
    return dbc.Alert(
        [html.Strong(f"Sag {case_id}: CPR {got.number}"), " – visningen er logget."],
        color="secondary",
        className="py-2",
        dismissable=True,
    )
