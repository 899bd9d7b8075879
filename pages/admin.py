"""Administration (/admin, role admin only): users (list, add, disable) and the audit log
(search, export). Every callback checks the role on the server again."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from access import audit as access_audit
from access import users
from components import auth, export, ui, urls
from components import format as fmt
from vocab import AUDIT_LABELS, ROLE_LABELS, AuditAction, Role

dash.register_page(
    __name__, path=urls.ADMIN, name="Administration", title="Fristvagt – Administration", order=9
)

USERS = "admin-users"
NAME = "admin-name"
ROLE = "admin-role"
CENTER = "admin-center"
TEAM = "admin-team"
CASEWORKER = "admin-caseworker"
PASSWORD = "admin-password"
ADD = "admin-add"
DISABLE_NAME = "admin-disable-name"
DISABLE = "admin-disable"
MESSAGE = "admin-message"
AUDIT_USER = "admin-audit-user"
AUDIT_ACTION = "admin-audit-action"
AUDIT_SINCE = "admin-audit-since"
AUDIT_TABLE = "admin-audit"
AUDIT_EXPORT = "admin-audit-export"
AUDIT_DOWNLOAD = "admin-audit-download"
SHOWN_EVENTS = 200


def _is_admin() -> bool:
    who = ui.principal()
    return who is not None and who.is_admin


def users_table() -> Any:
    df = users.list_users(ui.engine())
    rows = [
        [
            r["username"],
            ROLE_LABELS.get(r["role"], r["role"]),
            r["center"] or "",
            r["team"] or "",
            r["caseworker_id"] or "",
            "Lokal" if r["source"] == "local" else "Organisationens login",
            "Spærret" if r["disabled"] else "Aktiv",
        ]
        for r in df.to_dict("records")
    ]
    if not rows:
        return ui.empty_state("Ingen brugere endnu.")
    return ui.simple_table(
        ["Bruger", "Rolle", "Center", "Team", "Medarbejder-id", "Login", "Status"], rows
    )


def audit_table(user: str | None, action: str | None, since: str | None) -> Any:
    events = access_audit.search(
        ui.engine(),
        since=_since(since),
        user=user or None,
        action=action or None,
        limit=SHOWN_EVENTS,
    )
    rows = [
        [
            fmt.timestamp(r["at"]),
            r["username"] or "",
            AUDIT_LABELS.get(r["action"], r["action"]),
            r["page"] or "",
            fmt.number(r["row_count"]) if r["row_count"] is not None else "",
            ", ".join((r["case_ids"] or [])[:5]) + (" …" if len(r["case_ids"] or []) > 5 else ""),
            r["address"] or "",
        ]
        for r in access_audit.as_records(events)
    ]
    if not rows:
        return ui.empty_state("Ingen hændelser for det valgte.")
    return html.Div(
        [
            ui.simple_table(
                ["Tid", "Bruger", "Hændelse", "Side", "Rækker", "Sager", "Adresse"], rows
            ),
            html.P(
                f"Viser de nyeste {SHOWN_EVENTS}; hent filen for alle.",
                className="small text-muted",
            )
            if len(rows) >= SHOWN_EVENTS
            else None,
        ]
    )


def _since(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time()) if value else None
    except (TypeError, ValueError):
        return None


def layout(**_params: Any) -> html.Div:
    if not _is_admin():
        return html.Div(
            [
                ui.page_header("Administration"),
                ui.empty_state("Siden er kun for administratorer."),
            ]
        )
    role_options = [{"label": ROLE_LABELS[r], "value": r.value} for r in Role]
    action_options = [{"label": AUDIT_LABELS[a], "value": a.value} for a in AuditAction]
    return html.Div(
        [
            ui.page_header("Administration", "Brugere og log over hvem der har set hvad."),
            html.H2("Brugere", className="h5"),
            html.Div(users_table(), id=USERS),
            html.Div(id=MESSAGE, role="status", className="my-2"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Brugernavn", html_for=NAME), dbc.Input(id=NAME)], md=2),
                    dbc.Col(
                        [
                            dbc.Label("Rolle", html_for=ROLE),
                            dcc.Dropdown(id=ROLE, options=role_options, clearable=False),
                        ],
                        md=2,
                    ),
                    dbc.Col([dbc.Label("Center", html_for=CENTER), dbc.Input(id=CENTER)], md=1),
                    dbc.Col([dbc.Label("Team", html_for=TEAM), dbc.Input(id=TEAM)], md=2),
                    dbc.Col(
                        [
                            dbc.Label("Medarbejder-id", html_for=CASEWORKER),
                            dbc.Input(id=CASEWORKER),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Adgangskode", html_for=PASSWORD),
                            dbc.Input(id=PASSWORD, type="password", autoComplete="new-password"),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        dbc.Button("Opret", id=ADD, color="primary"),
                        md=1,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Spær bruger", html_for=DISABLE_NAME),
                            dbc.Input(id=DISABLE_NAME),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Button("Spær", id=DISABLE, color="danger", outline=True),
                        md=1,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-4",
            ),
            html.H2("Log", className="h5"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Bruger", html_for=AUDIT_USER),
                            dbc.Input(id=AUDIT_USER, debounce=True),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Hændelse", html_for=AUDIT_ACTION),
                            dcc.Dropdown(id=AUDIT_ACTION, options=action_options),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Fra dato", html_for=AUDIT_SINCE),
                            dbc.Input(id=AUDIT_SINCE, type="date"),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                "Hent loggen (CSV)",
                                id=AUDIT_EXPORT,
                                color="secondary",
                                outline=True,
                            ),
                            dcc.Download(id=AUDIT_DOWNLOAD),
                        ],
                        md=2,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(audit_table(None, None, None), id=AUDIT_TABLE),
        ]
    )


@callback(
    Output(USERS, "children"),
    Output(MESSAGE, "children"),
    Input(ADD, "n_clicks"),
    Input(DISABLE, "n_clicks"),
    State(NAME, "value"),
    State(ROLE, "value"),
    State(CENTER, "value"),
    State(TEAM, "value"),
    State(CASEWORKER, "value"),
    State(PASSWORD, "value"),
    State(DISABLE_NAME, "value"),
    prevent_initial_call=True,
)
def change_users(
    _add: int | None,
    _disable: int | None,
    name: Any,
    role: Any,
    center: Any,
    team: Any,
    caseworker: Any,
    password: Any,
    disable_name: Any,
) -> tuple[Any, Any]:
    """Add or disable a user (admins only; audited as user changes)."""
    if not _is_admin():
        return dash.no_update, dbc.Alert("Kun administratorer kan ændre brugere.", color="danger")
    who = ui.principal()
    by = who.username if who else None

    def text(v: Any) -> str | None:
        return v.strip() if isinstance(v, str) and v.strip() else None

    try:
        if dash.ctx.triggered_id == DISABLE:
            users.disable_user(ui.engine(), text(disable_name) or "", by=by)
            message = f"{text(disable_name)} er spærret."
        else:
            users.add_user(
                ui.engine(),
                text(name) or "",
                str(role or ""),
                password if isinstance(password, str) else None,
                center=text(center),
                team=text(team),
                caseworker_id=text(caseworker),
                by=by,
            )
            message = f"{text(name)} er oprettet."
    except users.UserError as exc:
        return dash.no_update, dbc.Alert(f"Ikke udført: {exc}", color="warning")
    return users_table(), dbc.Alert(message, color="success", dismissable=True)


@callback(
    Output(AUDIT_TABLE, "children"),
    Input(AUDIT_USER, "value"),
    Input(AUDIT_ACTION, "value"),
    Input(AUDIT_SINCE, "value"),
    prevent_initial_call=True,
)
def search_audit(user: Any, action: Any, since: Any) -> Any:
    if not _is_admin():
        return ui.empty_state("Siden er kun for administratorer.")
    return audit_table(
        user if isinstance(user, str) else None,
        action if isinstance(action, str) else None,
        since if isinstance(since, str) else None,
    )


@callback(
    Output(AUDIT_DOWNLOAD, "data"),
    Input(AUDIT_EXPORT, "n_clicks"),
    State(AUDIT_USER, "value"),
    State(AUDIT_ACTION, "value"),
    State(AUDIT_SINCE, "value"),
    prevent_initial_call=True,
)
def export_audit(_n: int | None, user: Any, action: Any, since: Any) -> Any:
    """The audit log (as searched) as CSV; the export itself is audited."""
    if not _is_admin():
        return dash.no_update
    events = access_audit.search(
        ui.engine(),
        since=_since(since if isinstance(since, str) else None),
        user=user if isinstance(user, str) and user else None,
        action=action if isinstance(action, str) and action else None,
        limit=None,
    )
    records = access_audit.as_records(events)
    auth.audit(AuditAction.AUDIT_EXPORT, page=urls.ADMIN, row_count=len(records))
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "Tid": r["at"],
                "Bruger": r["username"],
                "Rolle": r["role"],
                "Hændelse": AUDIT_LABELS.get(r["action"], r["action"]),
                "Side": r["page"],
                "Detaljer": json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else "",
                "Rækker": r["row_count"],
                "Sager": " ".join(r["case_ids"] or []),
                "Adresse": r["address"],
            }
            for r in records
        ]
    )
    return export.csv_download(frame, export.filename("log", "csv"))
