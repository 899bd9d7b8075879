"""Compact KPI views for Overblik: the scorecard matrix (rows x KPIs, each cell a
value against its target with its counts, linking to the cases), and the KPI strip
(one tile per KPI with a sparkline of its month-ends).

Attainment is told by an icon and words as well as colour (✔ opfyldt, ▲ tæt på,
✖ ikke opfyldt), so the matrix reads in greyscale and to a screen reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import format as fmt
from components import labels, urls
from store import case_list

KPI_CELL = "kpi-cell"  # the `type` of a matrix cell's pattern id {"type", "kpi", "row"}
KPI_TILE = "kpi-tile"  # the `type` of a strip tile's pattern id {"type", "kpi", "center"}
SPARK_WIDTH, SPARK_HEIGHT = 120, 30


def _value(row: Mapping[str, Any]) -> float | None:
    num, den = int(row.get("numerator") or 0), int(row.get("denominator") or 0)
    value = row.get("value")
    if den and (value is None or value != value):
        value = num / den
    return None if not den else float(value)  # type: ignore[arg-type]


def _target(row: Mapping[str, Any]) -> float:
    stored = row.get("target")
    if stored is not None and stored == stored:
        return float(stored)
    return labels.target(str(row["kpi"]), str(row.get("center") or ""))


def cell(row: Mapping[str, Any] | None, href: str, cell_id: dict[str, str]) -> html.Td:
    """One matrix cell: '✖ 54 %' over '46 af 85', shaded by attainment, linking to the
    cases behind it; an empty cell for a KPI without cases."""
    if row is None or not int(row.get("denominator") or 0):
        return html.Td("–", className="score-cell score-empty", title=fmt.NO_CASES, id=cell_id)
    num, den = int(row["numerator"]), int(row["denominator"])
    value, target = _value(row), _target(row)
    status = labels.attainment(value, den, target)
    icon, text, _colour = labels.ATTAINMENT_TEXT[status]
    return html.Td(
        dcc.Link(
            [
                html.Span(
                    [
                        html.Span(icon, **{"aria-hidden": "true"}),
                        " ",
                        fmt.percent(value, den, target),
                    ],
                    className="score-value",
                ),
                html.Span(f"{fmt.number(num)} af {fmt.number(den)}", className="score-counts"),
            ],
            href=href,
            title=f"{text}: {fmt.percent(value, den, target)} mod målet {fmt.percent(target)}. "
            f"{fmt.number(den - num)} ikke opfyldt. Klik for sagerne.",
        ),
        className=f"score-cell score-{status}",
        id=cell_id,
    )


def matrix(
    results: pd.DataFrame,
    rows: Sequence[tuple[str, str]],
    row_filter: Callable[[str], case_list.ListFilter],
    row_key: str,
    kpis: Sequence[str] | None = None,
    table_id: str | None = None,
    extra: Mapping[str, Sequence[Any]] | None = None,
    extra_headers: Sequence[str] = (),
) -> dbc.Table:
    """A scorecard: one row per (key, label) of `rows`, one column per KPI.

    results: one row per KPI per row key (`row_key` the column holding it, e.g.
    center or team), with numerator, denominator, value, target. row_filter gives
    the list a row's cells open (narrowed to the cell's KPI). extra: more cells per
    row key after the KPI columns (with `extra_headers`).
    """
    kpis = list(kpis) if kpis is not None else sorted(results["kpi"].unique())
    by_key = {(str(r["kpi"]), str(r[row_key])): r for r in results.to_dict("records")}
    head = html.Thead(
        html.Tr(
            [
                html.Th("", scope="col"),
                *[
                    html.Th(
                        [html.Span(k, className="kpi-code"), html.Br(), labels.kpi_label(k)],
                        scope="col",
                        className="score-head",
                        title=labels.kpi_explanation(k) or None,
                    )
                    for k in kpis
                ],
                *[html.Th(h, scope="col", className="text-end") for h in extra_headers],
            ]
        )
    )
    body = []
    for key, label in rows:
        flt = row_filter(key)
        cells = [
            cell(
                by_key.get((k, key)),
                urls.list_href(flt, kpi=k),
                {"type": KPI_CELL, "kpi": k, "row": key},
            )
            for k in kpis
        ]
        more = [html.Td(c, className="text-end") for c in (extra or {}).get(key, [])]
        body.append(html.Tr([html.Th(label, scope="row", className="score-row"), *cells, *more]))
    return dbc.Table(
        [head, html.Tbody(body)],
        bordered=True,
        size="sm",
        responsive=True,
        className="scorecard",
        **({"id": table_id} if table_id else {}),
    )


def sparkline_svg(values: Sequence[float], target: float) -> str:
    """A small SVG line of values in [0, 1] with the target as a dashed line, as a
    data URI (no script; the page's CSP allows data: images)."""
    w, h, pad = SPARK_WIDTH, SPARK_HEIGHT, 3
    if not values:
        return ""
    low = min(min(values), target) - 0.02
    high = max(max(values), target) + 0.02
    span = (high - low) or 1.0

    def y(v: float) -> float:
        return round(pad + (h - 2 * pad) * (1 - (v - low) / span), 1)

    step = (w - 2 * pad) / max(len(values) - 1, 1)
    points = " ".join(f"{round(pad + i * step, 1)},{y(v)}" for i, v in enumerate(values))
    last_x, last_y = round(pad + (len(values) - 1) * step, 1), y(values[-1])
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}'>"
        f"<line x1='0' x2='{w}' y1='{y(target)}' y2='{y(target)}' stroke='#6c757d' "
        "stroke-dasharray='3,2' stroke-width='1'/>"
        f"<polyline fill='none' stroke='#0b5394' stroke-width='1.6' points='{points}'/>"
        f"<circle cx='{last_x}' cy='{last_y}' r='2.2' fill='#0b5394'/></svg>"
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def tile(row: Mapping[str, Any], history: Sequence[tuple[Any, float]], href: str) -> dbc.Card:
    """One KPI of a center: code and name, value (link), target and counts, attainment,
    and a sparkline of its month-ends (history: (date, value) oldest first)."""
    kpi, center = str(row["kpi"]), str(row["center"])
    den, num = int(row.get("denominator") or 0), int(row.get("numerator") or 0)
    value, target = _value(row), _target(row)
    status = labels.attainment(value, den, target)
    icon, text, _colour = labels.ATTAINMENT_TEXT[status]
    values = [v for _d, v in history]
    if values:
        first, last = history[0], history[-1]
        alt = (
            f"{kpi} fra {fmt.month_short(first[0])} til {fmt.month_short(last[0])}: "
            f"{fmt.percent(first[1], None, target)} til {fmt.percent(last[1], None, target)}; mål {fmt.percent(target)}"
        )
        spark: Any = html.Img(src=sparkline_svg(values, target), alt=alt, title=alt)
    else:
        spark = html.Span("Ingen historik", className="small text-muted")
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [html.Span(kpi, className="kpi-code me-1"), labels.kpi_label(kpi)],
                    className="tile-title",
                    title=labels.kpi_explanation(kpi) or None,
                ),
                html.Div(
                    [
                        dcc.Link(
                            [
                                html.Span(icon, **{"aria-hidden": "true"}),
                                " ",
                                fmt.percent(value, den, target),
                            ]
                            if den
                            else fmt.NO_CASES,
                            href=href,
                            className="tile-value",
                            title=f"{text}. Klik for sagerne.",
                        ),
                        spark,
                    ],
                    className="d-flex align-items-center justify-content-between gap-2",
                ),
                html.Div(
                    [
                        f"{fmt.number(num)} af {fmt.number(den)} · ",
                        dcc.Link(
                            f"{fmt.number(den - num)} ikke opfyldt",
                            href=urls.list_href(
                                kpi=kpi, center=center, result=case_list.MemberResult.NOT_MET
                            ),
                        ),
                        f" · mål {fmt.percent(target)}",
                    ]
                    if den
                    else f"Mål {fmt.percent(target)}",
                    className="small text-muted tile-counts",
                ),
            ],
            className="p-2",
        ),
        className=f"kpi-tile kpi-{status} h-100",
        id={"type": KPI_TILE, "kpi": kpi, "center": center},
    )


def strip(results: pd.DataFrame, trend: pd.DataFrame, href: Callable[[str], str]) -> html.Div:
    """A center's KPIs as one compact row of tiles (wrapping on narrow screens).

    results: one row per KPI (the current snapshot); trend: the month-end history
    (as_of, kpi, value; recomputed or snapshot), newest 12 used per KPI."""
    tiles = []
    for row in results.sort_values("kpi").to_dict("records"):
        past = trend[trend["kpi"] == row["kpi"]].dropna(subset=["value"]).sort_values("as_of")
        history = list(zip(past["as_of"], past["value"].astype(float), strict=True))[-12:]
        tiles.append(html.Div(tile(row, history, href(str(row["kpi"]))), className="kpi-tile-col"))
    return html.Div(tiles, className="kpi-strip")
