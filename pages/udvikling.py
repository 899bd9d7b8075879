"""Udvikling (/udvikling): the directorate's monthly trend per KPI per center, with forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from components import format as fmt
from components import labels, ui
from store import queries

dash.register_page(
    __name__, path="/udvikling", name="Udvikling", title="Fristvagt – Udvikling", order=3
)

KPI_SELECT = "udvikling-kpi"
CENTER_SELECT = "udvikling-center"
PERIOD_SELECT = "udvikling-period"
CHARTS = "udvikling-charts"
PERIODS = {"12": "Seneste 12 måneder", "24": "Seneste 24 måneder", "alle": "Hele perioden"}
COLOURS = ("#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#212529")


def milestone_dates(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """Milestones to mark: the rules' yearly trend milestones in the period."""
    return [pd.Timestamp(d) for d in labels.trend_milestones(start.date(), end.date())]


def month_series(df: pd.DataFrame) -> pd.DataFrame:
    """One point per month: the newest non-forecast result of the month (recomputed wins a tie)."""
    hist = df[df["kind"] != "forecast"].copy()
    if hist.empty:
        return hist
    hist["month"] = hist["as_of"].dt.to_period("M")
    hist["rank"] = (hist["kind"] == "recomputed").astype(int)
    hist = hist.sort_values(["as_of", "rank"])
    return hist.groupby(["kpi", "center", "month"], as_index=False).tail(1)


def _iso(values: Any) -> list[str]:
    return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def trend_figure(df: pd.DataFrame, kpi: str) -> dict[str, Any]:
    """The trend chart as a plain plotly figure dict (no validation cost per request)."""
    data: list[dict[str, Any]] = []
    hist = month_series(df)
    for i, (center, g) in enumerate(hist.groupby("center", sort=True)):
        if not (g["denominator"] > 0).any():
            continue  # the KPI counts no cases in this center (e.g. a child KPI in RCK)
        colour = COLOURS[i % len(COLOURS)]
        short = "Hele forvaltningen" if center == "ALL" else str(center)
        g = g.sort_values("as_of")
        text = [
            f"{fmt.percent(v, d)} ({fmt.number(n)} af {fmt.number(d)})"
            for v, n, d in zip(g["value"], g["numerator"], g["denominator"], strict=True)
        ]
        data.append(
            {
                "type": "scatter",
                "x": _iso(g["as_of"]),
                "y": [None if pd.isna(v) else float(v) for v in g["value"]],
                "mode": "lines+markers",
                "name": short,
                "line": {"color": colour},
                "text": text,
                "hovertemplate": "%{x|%d-%m-%Y}: %{text}<extra>" + short + "</extra>",
            }
        )
        fc = df[(df["kind"] == "forecast") & (df["center"] == center)].sort_values("as_of")
        if not fc.empty:
            data.append(
                {
                    "type": "scatter",
                    "x": _iso([g["as_of"].iloc[-1], *fc["as_of"]]),
                    "y": [float(g["value"].iloc[-1]), *(float(v) for v in fc["value"])],
                    "mode": "lines+markers",
                    "name": f"{short} prognose",
                    "line": {"color": colour, "dash": "dash"},
                    "marker": {"symbol": "circle-open"},
                    "hovertemplate": "Prognose %{x|%d-%m-%Y}: %{y:.0%}<extra>" + short + "</extra>",
                }
            )
    target = float(df["target"].dropna().iloc[0]) if df["target"].notna().any() else labels.TARGET
    shapes: list[dict[str, Any]] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": target,
            "y1": target,
            "line": {"color": "#198754", "dash": "dot"},
        }
    ]
    notes: list[dict[str, Any]] = [
        {
            "xref": "paper",
            "x": 1,
            "y": target,
            "yanchor": "top",
            "xanchor": "right",
            "text": f"Mål {fmt.percent(target)}",
            "showarrow": False,
        }
    ]
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
    ticks = fmt.month_ticks(df["as_of"].min(), df["as_of"].max()) if not df.empty else ([], [])
    layout = {
        "title": {"text": f"{kpi} {labels.kpi_label(kpi)}"},
        "yaxis": {
            "tickformat": ".0%",
            "range": [0, 1.08],
            "gridcolor": "#e9ecef",
            "zeroline": False,
        },
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
    return {
        "displaylogo": False,
        "locale": "da",
        "toImageButtonOptions": {
            "format": "png",
            "filename": f"fristvagt-udvikling-{kpi}-{dt.date.today().isoformat()}",
            "scale": 2,
        },
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    }


def layout(**_params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    over = queries.kpi_overview(eng, scope)
    kpis = sorted(over["kpi"].unique().tolist()) if not over.empty else []
    centers = sorted(over["center"].unique().tolist()) if not over.empty else []
    if not kpis:
        return html.Div([ui.page_header("Udvikling"), ui.empty_state("Ingen nøgletal endnu.")])
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Nøgletal", html_for=KPI_SELECT),
                    ui.dropdown(
                        KPI_SELECT,
                        multi=True,
                        value=kpis[:4],
                        options=[{"label": f"{k} {labels.kpi_label(k)}", "value": k} for k in kpis],
                    ),
                ],
                md=5,
            ),
            dbc.Col(
                [
                    dbc.Label("Centre", html_for=CENTER_SELECT),
                    ui.dropdown(
                        CENTER_SELECT,
                        multi=True,
                        value=centers,
                        options=[
                            {"label": labels.center_label(c), "value": c} for c in ["ALL", *centers]
                        ],
                    ),
                ],
                md=4,
            ),
            dbc.Col(
                [
                    dbc.Label("Periode", html_for=PERIOD_SELECT),
                    ui.dropdown(
                        PERIOD_SELECT,
                        value="12",
                        clearable=False,
                        options=[{"label": v, "value": k} for k, v in PERIODS.items()],
                    ),
                ],
                md=3,
            ),
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            ui.page_header(
                "Udvikling",
                "Månedlig målopfyldelse pr. center mod målet på 95 %. Stiplet linje: prognose, "
                "hvis der ikke gøres mere. Hent en graf som billede med kamera-ikonet.",
            ),
            controls,
            dcc.Loading(html.Div(id=CHARTS)),
        ]
    )


@callback(
    Output(CHARTS, "children"),
    Input(KPI_SELECT, "value"),
    Input(CENTER_SELECT, "value"),
    Input(PERIOD_SELECT, "value"),
)
def update_charts(kpis: list[str] | None, centers: list[str] | None, period: str | None) -> Any:
    if not kpis or not centers:
        return ui.empty_state("Vælg mindst ét nøgletal og ét center.")
    eng, scope = ui.engine(), ui.scope()
    start = None
    as_of = queries.latest_as_of(eng, scope) or dt.date.today()
    if period in ("12", "24"):
        start = (pd.Timestamp(as_of) - pd.DateOffset(months=int(period))).date()
    df = queries.kpi_trend(eng, scope, kpis=kpis, centers=centers, start=start)
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
                    id={"type": "trend", "kpi": kpi},
                ),
                lg=6,
                className="mb-3",
            )
        )
    return dbc.Row(cols)
