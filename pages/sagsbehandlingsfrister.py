"""Sagsbehandlingsfrister (/sagsbehandlingsfrister): K7/K8, applications past due, letters due."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import format as fmt
from components import labels, ui
from store import queries
from store.queries import ListFilter

dash.register_page(
    __name__,
    path="/sagsbehandlingsfrister",
    name="Sagsbehandlingsfrister",
    title="Fristvagt – Sagsbehandlingsfrister",
    order=4,
)

SUMMARY = "frister-summary"
LETTERS = "frister-letters"
LETTER_ROWS = 50


def layout(**_params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    over = queries.kpi_overview(eng, scope)
    cards = over[over["kpi"].isin(["K7", "K8"])] if not over.empty else over
    counts = queries.status_counts(eng, scope, kinds=["processing", "letter"])
    parts: list[Any] = [
        ui.page_header(
            "Sagsbehandlingsfrister",
            "Ansøgninger skal afgøres inden den offentliggjorte frist; kan fristen ikke holdes, "
            "skal borgeren have et underretningsbrev (Retssikkerhedsloven § 3, stk. 2).",
        )
    ]
    if not cards.empty:
        parts.append(
            dbc.Row(
                [
                    dbc.Col(
                        ui.kpi_card(r, show_center=True), xs=12, sm=6, lg=4, xl=3, className="mb-3"
                    )
                    for r in cards.to_dict("records")
                ]
            )
        )
    else:
        parts.append(ui.empty_state("K7 og K8 er ikke beregnet endnu."))
    rows = []
    if not counts.empty:
        for center in sorted(counts["center"].unique()):
            c = counts[counts["center"] == center]
            late = int(c[(c["kind"] == "processing") & (c["status"] == "overdue")]["n"].sum())
            open_ = int(c[(c["kind"] == "processing") & (c["status"] == "open")]["n"].sum())
            letters = int(c[(c["kind"] == "letter") & (c["status"] == "overdue")]["n"].sum())
            rows.append(
                [
                    labels.center_label(center),
                    dcc.Link(
                        fmt.number(open_),
                        href=ui.list_href(center=center, type="processing", status="aaben"),
                    ),
                    dcc.Link(
                        fmt.number(late),
                        href=ui.list_href(center=center, type="processing", status="overskredet"),
                    ),
                    dcc.Link(
                        fmt.number(letters),
                        href=ui.list_href(center=center, type="letter", status="overskredet"),
                    ),
                ]
            )
    parts.append(html.H2("Pr. center", className="h5 mt-2"))
    parts.append(
        html.Div(
            ui.simple_table(
                [
                    "Center",
                    "Åbne ansøgninger inden for fristen",
                    "Ansøgninger over fristen",
                    "Mangler underretningsbrev",
                ],
                rows,
                numeric=(1, 2, 3),
            )
            if rows
            else ui.empty_state("Ingen ansøgninger med sagsbehandlingsfrist."),
            id=SUMMARY,
        )
    )
    flt = ListFilter(kind="letter", status="overskredet")
    n_letters = queries.list_count(eng, scope, flt)
    letters = queries.list_rows(eng, scope, flt, 0, LETTER_ROWS)
    parts.append(html.H2("Underretningsbrev der skal sendes", className="h5 mt-3"))
    parts.append(
        html.P(
            [
                f"{fmt.number(n_letters)} åbne ansøgninger er over fristen, uden at borgeren har fået brev. "
                "De længst overskredne først. ",
                dcc.Link("Se hele listen", href=ui.list_href(type="letter", status="overskredet")),
            ],
            className="text-muted",
        )
    )
    letter_rows = [
        [
            r["case_id"],
            r["cpr"],
            labels.caseworker_label(r["caseworker_id"], r["caseworker"]),
            labels.team_label(r["team"]),
            fmt.date(r["due_on"]),
            fmt.number(r["days_overdue"]),
        ]
        for r in letters.to_dict("records")
    ]
    parts.append(
        html.Div(
            ui.simple_table(
                ["Sag", "CPR", "Sagsbehandler", "Team", "Frist", "Dage over"],
                letter_rows,
                numeric=(5,),
            )
            if letter_rows
            else ui.empty_state("Ingen manglende underretningsbreve."),
            id=LETTERS,
        )
    )
    return html.Div(parts)
