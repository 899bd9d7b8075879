"""Klager og gennemgange (/klager): complaints per month, share upheld; review burn-down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from components import format as fmt
from components import labels, ui
from store import queries

dash.register_page(
    __name__, path="/klager", name="Klager og gennemgange", title="Fristvagt – Klager", order=5
)

CAMPAIGN = "klager-campaign"
BURNDOWN = "klager-burndown"
MONTHS_BACK = 12


def complaints_figure(df: pd.DataFrame) -> go.Figure:
    per = df.groupby(["month", "complaint_type"], as_index=False)["n"].sum()
    fig = go.Figure()
    for ctype, colour in (("realitet", "#0d6efd"), ("formalitet", "#fd7e14")):
        g = per[per["complaint_type"] == ctype]
        fig.add_bar(
            x=g["month"],
            y=g["n"],
            name=labels.COMPLAINT_TYPES[ctype],
            marker_color=colour,
            hovertemplate="%{x|%m-%Y}: %{y} klager<extra>"
            + labels.COMPLAINT_TYPES[ctype]
            + "</extra>",
        )
    tickvals, ticktext = fmt.month_ticks(per["month"].min(), per["month"].max(), 12)
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=320,
        separators=",.",
        margin={"l": 40, "r": 20, "t": 40, "b": 40},
        title="Klager pr. måned",
        xaxis={"tickvals": tickvals, "ticktext": ticktext},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def upheld_rows(df: pd.DataFrame, key: str, label: Any) -> list[list[Any]]:
    """Count, by type, and share upheld (medhold or delvist medhold) per key."""
    out = []
    g = df.groupby(key)
    for k, part in sorted(g, key=lambda kv: -int(kv[1]["n"].sum())):
        n = int(part["n"].sum())
        real = int(part[part["complaint_type"] == "realitet"]["n"].sum())
        upheld = int(part["upheld"].sum())
        out.append(
            [
                label(k),
                fmt.number(n),
                fmt.number(real),
                fmt.number(n - real),
                fmt.number(upheld),
                fmt.percent(upheld / n if n else None, n),
            ]
        )
    return out


def burndown_figure(
    df: pd.DataFrame, campaign: str, milestones: list[tuple[Any, int]]
) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=df["date"],
        y=df["remaining"],
        mode="lines",
        line_shape="hv",
        name="Tilbage",
        hovertemplate="%{x|%d-%m-%Y}: %{y} sager tilbage<extra></extra>",
    )
    if milestones:
        fig.add_scatter(
            x=[pd.Timestamp(d) for d, _ in milestones],
            y=[r for _, r in milestones],
            mode="markers+lines",
            name="Milepæle",
            line={"dash": "dot", "color": "#198754"},
            marker={"symbol": "diamond", "size": 10},
        )
    fig.update_layout(
        title=f"Gennemgang: {campaign}",
        template="plotly_white",
        height=340,
        separators=",.",
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
        yaxis={"title": "Sager tilbage", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def layout(center: str | None = None, **_params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    as_of = queries.latest_as_of(eng, scope) or dt.date.today()
    start = (pd.Timestamp(as_of).to_period("M") - (MONTHS_BACK - 1)).to_timestamp().date()
    allc = queries.complaints_per_month(eng, scope, start=start)
    centers = sorted(allc["center"].unique().tolist()) if not allc.empty else []
    center = center if center in centers else None
    df = allc[allc["center"] == center] if center else allc
    parts: list[Any] = [
        ui.page_header(
            "Klager og gennemgange",
            f"Klager modtaget fra {fmt.date(start)}; medhold tæller både fuldt og delvist medhold.",
        ),
        ui.center_pills("/klager", centers, center),
    ]
    if df.empty:
        parts.append(ui.empty_state("Ingen klager i perioden."))
    else:
        parts.append(
            dcc.Graph(
                figure=complaints_figure(df),
                config={
                    "displaylogo": False,
                    "toImageButtonOptions": {"filename": "fristvagt-klager"},
                },
            )
        )
        head = ["", "Klager", "Realitet", "Formalitet", "Medhold", "Andel medhold"]
        parts.append(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Pr. center", className="h5"),
                            ui.simple_table(
                                ["Center", *head[1:]],
                                upheld_rows(df, "center", labels.center_label),
                                numeric=(1, 2, 3, 4, 5),
                            ),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            html.H2("Pr. paragraf", className="h5"),
                            ui.simple_table(
                                ["Paragraf", *head[1:]],
                                upheld_rows(df, "paragraph", str),
                                numeric=(1, 2, 3, 4, 5),
                            ),
                        ],
                        lg=6,
                    ),
                ]
            )
        )
    campaigns = queries.review_campaigns(eng, scope)
    parts.append(html.H2("Gennemgange", className="h5 mt-3"))
    if not campaigns:
        parts.append(ui.empty_state("Ingen gennemgangskampagner i data."))
    else:
        parts.append(
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Label("Kampagne", html_for=CAMPAIGN),
                        ui.dropdown(
                            CAMPAIGN, options=campaigns, value=campaigns[0], clearable=False
                        ),
                    ],
                    md=4,
                ),
                className="mb-2",
            )
        )
        parts.append(html.Div(id=BURNDOWN))
    return html.Div(parts)


@callback(Output(BURNDOWN, "children"), Input(CAMPAIGN, "value"))
def update_burndown(campaign: str | None) -> Any:
    if not campaign:
        return None
    df = queries.review_burndown(ui.engine(), ui.scope(), campaign)
    if df.empty:
        return ui.empty_state("Ingen sager i kampagnen.")
    ms = labels.milestones(campaign)
    remaining = int(df["remaining"].iloc[-1])
    note = (
        f"{fmt.number(remaining)} af {fmt.number(int(df['remaining'].iloc[0]))} sager mangler at blive gennemgået."
        + ("" if ms else " (Kampagnens milepæle er ikke sat op i reglerne.)")
    )
    return html.Div(
        [
            html.P(note, className="mb-1"),
            dcc.Graph(figure=burndown_figure(df, campaign, ms), config={"displaylogo": False}),
        ]
    )
