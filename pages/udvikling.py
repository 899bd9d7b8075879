"""Udvikling (/udvikling): the directorate's monthly trend per KPI per center, with forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from components import charts, filters, labels, ui, urls
from components import format as fmt
from components.cache import memoize_per_load
from store import kpi_results, runs
from vocab import ALL_CENTERS, ResultKind

dash.register_page(
    __name__, path=urls.TREND, name="Udvikling", title="Fristvagt – Udvikling", order=3
)

KPI_SELECT = "udvikling-kpi"
CENTER_SELECT = "udvikling-center"
PERIOD_SELECT = "udvikling-period"
CHARTS = "udvikling-charts"
LOCATION = "udvikling-location"
TREND_GRAPH = "trend"  # the `type` of a chart's pattern id {"type", "kpi"}
PERIODS = {"12": "Seneste 12 måneder", "24": "Seneste 24 måneder", "alle": "Hele perioden"}

# Results that only change with a load: computed once per load and scope (components.cache).
kpi_overview = memoize_per_load(kpi_results.kpi_overview)
kpi_trend = memoize_per_load(kpi_results.kpi_trend)


def milestone_dates(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """Milestones to mark: the rules' yearly trend milestones in the period."""
    return [pd.Timestamp(d) for d in labels.trend_milestones(start.date(), end.date())]


def month_series(df: pd.DataFrame) -> pd.DataFrame:
    """One point per month: the newest non-forecast result of the month (recomputed wins a tie)."""
    hist = df[df["kind"] != ResultKind.FORECAST].copy()
    if hist.empty:
        return hist
    hist["month"] = hist["as_of"].dt.to_period("M")
    hist["rank"] = (hist["kind"] == ResultKind.RECOMPUTED).astype(int)
    hist = hist.sort_values(["as_of", "rank"])
    return hist.groupby(["kpi", "center", "month"], as_index=False).tail(1)


def _iso(values: Any) -> list[str]:
    return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def target_lines(df: pd.DataFrame, kpi: str) -> dict[float, list[str]]:
    """The targets to draw: target -> the centers it applies to (one line per distinct target).

    Only the centers drawn count (those where the KPI counts cases). A center's
    target is the one its newest result was computed against, else the rules'.
    """
    counted = df[df["denominator"] > 0]
    out: dict[float, list[str]] = {}
    for center in sorted(counted["center"].unique()) if not counted.empty else [ALL_CENTERS]:
        stored = counted[(counted["center"] == center) & counted["target"].notna()]
        stored = stored.sort_values("as_of")
        target = (
            float(stored["target"].iloc[-1]) if not stored.empty else labels.target(kpi, center)
        )
        out.setdefault(round(target, 6), []).append(center)
    return out


SCENARIO = "hvis intet gøres"  # the forecast's name: a scenario, drawn grey, off by default


