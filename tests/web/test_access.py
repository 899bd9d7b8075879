"""Login, roles and row-level access over real HTTP (Flask's test client): for each role,
crafted callback POSTs and export requests for another center's or caseworker's rows
return none of them; without a login no route gives data; CSRF, the login rate limit,
the audit log, the idle timeout and disabled users."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

import app as webapp
from access.principal import Principal
from components import auth, urls
from pages import sager
from store import case_list
from store.models import AuditEvent
from store.scope import Scope
from tests.web import payloads
from tests.web.conftest import add_user, csrf_headers, login
from vocab import Role

ALL = Scope.everything()
PAGES = ("/", "/sager", "/fristkalender", "/udvikling", "/sagsbehandlingsfrister", "/klager")


def grid_payload(filters: dict[str, str]) -> dict[str, Any]:
    """Sager's get_rows callback as the browser posts it, with a crafted filter state."""
    return payloads.grid(filters)


def grid_rows(client: Any, filters: dict[str, str]) -> list[dict[str, Any]]:
    response = client.post(
        "/_dash-update-component", json=grid_payload(filters), headers=csrf_headers(client)
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    return body["response"][sager.GRID]["getRowsResponse"]["rowData"]


def export_rows(client: Any, path: str, flt: case_list.ListFilter) -> pd.DataFrame:
    response = client.get(urls.export_href(path, flt))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    raw = response.get_data()
    if path == urls.EXPORT_CSV:
        return pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
    return pd.read_excel(io.BytesIO(raw), dtype=str)


USERS: dict[str, dict[str, Any]] = {
    "sb": {
        "role": Role.CASEWORKER,
        "center": "HCK",
        "team": "HCK Team 1",
        "caseworker_id": "HCK-T1-W1",
    },
    "tl": {"role": Role.TEAM_LEAD, "center": "HCK", "team": "HCK Team 1"},
    "cc": {"role": Role.CENTER_CHIEF, "center": "HCK"},
    "dir": {"role": Role.DIRECTORATE},
}


@pytest.fixture
def people(web_store: Engine, db_url: str) -> dict[str, Principal]:
    return {
        name: add_user(db_url, name, f["role"], **{k: v for k, v in f.items() if k != "role"})
        for name, f in USERS.items()
    }


def allowed(who: Principal, row_center: str, row_team: str, row_worker: str) -> bool:
    if who.role == Role.CASEWORKER:
        return row_worker == who.caseworker_id
    if who.role == Role.TEAM_LEAD:
        return row_center == who.center and row_team == who.team
    if who.role == Role.CENTER_CHIEF:
        return row_center == who.center
    return True


@pytest.mark.parametrize("name", list(USERS))
def test_each_role_sees_only_its_rows_in_callbacks_and_exports(
    web_store: Engine, people: dict[str, Principal], name: str
) -> None:
    who = people[name]
    client = webapp.server.test_client()
    assert login(client, name).status_code == 302
    everything = case_list.list_export(web_store, ALL, case_list.ListFilter())
    by_case = everything.set_index("obligation_id")
    for crafted in ({}, {"center": "SCK"}, {"center": "HCK", "sagsbehandler": "HCK-T2-W3"}):
        rows = grid_rows(client, crafted)
        for r in rows:
            oid = r["id"].split("|")[0]
            row = by_case.loc[oid]
            assert allowed(who, row["center"], row["team"], row["caseworker_id"]), (name, crafted)
        if not crafted:
            own = [
                r
                for r in everything.to_dict("records")
                if allowed(who, r["center"], r["team"], r["caseworker_id"])
            ]
            assert len(rows) == min(len(own), 1000) > 0
    for path in (urls.EXPORT_CSV, urls.EXPORT_XLSX):
        for flt in (case_list.ListFilter(), case_list.ListFilter(center="SCK")):
            df = export_rows(client, path, flt)
            if who.role == Role.DIRECTORATE:
                expected = case_list.list_export(web_store, ALL, flt)
                assert len(df) == len(expected) > 0
                continue
            assert set(df["Center"].dropna()) <= {"HCK"}, (name, path, flt)
            if who.role in (Role.CASEWORKER, Role.TEAM_LEAD):
                assert set(df["Team"].dropna()) <= {"HCK Team 1"}
    # Udvikling's chart callback asked for every center: another center never appears
    payload = payloads.trend(["K3", "K1"], ["SCK", "ALL"])
    response = client.post("/_dash-update-component", json=payload, headers=csrf_headers(client))
    assert response.status_code == 200
    if who.role != Role.DIRECTORATE:
        assert "SCK" not in json.dumps(response.get_json()["response"])


def test_no_route_gives_data_without_a_login(web_store: Engine) -> None:
    client = webapp.server.test_client()
    for path in (*PAGES, "/datakvalitet", "/admin", "/sag/S1"):
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", urls.EXPORT_CSV, urls.EXPORT_XLSX):
        assert client.get(path).status_code == 401, path
    posted = client.post("/_dash-update-component", json=grid_payload({}))
    assert posted.status_code == 401
    assert "rowData" not in posted.get_data(as_text=True)
    # open: the login form, the health checks, static code
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_forged_callback_without_csrf_token_is_refused(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    client = webapp.server.test_client()
    login(client, "dir")
    forged = client.post("/_dash-update-component", json=grid_payload({}))
    assert forged.status_code == 403 and "rowData" not in forged.get_data(as_text=True)
    wrong = client.post(
        "/_dash-update-component", json=grid_payload({}), headers={"X-CSRFToken": "guess"}
    )
    assert wrong.status_code == 403
    assert grid_rows(client, {})  # with the token it works


def test_login_form_needs_its_csrf_token(web_store: Engine, people: dict[str, Principal]) -> None:
    client = webapp.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "dir", "password": "x" * 12})
    assert response.status_code == 400


