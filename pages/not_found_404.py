"""The page for an address Fristvagt does not have (Dash Pages' 404), in Danish."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from components import ui, urls

dash.register_page(__name__, path="/404", title="Fristvagt – Siden findes ikke")


def layout(**_params: Any) -> html.Div:
    return html.Div(
        [
            ui.page_header("Siden findes ikke", "Adressen passer ikke til en side i Fristvagt."),
            html.P("Måske var linket gammelt eller skrevet forkert. Gå til:"),
            html.Ul([html.Li(dcc.Link(name, href=path)) for name, path in urls.NAV_PAGES]),
        ]
    )
