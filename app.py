"""Fristvagt web app: Dash Pages under `pages/`, one shell with navigation and a load banner.

`gunicorn -c gunicorn.conf.py app:server` serves it in production (several
workers; see gunicorn.conf.py), `python app.py` on settings.HOST/settings.PORT
for a single machine. `server` is the Flask app: it also answers `/healthz`
and `/readyz`, gives each request an id (components.weblog), compresses its
responses and caches the versioned assets for a year (components.http), and
holds the shared cache of results that only change with a load
(components.cache: Redis when REDIS_URL is set). No data is read at import
time and no state lives in the web process beyond that cache: every page
reads the store on each request.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

import settings
from components import auth, banner, cache, export_routes, http, security, ui, urls, weblog
from vocab import AuditAction

log = logging.getLogger(__name__)

NAV_LOCATION = "shell-location"

NAV_ITEMS = urls.NAV_PAGES

app = dash.Dash(
    __name__,
    use_pages=True,
    # Bootstrap 5.3.8 is vendored in assets/ (no CDN: the app runs on an intranet)
    title="Fristvagt",
    update_title=None,
    suppress_callback_exceptions=True,
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
app.index_string = app.index_string.replace("<html>", '<html lang="da">')
server = app.server
weblog.init_request_ids(server)
http.init_compression(server)
http.init_health(server)
cache.init_cache(server)
auth.init_auth(server)
export_routes.init_exports(server)


USER_MENU = "shell-user"
WORK_LIST_LINK = "shell-work-list"


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=path, active="exact")) for label, path in NAV_ITEMS
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Fristvagt", href=urls.OVERVIEW, className="fw-bold"),
                dbc.Nav(links, navbar=True, className="me-auto"),
                html.Div(id=USER_MENU, className="d-flex align-items-center gap-2 text-white"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


MAIN = "main"

app.layout = html.Div(
    [
        # the first thing a keyboard reaches: past the navigation to the page itself
        html.A("Spring til indhold", href=f"#{MAIN}", className="skip-link"),
        dcc.Location(id=NAV_LOCATION),
        _navbar(),
        html.Main(
            dbc.Container(
                [html.Div(id=banner.BANNER, role="status"), dash.page_container],
                fluid=True,
                className="pb-5 main-container",
            ),
            id=MAIN,
            tabIndex="-1",
        ),
    ]
)


@callback(
    Output(banner.BANNER, "children"),
    Output(USER_MENU, "children"),
    Input(NAV_LOCATION, "pathname"),
    Input(NAV_LOCATION, "search"),
)
def update_shell(pathname: str | None, search: str | None) -> tuple[dbc.Alert | None, list]:
    """On every page change: audit the page view (page and its filter), read the load
    banner again, and show who is logged in."""
    page = (pathname or "/") + (search or "")
    auth.audit(AuditAction.PAGE, page=page[:200])
    return banner.current_banner(), user_menu(ui.principal())


def user_menu(who: ui.Principal | None) -> list:
    """The logged-in user's name and role, the admin page for admins, and log out."""
    if who is None:
        return []
    items: list = []
    if who.caseworker_id:  # a caseworker: their work list, one click from every page
        items.append(
            dbc.NavLink(
                "Min arbejdsliste",
                href=urls.work_list_href(who.caseworker_id),
                className="text-white small",
                id=WORK_LIST_LINK,
            )
        )
    items.append(html.Span(who.username, title=who.label, className="small"))
    if who.is_admin:
        items.append(dbc.NavLink("Administration", href=urls.ADMIN, className="text-white small"))
    items.append(
        html.A("Log ud", href=auth.LOGOUT, className="btn btn-sm btn-light", role="button")
    )
    return items


security.init_security(server, app)


def warm_up() -> None:
    """Let Dash set itself up before the first real request.

    Dash finishes its setup (script registry, callback map, the pages router) in
    hooks run on a process's first request, and not thread-safely: requests
    arriving together at a fresh threaded worker got 500s ("dash is not a
    registered library"). One request here, before the worker takes traffic,
    does it once. It reads no data.
    """
    with server.test_client() as client:
        client.get("/healthz", headers={weblog.REQUEST_ID_HEADER: "warm-up"})


def main() -> None:
    from store.db import init_db

    weblog.configure_logging(settings.LOG_LEVEL.get())
    init_db(ui.engine())  # idempotent: creates the schema of a new store
    warm_up()
    app.run(host=settings.HOST.get(), port=int(settings.PORT.get()), debug=False)


if __name__ == "__main__":
    main()
