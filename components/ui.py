"""Layout helpers shared by the pages: the engine/scope of a request, headers, tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy import Engine

from access.principal import Principal
from components import auth, urls
from store.db import database_url, get_engine
from store.scope import Scope


def engine() -> Engine:
    """The store of this process (settings.DATABASE_URL); opened lazily, never at import."""
    # pass the URL: get_engine() caches per argument, and None would pin the first URL
    return get_engine(database_url())


def scope() -> Scope:
    """The viewer's scope, from the logged-in user's role (components.auth): nothing
    without a login. The only way a page gets one."""
    return auth.current_scope()


def principal() -> Principal | None:
    """The logged-in user of this request (None when logged out)."""
    return auth.current_principal()


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    """The page's h1 and a muted line saying what it shows."""
    return html.Div(
        [html.H1(title, className="h3 mb-1"), html.P(subtitle, className="text-muted mb-3")]
        if subtitle
        else [html.H1(title, className="h3 mb-3")],
        className="page-header",
    )


def empty_state(text: str, hint: str | None = None) -> dbc.Alert:
    """A quiet box saying there is nothing to show, and what would change that."""
    return dbc.Alert(
        [html.Strong(text), html.Div(hint, className="small mt-1") if hint else None],
        color="light",
        className="border",
    )


def center_pills(path: str, centers: Sequence[str], active: str | None) -> dbc.Nav:
    """Links narrowing a page to a center (plain links: shareable, no callbacks)."""
    items = [dbc.NavItem(dbc.NavLink("Alle centre", href=urls.page_href(path), active=not active))]
    for c in centers:
        items.append(dbc.NavItem(dbc.NavLink(c, href=urls.page_href(path, c), active=active == c)))
    return dbc.Nav(items, pills=True, className="mb-3 center-pills")


def simple_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()
) -> dbc.Table:
    """A plain bootstrap table; cells may be components (links)."""
    num = set(numeric)
    head = html.Thead(
        html.Tr(
            [html.Th(h, className="text-end" if i in num else None) for i, h in enumerate(header)]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(c, className="text-end" if i in num else None) for i, c in enumerate(r)]
            )
            for r in rows
        ]
    )
    return dbc.Table(
        [head, body], bordered=False, hover=True, size="sm", responsive=True, striped=True
    )


def chart_table(
    summary: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] | None = None,
    component_id: Any = None,
) -> html.Details:
    """A chart's table alternative, folded under the chart ("Vis ... som tabel");
    numeric: the right-aligned columns (default: all but the first)."""
    cols = numeric if numeric is not None else range(1, len(header))
    return html.Details(
        [html.Summary(summary), simple_table(header, rows, numeric=cols)],
        className="chart-table small mb-3",
        **({"id": component_id} if component_id is not None else {}),
    )
