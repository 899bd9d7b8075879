"""Datakvalitet (/datakvalitet): load history, data freshness, rejected rows by rule."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

import settings
from components import format as fmt
from components import ui
from store import queries

dash.register_page(
    __name__, path="/datakvalitet", name="Datakvalitet", title="Fristvagt – Datakvalitet", order=6
)

RULE_STORE = "dq-rule"
DOWNLOAD = "dq-download"
DOWNLOAD_BUTTON = "dq-download-button"
RUNS = "dq-runs"
RULES = "dq-rules"
DETAIL = "dq-detail"
DETAIL_ROWS = 200

RUN_STATUS = {
    "loaded": "✔ Indlæst",
    "refused": "✖ Afvist",
    "duplicate": "= Allerede indlæst",
    "failed": "✖ Fejlet",
    "running": "… I gang",
}


# The ETL's run messages (English, as the CLI prints them) in Danish; others as they are.
RUN_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(\d+) rows rejected; (\d+) problems \((\d+) errors\)$"),
        "{0} rækker afvist; {1} problemer ({2} fejl)",
    ),
    (
        re.compile(r"^same extract as run (\d+): nothing loaded$"),
        "Samme udtræk som kørsel {0}: intet indlæst",
    ),
    (
        re.compile(r"^stale: still running after (.+); marked failed$"),
        "Hang i {0}; markeret som fejlet",
    ),
)


def run_message(message: Any) -> str:
    """A run's message in Danish where the ETL's wording is known; else as it is."""
    text = "" if message is None else str(message)
    for pattern, danish in RUN_MESSAGES:
        m = pattern.match(text)
        if m:
            return danish.format(*(fmt.number(int(g)) if g.isdigit() else g for g in m.groups()))
    return text[:160]


def _json_total(value: Any) -> int:
    if isinstance(value, dict):
        return int(sum(int(v) for v in value.values() if isinstance(v, (int, float))))
    return 0


def freshness_text(fresh: queries.Freshness) -> str:
    if fresh.last_loaded_at is None:
        return "Der er ikke indlæst data endnu."
    return (
        f"Data pr. {fmt.date(fresh.extract_date)} – indlæst {fmt.timestamp(fresh.last_loaded_at)}."
        if fresh.extract_date
        else f"Indlæst {fmt.timestamp(fresh.last_loaded_at)}."
    )


def layout(regel: str | None = None, koersel: str | None = None, **_params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    fresh = queries.freshness(eng, scope)
    runs = queries.etl_runs(eng, scope)
    stale = fresh.is_stale(dt.datetime.now(), float(settings.STALE_HOURS.get()))
    parts: list[Any] = [
        ui.page_header("Datakvalitet", "Indlæsninger af udtræk, og rækker der blev afvist."),
        dbc.Alert(
            freshness_text(fresh), color="warning" if stale else "success", className="fw-semibold"
        ),
    ]
    run_rows = [
        [
            fmt.number(r["run_id"]),
            fmt.timestamp(r["started_at"]),
            RUN_STATUS.get(str(r["status"]), str(r["status"])),
            fmt.date(r["extract_date"]),
            fmt.number(_json_total(r["rows_loaded"])),
            fmt.number(_json_total(r["rows_rejected"])),
            run_message(r["message"]),
        ]
        for r in runs.to_dict("records")
    ]
    parts.append(html.H2("Indlæsninger", className="h5"))
    parts.append(
        html.Div(
            ui.simple_table(
                [
                    "Kørsel",
                    "Startet",
                    "Resultat",
                    "Udtræk pr.",
                    "Rækker indlæst",
                    "Rækker afvist",
                    "Besked",
                ],
                run_rows,
                numeric=(0, 4, 5),
            )
            if run_rows
            else ui.empty_state(
                "Ingen indlæsninger endnu.", "Kør: python -m etl load MAPPE (mappen med udtrækket)."
            ),
            id=RUNS,
        )
    )
    run_id = int(koersel) if koersel and koersel.isdigit() else None
    rules = queries.problems_by_rule(eng, scope, run_id)
    parts.append(html.H2("Afviste rækker og fejl pr. regel", className="h5 mt-3"))
    if rules.empty:
        parts.append(ui.empty_state("Ingen fejl i seneste kørsel."))
        return html.Div(parts)
    run_id = int(rules["run_id"].iloc[0])
    rule_rows = [
        [
            dcc.Link(
                str(r["rule"]), href=ui.href("/datakvalitet", regel=r["rule"], koersel=run_id)
            ),
            "Fejl" if r["severity"] == "error" else "Advarsel",
            fmt.number(r["files"]),
            fmt.number(r["n"]),
        ]
        for r in rules.to_dict("records")
    ]
    parts.append(
        html.P(
            f"Kørsel {run_id}. Klik på en regel for at se rækkerne.", className="text-muted small"
        )
    )
    parts.append(
        html.Div(
            ui.simple_table(["Regel", "Alvor", "Filer", "Antal"], rule_rows, numeric=(2, 3)),
            id=RULES,
        )
    )
    detail = queries.problem_rows(eng, scope, run_id, regel or None, limit=DETAIL_ROWS)
    title = f"Rækker for regel {regel}" if regel else "Alle fejl i kørslen"
    parts.append(
        html.Div(
            [
                html.Div(
                    [
                        html.H3(title, className="h6 mb-0 me-auto"),
                        dbc.Button(
                            "Hent som Excel",
                            id=DOWNLOAD_BUTTON,
                            size="sm",
                            color="secondary",
                            outline=True,
                        ),
                        dcc.Download(id=DOWNLOAD),
                        dcc.Store(id=RULE_STORE, data={"run_id": run_id, "rule": regel}),
                    ],
                    className="d-flex align-items-center my-2",
                ),
                ui.simple_table(
                    ["Fil", "Linje", "Kolonne", "Værdi", "Regel", "Besked"],
                    [
                        [
                            r["file"],
                            fmt.number(r["line"]),
                            r["column"] or "",
                            r["value"] or "",
                            r["rule"],
                            r["message"],
                        ]
                        for r in detail.to_dict("records")
                    ],
                    numeric=(1,),
                ),
                html.P(
                    f"Viser de første {DETAIL_ROWS}; hent filen for alle.",
                    className="small text-muted",
                )
                if len(detail) >= DETAIL_ROWS
                else None,
            ],
            id=DETAIL,
        )
    )
    return html.Div(parts)


@callback(
    Output(DOWNLOAD, "data"),
    Input(DOWNLOAD_BUTTON, "n_clicks"),
    State(RULE_STORE, "data"),
    prevent_initial_call=True,
)
def download(_n: int | None, data: dict[str, Any] | None) -> dict[str, Any]:
    """All problem rows of the run (and rule), values already masked, as Excel."""
    data = data or {}
    df = queries.problem_rows(
        ui.engine(), ui.scope(), int(data["run_id"]), data.get("rule"), limit=None
    )
    df = df.rename(
        columns={
            "file": "Fil",
            "line": "Linje",
            "column": "Kolonne",
            "value": "Værdi",
            "rule": "Regel",
            "severity": "Alvor",
            "message": "Besked",
        }
    )
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="Fejl")
    name = f"fristvagt-fejl-koersel-{data['run_id']}" + (
        f"-{data['rule']}" if data.get("rule") else ""
    )
    return dcc.send_bytes(buf.getvalue(), name + ".xlsx")
