"""Overblik (/): the center chief's morning view: a card per KPI per center, teams worst first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from components import cards, labels, ui, urls
from components import format as fmt
from components.cache import memoize_per_load
from store import case_list, kpi_results, runs
from vocab import UNASSIGNED, Level

dash.register_page(
    __name__, path=urls.OVERVIEW, name="Overblik", title="Fristvagt – Overblik", order=0
)

CARDS = "overblik-cards"
TEAMS = "overblik-teams"
CASEWORKERS = "overblik-caseworkers"
TEAM_ROWS = 25

# Results that only change with a load: computed once per load and scope (components.cache).
list_count = memoize_per_load(case_list.list_count)
kpi_overview = memoize_per_load(kpi_results.kpi_overview)
team_table = memoize_per_load(kpi_results.team_table)
caseworker_load = memoize_per_load(case_list.caseworker_load)


def _center_section(center: str, rows: pd.DataFrame) -> html.Section:
    """A center's KPI cards (one row per KPI result of the center).

    A card per KPI with cases; KPIs without (e.g. adult KPIs in a children's
    center) are named on one line under the cards instead of as empty cards.
    """
    rows = rows.sort_values("kpi", kind="stable")
    counted = rows[rows["denominator"] > 0]
    empty = rows[rows["denominator"] == 0]["kpi"].tolist()
    parts: list[Any] = [html.H2(labels.center_label(center), className="h5 mt-2")]
    if not counted.empty:
        parts.append(cards.card_grid(counted.to_dict("records")))
    if empty:
        names = ", ".join(f"{k} {labels.kpi_label(k)}" for k in empty)
        parts.append(
            html.P(f"Ingen sager tæller med i dag: {names}.", className="small text-muted no-cases")
        )
    return html.Section(parts, className="mb-2", id=f"center-{center}")


def team_rows(df: pd.DataFrame, limit: int = TEAM_ROWS) -> list[list[Any]]:
    """The team table's rows (one per team KPI result, worst first), numbers linking to the list."""
    out: list[list[Any]] = []
    for r in df.head(limit).to_dict("records"):
        den, num = int(r["denominator"]), int(r["numerator"])
        status = labels.attainment(r["value"], den, float(r["target"]))
        members = case_list.ListFilter(kpi=r["kpi"], center=r["center"], team=r["team"])
        out.append(
            [
                r["center"],
                labels.team_label(r["team"]),
                f"{r['kpi']} {labels.kpi_label(r['kpi'])}",
                dcc.Link(fmt.percent(r["value"], den), href=urls.list_href(members)),
                dcc.Link(f"{fmt.number(num)} af {fmt.number(den)}", href=urls.list_href(members)),
                dcc.Link(
                    fmt.number(den - num),
                    href=urls.list_href(members, result=case_list.MemberResult.NOT_MET),
                ),
                cards.status_badge(status),
            ]
        )
    return out


def unassigned_line(eng: Any, scope: Any, center: str | None) -> html.P | None:
    """Open obligations on cases without a caseworker ("ufordelt"), with the overdue ones:
    they count in their team's figures but nobody's list shows them."""
    base = case_list.ListFilter(center=center, caseworker=UNASSIGNED)
    overdue = replace(base, status=case_list.ListStatus.OVERDUE)
    n_open = list_count(eng, scope, replace(base, status=case_list.ListStatus.WORK))
    n_overdue = list_count(eng, scope, overdue)
    if not n_open:
        return None
    return html.P(
        [
            html.Strong("Ufordelte sager: "),
            dcc.Link(
                f"{fmt.number(n_open)} forpligtelser uden sagsbehandler forfalder inden for "
                "14 dage eller er overskredet",
                href=urls.list_href(replace(base, status=case_list.ListStatus.WORK)),
            ),
            ", heraf ",
            dcc.Link(f"{fmt.number(n_overdue)} overskredne", href=urls.list_href(overdue)),
            ".",
        ],
        className="mb-2",
    )


