"""Direktion (/direktion): the board page for the directorate and the political
committee: one headline, small multiples of every KPI per center with the marked
events (Barnets Lov, review campaigns), the scorecard as a table, and every trend
chart as one PDF."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from components import board, charts, labels, scorecard, trend, ui, urls
from components import format as fmt
from store import case_list, runs
from vocab import ALL_CENTERS

dash.register_page(
    __name__, path=urls.BOARD, name="Direktion", title="Fristvagt – Direktion", order=4
)

HEADLINE = "direktion-headline"
MULTIPLES = "direktion-multiples"
PDF_LINK = "direktion-pdf"
TABLE = "direktion-table"


def layout(**_params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    as_of = runs.current_as_of(eng)
    got = board.board_data(eng, scope)
    if not got["kpis"] or as_of is None or got["months"] is None or got["months"].empty:
        return html.Div(
            [
                ui.page_header("Direktion"),
                ui.empty_state(
                    "Der er endnu ingen nøgletal.", "Tavlen vises, når et udtræk er indlæst."
                ),
            ]
        )
    per_center, total = got["per_center"], got["total"]
    centers, kpis, months = got["centers"], got["kpis"], got["months"]
    table_rows = [(c, labels.center_label(c)) for c in centers]
    table_results = per_center
    if got["whole"]:
        table_results = pd.concat([total, per_center], ignore_index=True)
    return html.Div(
        [
            ui.page_header(
                "Direktion",
                f"Status pr. {fmt.date_long(as_of)} til direktionen og det politiske udvalg. "
                f"Mål: {labels.target_text(kpis)} af sagerne overholder fristen.",
            ),
            html.P(
                board.headline(total, per_center, got["whole"]),
                id=HEADLINE,
                className="board-headline",
            ),
            html.P(
                [
                    html.A(
                        "Hent alle udviklingsgrafer som PDF",
                        href=urls.EXPORT_TRENDS_PDF,
                        id=PDF_LINK,
                        className="btn btn-sm btn-outline-secondary me-3",
                        role="button",
                    ),
                    dcc.Link("Vælg nøgletal og centre i Udvikling", href=urls.TREND),
                ],
                className="d-flex align-items-center",
            ),
            html.H2("Nøgletal pr. center, måned for måned", className="h5 mt-2"),
            html.P(
                "Hver lille graf er ét nøgletal i ét center; den stiplede vandrette linje er "
                "målet, et åbent punkt den igangværende måned. "
                + trend.event_caption(months, got["events"]),
                className="small text-muted",
            ),
            dcc.Graph(
                figure=board.small_multiples(months, kpis, centers, got["events"]),
                config={**charts.graph_config("direktion"), "displayModeBar": False},
                id=MULTIPLES,
            ),
            html.Details(
                [
                    html.Summary("Vis nøgletallene som tabel"),
                    scorecard.matrix(
                        table_results,
                        table_rows,
                        lambda c: case_list.ListFilter(center=None if c == ALL_CENTERS else c),
                        "center",
                        kpis=kpis,
                        table_id=TABLE,
                    ),
                ],
                className="chart-table",
            ),
        ]
    )
