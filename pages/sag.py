"""Sag (/sag/<sag_id>): one case with every obligation, how each date was computed,
the history of its measures, plans, follow-ups, investigations and applications,
and a link to the case in the case system (CASE_SYSTEM_URL).

Read for the user's scope: a case outside it reads as not found. Each view is
audited (the case id)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

import settings
from components import auth, cpr_reveal, labels, ui, urls
from components import format as fmt
from monitoring.reasons import reasons
from store import case_detail
from vocab import AuditAction, Status

dash.register_page(
    __name__,
    path_template=urls.CASE + "/<sag_id>",
    name="Sag",
    title="Fristvagt – Sag",
)

FACTS = "sag-facts"
OBLIGATIONS = "sag-obligations"
HISTORY = "sag-history"
CASE_SYSTEM_LINK = "sag-case-system"
NOT_FOUND = "sag-not-found"
CASE_ID = "sag-case-id"  # dcc.Store: the case of this page
CPR_BUTTON = "sag-cpr-button"
CPR_SHOWN = "sag-cpr-shown"
MAX_ID = 64

TARGET_GROUPS = {"born": "Børn og unge", "voksen": "Voksne"}
HISTORY_EVENTS: dict[str, str] = {
    "measure_decided": "Afgørelse om foranstaltning",
    "measure_started": "Foranstaltning iværksat",
    "measure_ended": "Foranstaltning ophørt",
    "plan_made": "Handleplan udarbejdet",
    "plan_revised": "Handleplan revideret",
    "plan_offered": "Handleplan tilbudt",
    "follow_up": "Opfølgning",
    "investigation_started": "Børnefaglig undersøgelse startet",
    "investigation_completed": "Børnefaglig undersøgelse afsluttet",
    "application_received": "Ansøgning modtaget",
    "application_decided": "Afgørelse på ansøgning",
    "letter_sent": "Underretningsbrev sendt",
    "complaint_received": "Klage modtaget",
    "complaint_decided": "Klage afgjort",
}


def case_system_href(case_id: str) -> str | None:
    """The case in the case system (CASE_SYSTEM_URL with `{sag_id}`), None if not set."""
    template = settings.CASE_SYSTEM_URL.get().strip()
    if not template:
        return None
    return template.replace("{sag_id}", quote(case_id, safe=""))


def days_text(status: Any, due_on: Any, as_of: Any) -> str:
    """'12 dage over' / '3 dage tilbage' / 'i dag' for an open or overdue deadline."""
    if status not in (Status.OPEN, Status.OVERDUE) or due_on is None or as_of is None:
        return ""
    days = (pd.Timestamp(due_on).date() - pd.Timestamp(as_of).date()).days
    if days < 0:
        return f"{-days} dag{'e' if days != -1 else ''} over"
    if days == 0:
        return "i dag"
    return f"{days} dag{'e' if days != 1 else ''} tilbage"


def in_work_order(obligations: pd.DataFrame) -> pd.DataFrame:
    """The open deadlines first (overdue and open, soonest due first), then those done
    (latest due first): one row per obligation."""
    open_ = obligations["status"].isin([Status.OPEN, Status.OVERDUE])
    return pd.concat(
        [
            obligations[open_].sort_values(["due_on", "obligation_id"]),
            obligations[~open_].sort_values(["due_on", "obligation_id"], ascending=False),
        ]
    )


def obligation_rows(obligations: pd.DataFrame, as_of: Any) -> list[list[Any]]:
    """The case's obligations as table rows: what (and the record it is about),
    status, due, done, days left or over, and the computed reason."""
    if obligations.empty:
        return []
    why = reasons(obligations)
    rows = []
    for r, reason in zip(obligations.to_dict("records"), why, strict=True):
        rows.append(
            [
                html.Span(
                    [
                        labels.kind_label(r["kind"]),
                        html.Br(),
                        html.Small(r["source_id"] or "", className="text-muted"),
                    ]
                ),
                html.Span(labels.status_text(r["status"]), className=f"status-{r['status']}"),
                fmt.date(r["due_on"]),
                fmt.date(r["done_on"]),
                days_text(r["status"], r["due_on"], as_of),
                reason,
            ]
        )
    return rows


def history_rows(history: pd.DataFrame) -> list[list[Any]]:
    """The case's history as table rows: date, event, record, detail in Danish."""
    rows = []
    for r in history.to_dict("records"):
        detail: list[str] = []
        code = r["code"]
        if code and r["event"].startswith(("measure", "complaint")):
            detail.append(labels.paragraph_label(code))
        elif code:
            detail.append(str(code))
        if r["note"]:
            detail.append(str(r["note"]))
        if r["next_due_on"] is not None and not pd.isna(r["next_due_on"]):
            detail.append(f"næste frist {fmt.date(r['next_due_on'])}")
        rows.append(
            [
                fmt.date(r["date"]),
                HISTORY_EVENTS.get(r["event"], r["event"]),
                r["record_id"],
                " · ".join(detail),
            ]
        )
    return rows


