"""Layout helpers shared by the pages: the engine/scope of a request, cards, links, tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import Engine

from components import format as fmt
from components import labels
from store.db import database_url, get_engine
from store.queries import Scope


def engine() -> Engine:
    """The store of this process (settings.DATABASE_URL); opened lazily, never at import."""
    # pass the URL: get_engine() caches per argument, and None would pin the first URL
    return get_engine(database_url())


def scope() -> Scope:
    """The viewer's scope. No login yet: everything, CPR masked."""
    return Scope.everything()


def list_href(**params: Any) -> str:
    """A link into the case list with these filters (`/sager?kpi=K3&center=HCK`)."""
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return "/sager" + ("?" + urlencode(clean) if clean else "")


def href(path: str, **params: Any) -> str:
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    return html.Div(
        [html.H1(title, className="h3 mb-1"), html.P(subtitle, className="text-muted mb-3")]
        if subtitle
        else [html.H1(title, className="h3 mb-3")],
        className="page-header",
    )


def empty_state(text: str, hint: str | None = None) -> dbc.Alert:
    return dbc.Alert(
        [html.Strong(text), html.Div(hint, className="small mt-1") if hint else None],
        color="light",
        className="border",
    )


def status_badge(status: str) -> html.Span:
    icon, text, colour = labels.ATTAINMENT_TEXT[status]
    return dbc.Badge(
        [html.Span(icon, **{"aria-hidden": "true"}, className="me-1"), text],
        color=colour,
        text_color="dark" if colour == "warning" else None,
        className="status-badge",
    )


def center_pills(path: str, centers: Sequence[str], active: str | None, **keep: Any) -> dbc.Nav:
    """Links choosing a center (plain links: shareable, no callbacks)."""
    items = [dbc.NavItem(dbc.NavLink("Alle centre", href=href(path, **keep), active=not active))]
    for c in centers:
        items.append(
            dbc.NavItem(dbc.NavLink(c, href=href(path, center=c, **keep), active=active == c))
        )
    return dbc.Nav(items, pills=True, className="mb-3 center-pills")


def kpi_card(row: Mapping[str, Any], show_center: bool = False) -> dbc.Card:
    """One KPI card: value, numerator/denominator (links to the list), target, status, change.

    show_center puts the center in the title (for pages that mix centers in one row).
    """
    kpi = str(row["kpi"])
    center = str(row["center"])
    num, den = int(row["numerator"] or 0), int(row["denominator"] or 0)
    value = row.get("value")
    if den and (value is None or value != value):
        value = num / den
    target = float(row.get("target") or labels.TARGET)
    status = labels.attainment(value, den, target)
    center_param = None if center == "ALL" else center
    body: list[Any] = [
        html.Div(
            [
                html.Span(kpi, className="kpi-code me-2"),
                html.Span(f"{center} · ", className="kpi-center") if show_center else None,
                labels.kpi_label(kpi),
            ],
            className="kpi-title",
            title=labels.kpi_explanation(kpi) or None,
        ),
    ]
    if den == 0:
        body.append(html.Div(fmt.NO_CASES, className="kpi-value text-muted"))
        body.append(html.Div("Ingen sager tæller med i dag.", className="small text-muted"))
    else:
        missing = den - num
        body.append(
            html.A(
                fmt.percent(value, den),
                href=list_href(kpi=kpi, center=center_param),
                className="kpi-value",
                title="Vis sagerne bag tallet",
            )
        )
        body.append(
            html.Div(
                [
                    dcc.Link(
                        f"{fmt.number(num)} af {fmt.number(den)} {labels.kpi_unit(kpi, den)}",
                        href=list_href(kpi=kpi, center=center_param),
                    ),
                    html.Span(" · "),
                    dcc.Link(
                        f"{fmt.number(missing)} ikke opfyldt",
                        href=list_href(kpi=kpi, center=center_param, resultat="ikke-opfyldt"),
                        className="fw-semibold" if missing else "",
                    ),
                ],
                className="small kpi-counts",
            )
        )
    prev = row.get("prev_value")
    change = "Ingen tal for sidste måned"
    if prev is not None and prev == prev and den:
        change = f"{fmt.points(float(value) - float(prev))} siden {fmt.date(row['prev_as_of'])}"
    body.append(
        html.Div(
            [
                status_badge(status),
                html.Span(f"Mål {fmt.percent(target)}", className="ms-2 small text-muted"),
            ],
            className="mt-2",
        )
    )
    body.append(html.Div(change, className="small text-muted mt-1 kpi-change"))
    return dbc.Card(
        dbc.CardBody(body),
        className=f"kpi-card h-100 kpi-{status}",
        id={"type": "kpi-card", "kpi": kpi, "center": center},
    )


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


# Danish texts for dcc.Dropdown (its own defaults are English).
DROPDOWN_LABELS: dict[str, str] = {
    "select_all": "Vælg alle",
    "deselect_all": "Fravælg alle",
    "selected_count": "{num_selected} valgt",
    "search": "Søg",
    "clear_search": "Ryd søgning",
    "clear_selection": "Ryd valg",
    "no_options_found": "Ingen valgmuligheder",
}


def dropdown(component_id: str, options: Any, value: Any = None, **kw: Any) -> dcc.Dropdown:
    """A dcc.Dropdown with Danish texts."""
    return dcc.Dropdown(id=component_id, options=options, value=value, labels=DROPDOWN_LABELS, **kw)
