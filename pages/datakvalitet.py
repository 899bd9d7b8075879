"""Datakvalitet (/datakvalitet): load history, data freshness, data-quality findings,
rejected rows by rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

import settings
from components import export, labels, ui, urls
from components import format as fmt
from store import data_quality
from vocab import problem_label, run_outcome_text

dash.register_page(
    __name__, path=urls.DATA_QUALITY, name="Datakvalitet", title="Fristvagt – Datakvalitet", order=6
)

RULE_STORE = "dq-rule"
DOWNLOAD = "dq-download"
DOWNLOAD_BUTTON = "dq-download-button"
RUNS = "dq-runs"
RULES = "dq-rules"
DETAIL = "dq-detail"
FINDINGS = "dq-findings"
FINDING_DETAIL = "dq-finding-detail"
DETAIL_ROWS = 200
MESSAGE_CHARS = 160  # an old run's stored message is cut here in the table


def run_message(run: Mapping[str, Any]) -> str:
    """A run's outcome in Danish (from its stored outcome); an old run's stored message as it is."""
    text = run_outcome_text(run.get("outcome"))
    if text:
        return text
    message = run.get("message")
    return "" if message is None else str(message)[:MESSAGE_CHARS]


def _json_total(value: Any) -> int:
    """The rows of a run's per-file counts ({"sager.csv": 1200, ...}) added up."""
    if isinstance(value, dict):
        return int(sum(int(v) for v in value.values() if isinstance(v, (int, float))))
    return 0


def freshness_text(fresh: data_quality.Freshness) -> str:
    """The line saying which extract the pages show and when it was loaded."""
    if fresh.last_loaded_at is None:
        return "Der er ikke indlæst data endnu."
    return (
        f"Data pr. {fmt.date(fresh.extract_date)} – indlæst {fmt.timestamp(fresh.last_loaded_at)}."
        if fresh.extract_date
        else f"Indlæst {fmt.timestamp(fresh.last_loaded_at)}."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def findings_section(eng: Any, scope: Any, link: urls.DataQualityLink) -> list[Any]:
    """The current load's data-quality findings (kpis.md, "Nothing silently dropped"):
    kind, code and count, each count a link to the records behind it."""
    found = data_quality.findings_by_code(eng, scope)
    parts: list[Any] = [
        html.H2("Fund i data", className="h5 mt-3"),
        html.P(
            "Poster som fristreglerne ikke kan regne med (fx en foranstaltning uden "
            "fristregel eller en ukendt ydelseskode). De indgår ikke i nøgletallene, "
            "så de skal rettes i fagsystemet.",
            className="text-muted small",
        ),
    ]
    if found.empty:
        parts.append(html.Div(ui.empty_state("Ingen fund i den viste indlæsning."), id=FINDINGS))
        return parts
    rows = [
        [
            _sentence(str(r["kind"])),
            str(r["code"]),
            dcc.Link(
                fmt.number(r["n"]),
                href=urls.data_quality_href(finding=str(r["kind"]), code=str(r["code"])),
                title="Vis posterne",
            ),
        ]
        for r in found.to_dict("records")
    ]
    parts.append(
        html.Div(ui.simple_table(["Fund", "Kode", "Antal"], rows, numeric=(2,)), id=FINDINGS)
    )
    if link.finding:
        records = data_quality.finding_records(
            eng, scope, link.finding, link.finding_code, limit=DETAIL_ROWS
        )
        title = f"{_sentence(link.finding)}" + (
            f": {link.finding_code}" if link.finding_code else ""
        )
        table = (
            ui.simple_table(
                ["Post", "Sag", "Center", "CPR"],
                [
                    [r["record_id"], r["case_id"] or "", r["center"] or "", r["cpr_masked"]]
                    for r in records.to_dict("records")
                ],
            )
            if not records.empty
            else ui.empty_state("Ingen poster for dette fund i den viste indlæsning.")
        )
        parts.append(
            html.Div(
                [
                    html.H3(title, className="h6 mt-2"),
                    table,
                    html.P(f"Viser de første {DETAIL_ROWS}.", className="small text-muted")
                    if len(records) >= DETAIL_ROWS
                    else None,
                ],
                id=FINDING_DETAIL,
            )
        )
    return parts


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    link = urls.parse_data_quality(params)
    fresh = data_quality.freshness(eng, scope)
    runs = data_quality.etl_runs(eng, scope)
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
            labels.run_status_label(r["status"]),
            fmt.date(r["extract_date"]),
            fmt.number(_json_total(r["rows_loaded"])),
            fmt.number(_json_total(r["rows_rejected"])),
            run_message(r),
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
                "Ingen indlæsninger endnu.",
                "Den natlige indlæsning har ikke kørt. Administratoren sætter den op "
                "(driftsvejledningen, docs/deployment.md).",
            ),
            id=RUNS,
        )
    )
    parts.extend(findings_section(eng, scope, link))
    who = ui.principal()
    if who is None or not who.sees_all_problems:
        # problem rows are values of any center's extract: directorate and admins only
        parts.append(
            ui.empty_state(
                "Afviste rækker og fejl pr. regel kan ses af direktion og administratorer.",
                "De viser værdier fra alle centres udtræk.",
            )
        )
        return html.Div(parts)
    rules = data_quality.problems_by_rule(eng, scope, link.run_id)
    parts.append(html.H2("Afviste rækker og fejl pr. regel", className="h5 mt-3"))
    if rules.empty:
        parts.append(ui.empty_state("Ingen fejl i seneste kørsel."))
        return html.Div(parts)
    run_id = int(rules["run_id"].iloc[0])
    rule_rows = [
        [
            dcc.Link(
                problem_label(r["rule"]),
                href=urls.data_quality_href(r["rule"], run_id),
                title=str(r["rule"]),
            ),
            labels.severity_label(r["severity"]),
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
    rule = link.rule
    detail = data_quality.problem_rows(eng, scope, run_id, rule, limit=DETAIL_ROWS)
    title = f"Rækker for reglen »{problem_label(rule)}«" if rule else "Alle fejl i kørslen"
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
                        dcc.Store(id=RULE_STORE, data={"run_id": run_id, "rule": rule}),
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
                            problem_label(r["rule"]),
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
def download(_n: int | None, data: dict[str, Any] | None) -> Any:
    """All problem rows of the run (and rule), values already masked, as Excel."""
    who = ui.principal()
    if who is None or not who.sees_all_problems or not isinstance(data, dict):
        return dash.no_update
    data = data or {}
    df = data_quality.problem_rows(
        ui.engine(), ui.scope(), int(data["run_id"]), data.get("rule"), limit=None
    )
    name = f"fristvagt-fejl-koersel-{data['run_id']}" + (
        f"-{data['rule']}" if data.get("rule") else ""
    )
    return export.xlsx_download(export.problems_frame(df), name + ".xlsx", "Fejl", {"Besked": 60})
