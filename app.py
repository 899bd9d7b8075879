"""Fristvagt web app: Dash Pages under `pages/`, one shell with navigation and a stale banner.

`python app.py` serves on settings.HOST/settings.PORT; `server` is the Flask
app for gunicorn. No data is read at import time and no state lives in the
web process: every page reads the store on each request.
"""

from __future__ import annotations

import datetime as dt
import logging

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

import settings
from components import format as fmt
from components import ui, urls
from store import data_quality

log = logging.getLogger(__name__)

NAV_LOCATION = "shell-location"
STALE_BANNER = "shell-stale-banner"

NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("Overblik", urls.OVERVIEW),
    ("Sager", urls.CASES),
    ("Fristkalender", urls.CALENDAR),
    ("Udvikling", urls.TREND),
    ("Sagsbehandlingsfrister", urls.PROCESSING),
    ("Klager og gennemgange", urls.COMPLAINTS),
    ("Datakvalitet", urls.DATA_QUALITY),
)

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


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=path, active="exact")) for label, path in NAV_ITEMS
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Fristvagt", href=urls.OVERVIEW, className="fw-bold"),
                dbc.Nav(links, navbar=True, className="flex-wrap"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


app.layout = html.Div(
    [
        dcc.Location(id=NAV_LOCATION),
        _navbar(),
        dbc.Container(
            [html.Div(id=STALE_BANNER, role="status"), dash.page_container],
            fluid=True,
            className="pb-5 main-container",
        ),
    ]
)


def stale_banner(
    freshness: data_quality.Freshness, now: dt.datetime, stale_hours: float
) -> dbc.Alert | None:
    """The warning shown on every page when data is missing or older than STALE_HOURS."""
    if freshness.last_loaded_at is None:
        return dbc.Alert(
            [
                html.Strong("Der er ingen data endnu. "),
                "Indlæs et udtræk med ",
                html.Code("python -m etl load MAPPE"),
                " (eller demodata: ",
                html.Code("python -m etl demo --out /tmp/demo && python -m etl load /tmp/demo"),
                ").",
            ],
            color="warning",
            className="stale-banner",
        )
    if freshness.is_stale(now, stale_hours):
        hours = freshness.age_hours(now) or 0
        return dbc.Alert(
            [
                html.Strong("Data er ikke opdateret. "),
                f"Seneste indlæsning: {fmt.timestamp(freshness.last_loaded_at)} "
                f"({fmt.number(hours)} timer siden). Tallene kan være forældede; "
                "se ",
                dcc.Link("Datakvalitet", href=urls.DATA_QUALITY),
                ".",
            ],
            color="warning",
            className="stale-banner",
        )
    return None


@callback(Output(STALE_BANNER, "children"), Input(NAV_LOCATION, "pathname"))
def update_banner(_pathname: str | None) -> dbc.Alert | None:
    try:
        fresh = data_quality.freshness(ui.engine(), ui.scope())
    except Exception:  # a store without schema counts as "no load"
        log.exception("could not read the load history")
        fresh = data_quality.Freshness(None, None, None)
    return stale_banner(fresh, dt.datetime.now(), float(settings.STALE_HOURS.get()))


def main() -> None:
    from store.db import init_db

    logging.basicConfig(level=settings.LOG_LEVEL.get())
    init_db(ui.engine())  # idempotent: creates the schema of a new store
    app.run(host=settings.HOST.get(), port=int(settings.PORT.get()), debug=False)


if __name__ == "__main__":
    main()