def test_rate_limit_after_five_failures(web_store: Engine, people: dict[str, Principal]) -> None:
    client = webapp.server.test_client()
    codes = [login(client, "dir", "forkert-kode-1").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # the right password is refused too while the limit holds
    assert login(client, "dir").status_code == 429
    # another user from the same address is limited as well (per address)
    assert login(client, "cc").status_code == 429


def test_login_export_and_cpr_reveal_are_audited(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    client = webapp.server.test_client()
    login(client, "sb")
    export_rows(client, urls.EXPORT_CSV, case_list.ListFilter())
    rows = grid_rows(client, {})
    case_id = rows[0]["case_id"]
    reveal = {
        "output": f"{sager.CPR_SHOWN}.children",
        "outputs": {"id": sager.CPR_SHOWN, "property": "children"},
        "inputs": [{"id": sager.CPR_BUTTON, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{sager.CPR_BUTTON}.n_clicks"],
        "state": [{"id": sager.GRID, "property": "selectedRows", "value": [{"case_id": case_id}]}],
    }
    shown = client.post("/_dash-update-component", json=reveal, headers=csrf_headers(client))
    assert shown.status_code == 200
    assert "-XXXX" not in json.dumps(shown.get_json()) and "visningen er logget" in shown.get_data(
        as_text=True
    )
    with web_store.connect() as c:
        events = c.execute(
            select(
                AuditEvent.username, AuditEvent.action, AuditEvent.case_ids, AuditEvent.row_count
            )
            .where(AuditEvent.username == "sb")
            .order_by(AuditEvent.event_id)
        ).all()
    actions = [e.action for e in events]
    assert actions[0] == "login" and {"export", "list", "cpr-reveal"} <= set(actions)
    reveal_event = next(e for e in events if e.action == "cpr-reveal")
    assert reveal_event.case_ids == [case_id]
    listed = next(e for e in events if e.action == "list")
    assert case_id in listed.case_ids and listed.row_count == len(rows)
    exported = next(e for e in events if e.action == "export")
    own = case_list.list_export(web_store, Scope(caseworker_id="HCK-T1-W1"), case_list.ListFilter())
    assert exported.row_count == len(own) and set(exported.case_ids) == set(own["case_id"])


def test_caseworker_outside_their_cases_cannot_reveal(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    client = webapp.server.test_client()
    login(client, "sb")
    foreign = case_list.list_export(web_store, ALL, case_list.ListFilter(center="SCK"))
    payload = {
        "output": f"{sager.CPR_SHOWN}.children",
        "outputs": {"id": sager.CPR_SHOWN, "property": "children"},
        "inputs": [{"id": sager.CPR_BUTTON, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{sager.CPR_BUTTON}.n_clicks"],
        "state": [
            {
                "id": sager.GRID,
                "property": "selectedRows",
                "value": [{"case_id": foreign["case_id"].iloc[0]}],
            }
        ],
    }
    response = client.post("/_dash-update-component", json=payload, headers=csrf_headers(client))
    assert "har ikke adgang" in response.get_data(as_text=True)


def test_case_page_reveals_cpr_in_scope_only_and_audits_it(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    from pages import sag

    client = webapp.server.test_client()
    login(client, "sb")
    own = case_list.list_export(web_store, Scope(caseworker_id="HCK-T1-W1"), case_list.ListFilter())
    foreign = case_list.list_export(web_store, ALL, case_list.ListFilter(center="SCK"))

    def reveal(case_id: str) -> str:
        payload = {
            "output": f"{sag.CPR_SHOWN}.children",
            "outputs": {"id": sag.CPR_SHOWN, "property": "children"},
            "inputs": [{"id": sag.CPR_BUTTON, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{sag.CPR_BUTTON}.n_clicks"],
            "state": [{"id": sag.CASE_ID, "property": "data", "value": case_id}],
        }
        got = client.post("/_dash-update-component", json=payload, headers=csrf_headers(client))
        assert got.status_code == 200
        return got.get_data(as_text=True)

    mine = str(own["case_id"].iloc[0])
    shown = reveal(mine)
    assert "visningen er logget" in shown and "-XXXX" not in shown
    assert "har ikke adgang" in reveal(str(foreign["case_id"].iloc[0]))
    with web_store.connect() as c:
        reveals = c.execute(
            select(AuditEvent.case_ids, AuditEvent.page).where(
                AuditEvent.username == "sb", AuditEvent.action == "cpr-reveal"
            )
        ).all()
    assert [(r.case_ids, r.page) for r in reveals] == [([mine], f"/sag/{mine}")]


def test_audit_log_is_append_only(web_store: Engine, people: dict[str, Principal]) -> None:
    with web_store.connect() as c:
        assert c.execute(select(AuditEvent.event_id)).first() is not None
    for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), web_store.begin() as c:
            c.execute(text(statement))


def test_idle_session_and_disabled_user_end(
    web_store: Engine, people: dict[str, Principal], db_url: str
) -> None:
    client = webapp.server.test_client()
    login(client, "dir")
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as s:
        s[auth.SESSION_SEEN] = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    assert client.get("/_dash-layout").status_code == 401
    login(client, "cc")
    assert client.get("/_dash-layout").status_code == 200
    from access.users import disable_user

    disable_user(web_store, "cc")
    assert client.get("/_dash-layout").status_code == 401


def test_security_headers(web_store: Engine, people: dict[str, Principal]) -> None:
    client = webapp.server.test_client()
    login(client, "dir")
    response = client.get("/sager", headers={"Accept": "text/html"})
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = (
        next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("fristvagt_session"))
        if any(h.startswith("fristvagt_session") for h in response.headers.getlist("Set-Cookie"))
        else None
    )
    if cookie:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


MALFORMED: list[Any] = [
    "not json",
    [],
    {"output": 5},
    {"output": "x", "inputs": "nope", "outputs": {}},
    {"output": "x", "inputs": [1, 2], "outputs": {}},
]


def test_malformed_callback_payloads_get_400_not_500(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    client = webapp.server.test_client()
    login(client, "dir")
    headers = csrf_headers(client)
    for body in MALFORMED:
        if isinstance(body, str):
            r = client.post(
                "/_dash-update-component",
                data=body,
                headers={**headers, "Content-Type": "application/json"},
            )
        else:
            r = client.post("/_dash-update-component", json=body, headers=headers)
        assert r.status_code == 400, body
    bad_rows: list[Any] = [
        {"startRow": "a", "endRow": 10},
        {"startRow": -5, "endRow": 10},
        {"startRow": 0, "endRow": 10**12},
        {"startRow": 0, "endRow": 10, "sortModel": "x"},
        {"startRow": 0, "endRow": 10, "sortModel": [1]},
        {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "bogus\nINJECT", "sort": "asc"}]},
        {"startRow": 0, "endRow": 10, "filterModel": []},
        {"startRow": 0, "endRow": 10, "filterModel": {"case_id": "x"}},
        {"startRow": 0, "endRow": 10, "filterModel": {"nope": {"type": "contains"}}},
        "text",
        None,
    ]
    for value in bad_rows:
        payload = grid_payload({})
        payload["inputs"][0]["value"] = value
        r = client.post("/_dash-update-component", json=payload, headers=headers)
        assert r.status_code in (200, 204, 400), (value, r.status_code)
        assert 'rowData": [{' not in r.get_data(as_text=True)
    # the KPI chart with 50,000 codes: cut to the known KPIs, answered at once
    payload = payloads.trend([f"X{i}" for i in range(50_000)], ["HCK"])
    r = client.post("/_dash-update-component", json=payload, headers=headers)
    assert r.status_code in (200, 204, 400, 413)


def test_admin_page_for_admins_only(web_store: Engine, db_url: str) -> None:
    from flask import g

    from pages import admin

    add_user(db_url, "root", Role.ADMIN)
    g.principal = Principal("cc", Role.CENTER_CHIEF, center="HCK")
    assert "kun for administratorer" in str(admin.layout())
    assert admin.search_audit("x", None, None) is not None
    g.principal = Principal("root", Role.ADMIN)
    page = admin.layout()
    assert "root" in str(page)
    import dash._callback_context as cbc  # noqa: F401
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{admin.ADD}.n_clicks", "value": 1}])
    )
    users_shown, message = admin.change_users(
        1, None, "ny-chef", "centerchef", "SCK", None, None, "en-god-adgangskode", None
    )
    assert "ny-chef er oprettet" in str(message) and "ny-chef" in str(users_shown)
    download = admin.export_audit(1, None, None, None)
    assert "user-change" not in download["content"] and "Brugerændring" in download["content"]


def test_logout_ends_the_session_even_if_the_old_cookie_comes_back(
    web_store: Engine, people: dict[str, Principal]
) -> None:
    client = webapp.server.test_client()
    login(client, "dir")
    old = client.get_cookie("fristvagt_session").value
    assert client.get("/_dash-layout").status_code == 200
    client.get(auth.LOGOUT)
    assert client.get("/_dash-layout").status_code == 401
    client.set_cookie("fristvagt_session", old)  # a late answer set the old cookie again
    assert client.get("/_dash-layout").status_code == 401
    login(client, "dir")  # a new login works
    assert client.get("/_dash-layout").status_code == 200