def _cpr(case: dict[str, Any]) -> Any:
    """The CPR as the scope may see it, with 'Vis fuldt CPR' for a role that may reveal it."""
    reveal = cpr_reveal.button(CPR_BUTTON, "Vis fuldt CPR", "Visningen bliver logget.", "py-0")
    if reveal is None or "X" not in str(case["cpr"]):
        return case["cpr"]
    return html.Span([html.Span(case["cpr"], id=CPR_SHOWN, className="me-2"), reveal])


def _facts(case: dict[str, Any]) -> html.Dl:
    items = [
        ("CPR", _cpr(case)),
        ("Målgruppe", TARGET_GROUPS.get(str(case["target_group"]), case["target_group"])),
        ("Center", labels.center_label(case["center"])),
        ("Team", labels.team_label(case["team"])),
        ("Sagsbehandler", labels.caseworker_label(case["caseworker_id"], case["caseworker"])),
        ("Oprettet", fmt.date(case["opened_on"])),
        ("Lukket", fmt.date(case["closed_on"]) or "Nej, sagen er åben"),
        ("Akut", "Ja" if case["acute"] else "Nej"),
    ]
    parts: list[Any] = []
    for term, value in items:
        parts += [
            html.Dt(term, className="col-sm-3 col-lg-2"),
            html.Dd(value, className="col-sm-9 col-lg-4"),
        ]
    return html.Dl(parts, className="row mb-2", id=FACTS)


def layout(sag_id: str | None = None, **_params: Any) -> html.Div:
    """The case page; a case that does not exist or is outside the scope: not found."""
    case_id = (sag_id or "")[:MAX_ID]
    detail = case_detail.case_detail(ui.engine(), ui.scope(), case_id) if case_id else None
    if detail is None:
        return html.Div(
            [
                ui.page_header("Sagen blev ikke fundet"),
                ui.empty_state(
                    f"Sag {case_id} findes ikke, eller du har ikke adgang til den.",
                    "Din adgang følger din rolle: en sagsbehandler ser sine egne sager, "
                    "en centerchef sit centers.",
                ),
                dcc.Link("Til sagslisten", href=urls.CASES),
            ],
            id=NOT_FOUND,
        )
    auth.audit(AuditAction.CASE, page=urls.case_href(case_id), case_ids=[case_id], row_count=1)
    case = detail.case
    obligations = detail.obligations
    open_ = obligations[obligations["status"].isin([Status.OPEN, Status.OVERDUE])]
    overdue = int((obligations["status"] == Status.OVERDUE).sum())
    summary = (
        f"{fmt.number(len(open_))} åbne frister, heraf {fmt.number(overdue)} overskredet"
        if len(open_)
        else "Ingen åbne frister"
    )
    if detail.as_of is not None:
        summary += f" (pr. {fmt.date(detail.as_of)})."
    link = case_system_href(case_id)
    header_links: list[Any] = [
        dcc.Link("← Sagslisten", href=urls.list_href(caseworker=case["caseworker_id"])),
    ]
    if link:
        header_links += [
            " · ",
            html.A(
                "Åbn sagen i sagssystemet",
                href=link,
                id=CASE_SYSTEM_LINK,
                target="_blank",
                rel="noopener noreferrer",
            ),
        ]
    return html.Div(
        [
            dcc.Store(id=CASE_ID, data=case_id),
            ui.page_header(f"Sag {case_id}", summary),
            html.P(header_links, className="mb-2"),
            _facts(case),
            html.H2("Frister", className="h5 mt-3"),
            html.P(
                "Hver frist med den dato, den er regnet fra, og reglen der giver den.",
                className="text-muted small",
            ),
            html.Div(
                ui.simple_table(
                    ["Hvad", "Status", "Frist", "Udført", "Frist om", "Hvorfor"],
                    obligation_rows(in_work_order(obligations), detail.as_of),
                )
                if not obligations.empty
                else ui.empty_state("Sagen har ingen frister."),
                id=OBLIGATIONS,
            ),
            html.H2("Historik", className="h5 mt-3"),
            html.P(
                "Foranstaltninger, handleplaner, opfølgninger, undersøgelser, ansøgninger "
                "og klager fra udtrækket, nyeste først.",
                className="text-muted small",
            ),
            html.Div(
                ui.simple_table(
                    ["Dato", "Hændelse", "Id", "Detaljer"], history_rows(detail.history)
                )
                if not detail.history.empty
                else ui.empty_state("Ingen hændelser i udtrækket."),
                id=HISTORY,
            ),
        ]
    )


@callback(
    Output(CPR_SHOWN, "children"),
    Input(CPR_BUTTON, "n_clicks"),
    State(CASE_ID, "data"),
    prevent_initial_call=True,
)
def reveal_cpr(_n: int | None, case_id: Any) -> str:
    """The case's full CPR number, for a role that may, in its scope; audited."""
    if not isinstance(case_id, str):
        return cpr_reveal.NOT_FOUND
    got = cpr_reveal.reveal(case_id, urls.case_href(case_id))
    return f"{got.number} (visningen er logget)" if got.number else got.reason
