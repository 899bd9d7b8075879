"""Udvikling (/udvikling): the directorate's monthly trend per KPI per center, with forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from components import charts, filters, labels, trend, ui, urls
from components.cache import memoize_per_load
from store import complaints, kpi_results, runs
from vocab import ALL_CENTERS

dash.register_page(
    __name__, path=urls.TREND, name="Udvikling", title="Fristvagt – Udvikling", order=3
)

KPI_SELECT = "udvikling-kpi"
CENTER_SELECT = "udvikling-center"
PERIOD_SELECT = "udvikling-period"
CHARTS = "udvikling-charts"
LOCATION = "udvikling-location"
TREND_GRAPH = "trend"  # the `type` of a chart's pattern id {"type", "kpi"}
TREND_TABLE = "trend-table"  # the chart as a table (its text alternative)
PERIODS = {"12": "Seneste 12 måneder", "24": "Seneste 24 måneder", "alle": "Hele perioden"}

# Results that only change with a load: computed once per load and scope (components.cache).
kpi_overview = memoize_per_load(kpi_results.kpi_overview)
kpi_trend = memoize_per_load(kpi_results.kpi_trend)
campaign_periods = memoize_per_load(complaints.campaign_periods)


def graph_config(kpi: str) -> dict[str, Any]:
    """The chart's mode bar in Danish, a dated file name for the picture."""
    return {
        **charts.graph_config(f"udvikling-{kpi}"),
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    }


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    over = kpi_overview(eng, scope)
    kpis = sorted(over["kpi"].unique().tolist()) if not over.empty else []
    centers = sorted(over["center"].unique().tolist()) if not over.empty else []
    if not kpis:
        return html.Div([ui.page_header("Udvikling"), ui.empty_state("Ingen nøgletal endnu.")])
    # the selection lives in the link: a shared link opens the same charts
    link = urls.parse_trend(params, kpis, [ALL_CENTERS, *centers], PERIODS)
    chosen_kpis = list(link.kpis or kpis[:4])
    chosen_centers = list(link.centers or centers)
    period = link.period or "12"
    not_understood = urls.not_understood_text(link.not_understood)
    controls = filters.filter_row(
        [
            filters.filter_control(
                KPI_SELECT,
                "Nøgletal",
                filters.options((k, f"{k} {labels.kpi_label(k)}") for k in kpis),
                chosen_kpis,
                width=5,
                multi=True,
            ),
            filters.filter_control(
                CENTER_SELECT,
                "Centre",
                filters.options((c, labels.center_label(c)) for c in [ALL_CENTERS, *centers]),
                chosen_centers,
                width=4,
                multi=True,
            ),
            filters.filter_control(
                PERIOD_SELECT,
                "Periode",
                filters.options(PERIODS.items()),
                period,
                width=3,
                clearable=False,
            ),
        ],
        class_name="g-2 mb-3",
    )
    return html.Div(
        [
            ui.page_header(
                "Udvikling",
                f"Månedlig målopfyldelse pr. center mod målet på {labels.target_text(kpis)}. "
                "Hvert center har sin farve på alle grafer. Et åbent punkt er den "
                "igangværende måned (foreløbig). Vælg »hvis intet gøres« i forklaringen "
                "for at se, hvor tallet ender, hvis der ikke gøres mere – et scenarie, "
                "ikke en prognose. Den stiplede »tendens« fremskriver de seneste seks "
                "måneders udvikling. Hver graf kan også vises som tabel.",
            ),
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dbc.Alert(not_understood, color="warning", className="py-2")
            if not_understood
            else None,
            controls,
            dcc.Loading(html.Div(id=CHARTS)),
        ]
    )


@callback(
    Output(LOCATION, "search"),
    Input(KPI_SELECT, "value"),
    Input(CENTER_SELECT, "value"),
    Input(PERIOD_SELECT, "value"),
    prevent_initial_call=True,
)
def selection_to_url(kpis: Any, centers: Any, period: Any) -> str:
    """The chosen KPIs, centers and period written to the link (shareable)."""
    return urls.trend_search(
        [k for k in kpis or [] if isinstance(k, str)][:50],
        [c for c in centers or [] if isinstance(c, str)][:MAX_CENTERS],
        period if isinstance(period, str) and period in PERIODS else None,
    )


MAX_CENTERS = 50  # more than any administration has


@callback(
    Output(CHARTS, "children"),
    Input(KPI_SELECT, "value"),
    Input(CENTER_SELECT, "value"),
    Input(PERIOD_SELECT, "value"),
)
def update_charts(kpis: list[str] | None, centers: list[str] | None, period: str | None) -> Any:
    """A trend chart per chosen KPI, for the chosen centers and period."""
    # bounded work: only the rules' KPIs and short center codes, each once, in order
    known = list(labels.rules().kpis)
    kpis = [k for k in dict.fromkeys(kpis if isinstance(kpis, list) else []) if k in known]
    centers = [
        c
        for c in dict.fromkeys(centers if isinstance(centers, list) else [])
        if isinstance(c, str) and 0 < len(c) <= 16
    ][:MAX_CENTERS]
    period = period if isinstance(period, str) else None
    if not kpis or not centers:
        return ui.empty_state("Vælg mindst ét nøgletal og ét center.")
    eng, scope = ui.engine(), ui.scope()
    start = None
    as_of = runs.current_as_of(eng) or dt.date.today()
    if period in ("12", "24"):
        start = (pd.Timestamp(as_of) - pd.DateOffset(months=int(period))).date()
    df = kpi_trend(eng, scope, kpis=kpis, centers=centers, start=start)
    if df.empty:
        return ui.empty_state("Ingen historik for det valgte.")
    events = trend.events_in(
        [*trend.law_events(), *trend.campaign_events(campaign_periods(eng, scope))],
        df["as_of"].min(),
        df["as_of"].max(),
    )
    cols = []
    for kpi in kpis:
        part = df[df["kpi"] == kpi]
        if part.empty:
            continue
        header, rows = trend.trend_table(part)
        cols.append(
            dbc.Col(
                [
                    dcc.Graph(
                        figure=trend.trend_figure(part, kpi, events),
                        config=graph_config(kpi),
                        id={"type": TREND_GRAPH, "kpi": kpi},
                    ),
                    html.P(trend.event_caption(part, events), className="small text-muted mb-1"),
                    ui.chart_table(
                        f"Vis {kpi} som tabel",
                        header,
                        rows,
                        numeric=(),
                        component_id={"type": TREND_TABLE, "kpi": kpi},
                    ),
                ],
                lg=6,
                className="mb-3",
            )
        )
    return dbc.Row(cols)
