"""Sagsbehandlingsfrister (/sagsbehandlingsfrister): K7a/K7b/K8, applications past due, letters due."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from components import cards, labels, ui, urls
from components import format as fmt
from store import calendar, case_list, kpi_results
from vocab import Kind, Status

dash.register_page(
    __name__,
    path=urls.PROCESSING,
    name="Sagsbehandlingsfrister",
    title="Fristvagt – Sagsbehandlingsfrister",
    order=4,
)

SUMMARY = "frister-summary"
LETTERS = "frister-letters"
LETTER_ROWS = 50
KPIS = ("K7a", "K7b", "K8")  # open within the deadline; decided in time; letter sent in time
# the list of letters to send: applications past their deadline without a letter
LETTERS_DUE = case_list.ListFilter(kind=Kind.LETTER, status=case_list.ListStatus.OVERDUE)


def layout(**_params: Any) -> html.Div:
    """K7a/K7b/K8 cards, applications per center, and the letters to send."""
    eng, scope = ui.engine(), ui.scope()
    over = kpi_results.kpi_overview(eng, scope)
    results = over[over["kpi"].isin(KPIS)] if not over.empty else over
    counts = calendar.status_counts(eng, scope, kinds=[Kind.PROCESSING, Kind.LETTER])
    parts: list[Any] = [
        ui.page_header(
            "Sagsbehandlingsfrister",
            "Ansøgninger skal afgøres inden den offentliggjorte frist; kan fristen ikke holdes, "
            "skal borgeren have et underretningsbrev (Retssikkerhedsloven § 3, stk. 2).",
        )
    ]
    if not results.empty:
        parts.append(cards.card_grid(results.to_dict("records"), show_center=True))
    else:
        parts.append(ui.empty_state("K7a, K7b og K8 er ikke beregnet endnu."))
    rows = []
    if not counts.empty:
        for center in sorted(counts["center"].unique()):
            c = counts[counts["center"] == center]
            processing = c[c["kind"] == Kind.PROCESSING]
            late = int(processing[processing["status"] == Status.OVERDUE]["n"].sum())
            open_ = int(processing[processing["status"] == Status.OPEN]["n"].sum())
            letters = int(
                c[(c["kind"] == Kind.LETTER) & (c["status"] == Status.OVERDUE)]["n"].sum()
            )
            applications = case_list.ListFilter(center=center, kind=Kind.PROCESSING)
            rows.append(
                [
                    labels.center_label(center),
                    dcc.Link(
                        fmt.number(open_),
                        href=urls.list_href(applications, status=case_list.ListStatus.OPEN),
                    ),
                    dcc.Link(
                        fmt.number(late),
                        href=urls.list_href(applications, status=case_list.ListStatus.OVERDUE),
                    ),
                    dcc.Link(fmt.number(letters), href=urls.list_href(LETTERS_DUE, center=center)),
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
    n_letters = case_list.list_count(eng, scope, LETTERS_DUE)
    letters = case_list.list_rows(eng, scope, LETTERS_DUE, 0, LETTER_ROWS)
    parts.append(html.H2("Underretningsbrev der skal sendes", className="h5 mt-3"))
    parts.append(
        html.P(
            [
                f"{fmt.number(n_letters)} åbne ansøgninger er over fristen, uden at borgeren har fået brev. "
                "De længst overskredne først. ",
                dcc.Link("Se hele listen", href=urls.list_href(LETTERS_DUE)),
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
