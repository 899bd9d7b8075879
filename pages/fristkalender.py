"""Fristkalender (/fristkalender): open obligations falling due, per month and per week."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import format as fmt
from components import labels, ui, urls
from components.cache import memoize_per_load
from store import calendar, case_list, runs

dash.register_page(
    __name__,
    path=urls.CALENDAR,
    name="Fristkalender",
    title="Fristvagt – Fristkalender",
    order=2,
)

MONTHS_AHEAD = 6
WEEKS_AHEAD = 8
MONTH_TABLE = "kalender-months"
WEEK_TABLE = "kalender-weeks"
MAX_TEAMS = 30  # the week x team heatmap shows the busiest teams; a center link shows its own

# Results that only change with a load: computed once per load and scope (components.cache).
open_due_buckets = memoize_per_load(calendar.open_due_buckets)


def month_windows(as_of: dt.date, n: int = MONTHS_AHEAD) -> list[tuple[dt.date, dt.date]]:
    """(first, last) day of the current month and the next n-1 (the first starting at as_of)."""
    out = []
    first = as_of.replace(day=1)
    for i in range(n):
        m0 = (pd.Timestamp(first) + pd.DateOffset(months=i)).date()
        m1 = (pd.Timestamp(m0) + pd.offsets.MonthEnd(0)).date()
        out.append((max(m0, as_of), m1))
    return out


def week_windows(as_of: dt.date, n: int = WEEKS_AHEAD) -> list[tuple[dt.date, dt.date]]:
    """(Monday, Sunday) of the current ISO week and the next n-1 (the first starting at as_of)."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    return [
        (max(monday + dt.timedelta(weeks=i), as_of), monday + dt.timedelta(weeks=i, days=6))
        for i in range(n)
    ]


def _cell(n: int, peak: int, link: str) -> html.Td:
    """A count shaded by its share of the busiest cell, linking to its cases."""
    if n == 0:
        return html.Td("·", className="text-center text-muted")
    shade = 0.12 + 0.6 * (n / peak if peak else 0)
    return html.Td(
        dcc.Link(fmt.number(n), href=link, className="heat-link"),
        className="text-center",
        style={"backgroundColor": f"rgba(13, 110, 253, {shade:.2f})"},
    )


def pivot_table(
    counts: pd.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    row_key: str,
    row_label: Any,
    col_labels: list[str],
    center: str | None,
    table_id: str,
) -> dbc.Table:
    """Rows x time windows with counts (row_key, bucket, n); every count links to its list.

    row_key is "kind" or "team": the count's column, and the list filter it links with.
    """
    peak = int(counts["n"].max()) if not counts.empty else 0
    grid = counts.pivot_table(index=row_key, columns="bucket", values="n", fill_value=0)
    head = html.Thead(
        html.Tr(
            [html.Th("")]
            + [html.Th(lbl, className="text-center") for lbl in col_labels]
            + [html.Th("I alt", className="text-center")]
        )
    )
    body = []
    for key in grid.index:
        cells = [html.Th(row_label(key), scope="row")]
        for i, (d0, d1) in enumerate(windows):
            n = int(grid.loc[key].get(i, 0))
            link = urls.list_href(
                center=center,
                status=case_list.ListStatus.OPEN,
                due_from=d0,
                due_to=d1,
                **{row_key: key},
            )
            cells.append(_cell(n, peak, link))
        cells.append(
            html.Td(fmt.number(int(grid.loc[key].sum())), className="text-center fw-semibold")
        )
        body.append(html.Tr(cells))
    return dbc.Table(
        [head, html.Tbody(body)], bordered=True, size="sm", responsive=True, id=table_id
    )


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    as_of = runs.current_as_of(eng)
    if as_of is None:
        return html.Div(
            [ui.page_header("Fristkalender"), ui.empty_state("Der er ingen forpligtelser endnu.")]
        )
    centers = case_list.centers(eng, scope)
    center = urls.parse_page(params, centers).center
    months = month_windows(as_of)
    weeks = week_windows(as_of)
    by_kind = open_due_buckets(eng, scope, months, "kind", center=center)
    by_team = open_due_buckets(eng, scope, weeks, "team", center=center)
    month_part = pivot_table(
        by_kind,
        months,
        "kind",
        labels.kind_label,
        [fmt.month_short(m0) for m0, _ in months],
        center,
        MONTH_TABLE,
    )
    busiest = by_team.groupby("team")["n"].sum().nlargest(MAX_TEAMS).index
    n_teams = by_team["team"].nunique()
    week_note = (
        f"Viser de {MAX_TEAMS} teams med flest frister ud af {fmt.number(n_teams)}; "
        "vælg et center for at se dets teams."
        if n_teams > MAX_TEAMS
        else None
    )
    week_part = pivot_table(
        by_team[by_team["team"].isin(busiest)],
        weeks,
        "team",
        labels.team_label,
        [f"{fmt.week(w0)}\n{fmt.date(w0)[:-5]}" for w0, _ in weeks],
        center,
        WEEK_TABLE,
    )
    total = int(by_kind["n"].sum()) if not by_kind.empty else 0
    return html.Div(
        [
            ui.page_header(
                "Fristkalender",
                f"Åbne forpligtelser med frist fra {fmt.date(as_of)} og frem: "
                f"{fmt.number(total)} i alt. Klik på et tal for at se sagerne.",
            ),
            ui.center_pills(urls.CALENDAR, centers, center),
            html.H2("Pr. måned og type", className="h5"),
            month_part
            if not by_kind.empty
            else ui.empty_state("Ingen åbne frister de næste 6 måneder."),
            html.H2("Pr. uge og team (næste 8 uger)", className="h5 mt-4"),
            html.P(week_note, className="text-muted small") if week_note else None,
            week_part
            if not by_team.empty
            else ui.empty_state("Ingen åbne frister de næste 8 uger."),
        ]
    )