def quarter_ticks(start: Any, end: Any) -> tuple[list[pd.Timestamp], list[str]]:
    """Ticks at quarter starts ("1. kvt. 2025"), or at year starts ("2025") for long spans."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    quarters = pd.date_range(start.to_period("Q").to_timestamp(), end, freq="QS")
    if len(quarters) > 12:
        years = pd.date_range(start.to_period("Y").to_timestamp(), end, freq="YS")
        return list(years), [str(y.year) for y in years]
    return list(quarters), [f"{q.quarter}. kvt. {q.year}" for q in quarters]


def trend_figure(df: pd.DataFrame, kpi: str) -> dict[str, Any]:
    """The trend chart as a plain plotly figure dict (no validation cost per request)."""
    data: list[dict[str, Any]] = []
    hist = month_series(df)
    for center, g in hist.groupby("center", sort=True):
        if not (g["denominator"] > 0).any():
            continue  # the KPI counts no cases in this center (e.g. a child KPI in RCK)
        colour = charts.center_colour(str(center))
        short = labels.center_short(center)
        g = g.sort_values("as_of")
        last = g["as_of"].iloc[-1]
        partial = last != last + pd.offsets.MonthEnd(0)  # the current month is not over
        text = [
            f"{fmt.percent(v, d)} ({fmt.number(n)} af {fmt.number(d)})"
            for v, n, d in zip(g["value"], g["numerator"], g["denominator"], strict=True)
        ]
        symbols = ["circle"] * len(g)
        if partial:
            text[-1] += " – foreløbig: måneden er ikke slut"
            symbols[-1] = "circle-open"
        data.append(
            {
                "type": "scatter",
                "x": _iso(g["as_of"]),
                "y": [None if pd.isna(v) else float(v) for v in g["value"]],
                "mode": "lines+markers",
                "name": short,
                "line": {"color": colour},
                "marker": {"symbol": symbols, "size": 7},
                "text": text,
                "hovertemplate": charts.HOVER_DATE + ": %{text}<extra>" + short + "</extra>",
            }
        )
        fc = df[(df["kind"] == ResultKind.FORECAST) & (df["center"] == center)].sort_values("as_of")
        if not fc.empty:
            # a scenario, not a forecast of what will happen: grey, off until chosen
            data.append(
                {
                    "type": "scatter",
                    "x": _iso([g["as_of"].iloc[-1], *fc["as_of"]]),
                    "y": [float(g["value"].iloc[-1]), *(float(v) for v in fc["value"])],
                    "mode": "lines",
                    "name": f"{short} {SCENARIO}",
                    "line": {"color": charts.SCENARIO_COLOUR, "dash": "dot", "width": 1.5},
                    "visible": "legendonly",
                    "customdata": [fmt.percent(v) for v in [g["value"].iloc[-1], *fc["value"]]],
                    "hovertemplate": "Hvis intet gøres, "
                    + charts.HOVER_DATE
                    + ": %{customdata}<extra>"
                    + short
                    + "</extra>",
                }
            )
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    targets = target_lines(df, kpi)
    for target, centers in targets.items():
        named = (
            f" ({', '.join(labels.center_short(c) for c in centers)})" if len(targets) > 1 else ""
        )
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": target,
                "y1": target,
                "line": {"color": charts.TARGET_COLOUR, "dash": "dot"},
            }
        )
        notes.append(
            {
                "xref": "paper",
                "x": 1,
                "y": target,
                "yanchor": "top",
                "xanchor": "right",
                "text": f"Mål {fmt.percent(target)}{named}",
                "showarrow": False,
            }
        )
    if not df.empty:
        for d in milestone_dates(df["as_of"].min(), df["as_of"].max() + pd.Timedelta(days=62)):
            x = d.strftime("%Y-%m-%d")
            shapes.append(
                {
                    "type": "line",
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "x0": x,
                    "x1": x,
                    "line": {"color": "#6c757d", "dash": "dash", "width": 1},
                }
            )
            notes.append(
                {
                    "x": x,
                    "y": 1.03,
                    "yref": "y",
                    "text": f"Milepæl {fmt.date(d)}",
                    "xanchor": "left",
                    "xshift": 3,
                    "showarrow": False,
                    "font": {"size": 11, "color": "#495057"},
                }
            )
    ticks = quarter_ticks(df["as_of"].min(), df["as_of"].max()) if not df.empty else ([], [])
    shown = [float(v) for v in df["value"].dropna()] if not df.empty else []
    layout = {
        "title": {"text": f"{kpi} {labels.kpi_label(kpi)}"},
        "yaxis": charts.percent_axis(shown, targets),
        "xaxis": {"tickvals": _iso(ticks[0]), "ticktext": ticks[1], "gridcolor": "#e9ecef"},
        "separators": ",.",
        "height": 340,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "legend": {"orientation": "h", "y": -0.18},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "shapes": shapes,
        "annotations": notes,
    }
    return {"data": data, "layout": layout}


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
                "Hver center har sin farve på alle grafer. Et åbent punkt er den "
                "igangværende måned (foreløbig). Vælg »hvis intet gøres« i forklaringen "
                "for at se, hvor tallet ender, hvis der ikke gøres mere – et scenarie, "
                "ikke en prognose. Hent en graf som billede med kamera-ikonet.",
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
    cols = []
    for kpi in kpis:
        part = df[df["kpi"] == kpi]
        if part.empty:
            continue
        cols.append(
            dbc.Col(
                dcc.Graph(
                    figure=trend_figure(part, kpi),
                    config=graph_config(kpi),
                    id={"type": TREND_GRAPH, "kpi": kpi},
                ),
                lg=6,
                className="mb-3",
            )
        )
    return dbc.Row(cols)
