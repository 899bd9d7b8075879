"""KPI cards and their grid: a KPI's value against its target, linking to the cases behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import format as fmt
from components import labels, urls
from store import case_list

KPI_CARD = "kpi-card"  # the `type` of a card's pattern id {"type", "kpi", "center"}


def status_badge(attainment: str) -> dbc.Badge:
    """The badge of an attainment ('met', 'close', 'missed', 'empty'): icon and Danish text."""
    icon, text, colour = labels.ATTAINMENT_TEXT[attainment]
    return dbc.Badge(
        [html.Span(icon, **{"aria-hidden": "true"}, className="me-1"), text],
        color=colour,
        text_color="dark" if colour == "warning" else None,
        className="status-badge",
    )


def kpi_card(row: Mapping[str, Any], show_center: bool = False) -> dbc.Card:
    """One KPI card: value, numerator/denominator (links to the list), target, status, change.

    row is one KPI result (kpi, center, numerator, denominator, value, target,
    prev_value, prev_as_of). The target is the one the result was computed
    against, else the rules' target. show_center puts the center in the title
    (for pages that mix centers in one row).
    """
    kpi = str(row["kpi"])
    center = str(row["center"])
    num, den = int(row["numerator"] or 0), int(row["denominator"] or 0)
    value = row.get("value")
    if den and (value is None or value != value):
        value = num / den
    stored = row.get("target")
    target = (
        float(stored) if stored is not None and stored == stored else labels.target(kpi, center)
    )
    status = labels.attainment(value, den, target)
    cases = urls.list_href(kpi=kpi, center=center)
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
                fmt.percent(value, den, target),
                href=cases,
                className="kpi-value",
                title="Vis sagerne bag tallet",
            )
        )
        body.append(
            html.Div(
                [
                    dcc.Link(
                        f"{fmt.number(num)} af {fmt.number(den)} {labels.kpi_unit(kpi, den)}",
                        href=cases,
                    ),
                    html.Span(" · "),
                    dcc.Link(
                        f"{fmt.number(missing)} ikke opfyldt",
                        href=urls.list_href(
                            kpi=kpi, center=center, result=case_list.MemberResult.NOT_MET
                        ),
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
        id={"type": KPI_CARD, "kpi": kpi, "center": center},
    )


def card_grid(rows: Iterable[Mapping[str, Any]], show_center: bool = False) -> dbc.Row:
    """KPI cards side by side: four on a wide screen, one on a phone."""
    return dbc.Row(
        [dbc.Col(kpi_card(r, show_center), xs=12, sm=6, lg=4, xl=3, className="mb-3") for r in rows]
    )