def caseworker_section(eng: Any, scope: Any, center: str) -> list[Any]:
    """The center's caseworkers (and the unassigned cases as their own row), most
    overdue first: overdue, due within 14 days, open cases; each number opens the list."""
    load = caseworker_load(eng, scope, center)
    if load.empty:
        return []
    rows = []
    for r in load.to_dict("records"):
        worker = str(r["caseworker_id"])
        base = case_list.ListFilter(center=center, caseworker=worker)
        rows.append(
            [
                labels.caseworker_label(worker, r["name"]),
                labels.team_label(r["team"]),
                dcc.Link(
                    fmt.number(r["overdue"]),
                    href=urls.list_href(base, status=case_list.ListStatus.OVERDUE),
                ),
                dcc.Link(
                    fmt.number(r["due_14"]),
                    href=urls.list_href(base, status=case_list.ListStatus.DUE_14),
                ),
                dcc.Link(
                    fmt.number(r["open_cases"]),
                    href=urls.list_href(base, status=case_list.ListStatus.WORK),
                ),
            ]
        )
    return [
        html.H2("Sagsbehandlere – flest overskredne først", className="h5 mt-3"),
        html.P(
            "Åbne forpligtelser pr. sagsbehandler. »Ufordelt« er sager uden sagsbehandler.",
            className="text-muted small",
        ),
        ui.simple_table(
            [
                "Sagsbehandler",
                "Team",
                "Overskredet nu",
                "Forfalder inden for 14 dage",
                "Sager med åbne frister",
            ],
            rows,
            numeric=(2, 3, 4),
        ),
    ]


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    results = kpi_overview(eng, scope, level=Level.CENTER)
    as_of = runs.current_as_of(eng)
    centers = sorted(results["center"].unique().tolist()) if not results.empty else []
    center = urls.parse_page(params, centers).center
    subtitle = (
        f"Status pr. {fmt.date_long(as_of)}. "
        f"Mål: {labels.target_text(results['kpi'].unique())} af sagerne overholder fristen. "
        "Klik på et tal for at se sagerne bag det."
        if as_of
        else None
    )
    if results.empty:
        return html.Div(
            [
                ui.page_header("Overblik"),
                ui.empty_state(
                    "Der er endnu ingen nøgletal.",
                    "Nøgletallene beregnes, når et udtræk er indlæst.",
                ),
            ]
        )
    shown = [center] if center else centers
    sections = [_center_section(c, results[results["center"] == c]) for c in shown]
    teams = team_table(eng, scope, center=center)
    teams = teams[teams["denominator"] > 0].copy()
    # ranked by the cases not met (a team with "0 af 6" is not worse than "400 af 600")
    teams["missed"] = teams["denominator"].astype(int) - teams["numerator"].astype(int)
    teams = teams[teams["missed"] > 0].sort_values(
        ["missed", "kpi", "team"], ascending=[False, True, True]
    )
    limit = len(teams) if center else TEAM_ROWS  # one center: every team
    team_part: list[Any] = [
        html.H2("Teams – flest ikke opfyldte først", className="h5 mt-3"),
        html.P(
            (
                f"Alle {fmt.number(len(teams))} team-nøgletal med sager, der ikke er opfyldt."
                if len(teams) <= limit
                else f"De {limit} team-nøgletal med flest sager, der ikke er opfyldt, ud af "
                f"{fmt.number(len(teams))}. Vælg et center for at se alle dets teams."
            ),
            className="text-muted small",
        ),
        unassigned_line(eng, scope, center),
    ]
    if teams.empty:
        team_part.append(ui.empty_state("Ingen team-tal endnu."))
    else:
        team_part.append(
            ui.simple_table(
                ["Center", "Team", "Nøgletal", "Værdi", "Opfyldt", "Ikke opfyldt", "Status"],
                team_rows(teams, limit),
                numeric=(3, 4, 5),
            )
        )
    return html.Div(
        [
            ui.page_header("Overblik", subtitle),
            ui.center_pills(urls.OVERVIEW, centers, center),
            html.Div(sections, id=CARDS),
            html.Div(team_part, id=TEAMS),
            html.Div(caseworker_section(eng, scope, center) if center else [], id=CASEWORKERS),
        ]
    )
