"""Overblik (/): the morning view.

All centers (the directorate): a scorecard of centers x KPIs with the whole
administration's total, what needs doing now and what changed, and the teams with
the most cases not met. One center (a center chief lands here): its KPIs as a row
with sparklines, the teams x KPIs matrix and the caseworkers, most overdue first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import cards, labels, news, scorecard, ui, urls
from components import format as fmt
from components.cache import memoize_per_load
from store import case_list, kpi_results, runs
from store.case_list import ListStatus
from vocab import ALL_CENTERS, UNASSIGNED, Level, ResultKind

dash.register_page(
    __name__, path=urls.OVERVIEW, name="Overblik", title="Fristvagt – Overblik", order=0
)

CARDS = "overblik-cards"
TEAMS = "overblik-teams"
CASEWORKERS = "overblik-caseworkers"
SCORECARD = "overblik-scorecard"
TEAM_MATRIX = "overblik-team-matrix"
TEAM_ROWS = 25
CASEWORKER_ROWS = 40  # a big center has hundreds: the most overdue first, a link to all

# Results that only change with a load: computed once per load and scope (components.cache).
list_count = memoize_per_load(case_list.list_count)
kpi_overview = memoize_per_load(kpi_results.kpi_overview)
team_table = memoize_per_load(kpi_results.team_table)
caseworker_load = memoize_per_load(case_list.caseworker_load)
kpi_trend = memoize_per_load(kpi_results.kpi_trend)


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
                dcc.Link(
                    fmt.percent(r["value"], den, float(r["target"])), href=urls.list_href(members)
                ),
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


def more_rows(shown: int, total: int, noun: str, center: str) -> html.P | None:
    """'De 40 med flest … af 600 vises. Vis alle 600 …' under a capped table."""
    if shown >= total:
        return None
    return html.P(
        [
            f"{fmt.number(shown)} af {fmt.number(total)} {noun} vises. ",
            dcc.Link(
                f"Vis alle {fmt.number(total)} {noun}",
                href=urls.page_href(urls.OVERVIEW, center, show_all=True),
            ),
        ],
        className="small",
    )


def caseworker_section(eng: Any, scope: Any, center: str, limit: int | None = None) -> list[Any]:
    """The center's caseworkers (and the unassigned cases as their own row), most
    overdue first: overdue, due within 14 days, open cases; each number opens the list.
    limit: the first rows only (a big center has hundreds), with a link to all."""
    load = caseworker_load(eng, scope, center)
    if load.empty:
        return []
    rows = []
    for r in load.head(limit).to_dict("records"):
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
        more_rows(len(rows), len(load), "sagsbehandlere", center),
    ]


def on_target_text(results: pd.DataFrame) -> str:
    """'6 af 10 nøgletal på mål' (KPIs without cases are not counted)."""
    counted = results[results["denominator"].astype(int) > 0]
    met = sum(
        labels.attainment(r["value"], r["denominator"], float(r["target"])) == "met"
        for r in counted.to_dict("records")
    )
    return f"{fmt.number(met)} af {fmt.number(len(counted))} nøgletal på mål"


def month_end_history(eng: Any, scope: Any, center: str, as_of: dt.date) -> pd.DataFrame:
    """A center's month-end values of the last year, then today's: one row per KPI per
    date (as_of, kpi, value), for the sparklines."""
    trend = kpi_trend(eng, scope, centers=[center], start=as_of - dt.timedelta(days=370))
    keep = trend["kind"].isin([ResultKind.RECOMPUTED, ResultKind.SNAPSHOT])
    trend = trend[keep & (trend["denominator"] > 0)]
    month_ends = trend[trend["kind"] == ResultKind.RECOMPUTED]
    today = trend[(trend["kind"] == ResultKind.SNAPSHOT) & (trend["as_of"] == pd.Timestamp(as_of))]
    month_ends = month_ends[month_ends["as_of"] < pd.Timestamp(as_of)]
    return pd.concat([month_ends, today], ignore_index=True)[["as_of", "kpi", "value"]]


def team_matrix(eng: Any, scope: Any, center: str, limit: int | None = None) -> list[Any]:
    """The center's teams x KPIs, the teams with the most cases not met first; each
    cell opens the team's cases behind the KPI. limit: the first teams only."""
    teams = team_table(eng, scope, center=center)
    teams = teams[teams["denominator"] > 0].copy()
    if teams.empty:
        return [ui.empty_state("Ingen team-tal endnu.")]
    teams["missed"] = teams["denominator"].astype(int) - teams["numerator"].astype(int)
    missed = teams.groupby("team")["missed"].sum().sort_values(ascending=False, kind="stable")
    ranked = sorted(missed.index, key=lambda t: (-int(missed[t]), str(t)))
    order = ranked[:limit] if limit else ranked
    rows = [(str(t), labels.team_label(t)) for t in order]
    extra = {}
    for t in order:
        overdue = case_list.ListFilter(center=center, team=str(t), status=ListStatus.OVERDUE)
        extra[str(t)] = [
            fmt.number(int(missed[t])),
            dcc.Link(fmt.number(list_count(eng, scope, overdue)), href=urls.list_href(overdue)),
        ]
    return [
        html.H2("Teams × nøgletal – flest ikke opfyldte først", className="h5 mt-3"),
        html.P(
            "Hver celle: andel opfyldt og antal sager. Klik på et tal for sagerne bag det.",
            className="text-muted small",
        ),
        scorecard.matrix(
            teams,
            rows,
            lambda team: case_list.ListFilter(center=center, team=team),
            "team",
            table_id=TEAM_MATRIX,
            extra=extra,
            extra_headers=["Ikke opfyldt i alt", "Overskredet nu"],
        ),
        more_rows(len(order), len(ranked), "teams", center),
    ]


def chief_screen(
    eng: Any, scope: Any, center: str, results: pd.DataFrame, as_of: dt.date, show_all: bool
) -> list[Any]:
    """One center on one screen: what needs doing, the KPIs with their trend, the teams
    x KPIs and the caseworkers."""
    mine = results[results["center"] == center]
    history = month_end_history(eng, scope, center, as_of)
    empty = mine[mine["denominator"].astype(int) == 0]["kpi"].tolist()
    return [
        news.deadline_news(eng, scope, case_list.ListFilter(center=center), as_of),
        html.H2(
            [
                labels.center_label(center),
                html.Small(" · " + on_target_text(mine), className="text-muted"),
            ],
            className="h5 mt-2",
        ),
        html.Div(
            [
                scorecard.strip(
                    mine[mine["denominator"].astype(int) > 0],
                    history,
                    lambda k: urls.list_href(kpi=k, center=center),
                ),
                html.P(
                    "Ingen sager tæller med i dag: "
                    + ", ".join(f"{k} {labels.kpi_label(k)}" for k in sorted(empty))
                    + ".",
                    className="small text-muted no-cases",
                )
                if empty
                else None,
            ],
            id=CARDS,
        ),
        html.Div(
            [
                *team_matrix(eng, scope, center, None if show_all else TEAM_ROWS),
                unassigned_line(eng, scope, center),
            ],
            id=TEAMS,
        ),
        html.Div(
            caseworker_section(eng, scope, center, None if show_all else CASEWORKER_ROWS),
            id=CASEWORKERS,
        ),
    ]


def all_centers(
    eng: Any, scope: Any, centers: list[str], results: pd.DataFrame, as_of: dt.date | None
) -> list[Any]:
    """Every center on one scorecard (centers x KPIs, the whole administration's
    total first), what needs doing, and the teams with the most cases not met."""
    rows = [(c, labels.center_label(c)) for c in centers]
    table = results
    if scope.is_everything:
        total = kpi_overview(eng, scope, level=Level.ALL)
        if not total.empty:
            table = pd.concat([total, results], ignore_index=True)
            rows = [(ALL_CENTERS, labels.center_label(ALL_CENTERS)), *rows]
    overdue = {
        key: [
            dcc.Link(
                fmt.number(list_count(eng, scope, flt)),
                href=urls.list_href(flt),
                title="Overskredne frister nu",
            )
        ]
        for key in [k for k, _ in rows]
        for flt in [
            case_list.ListFilter(
                center=None if key == ALL_CENTERS else key, status=ListStatus.OVERDUE
            )
        ]
    }
    return [
        news.deadline_news(eng, scope, case_list.ListFilter(), as_of),
        html.H2(
            [
                "Scorekort",
                html.Small(
                    " · " + on_target_text(table[table["center"] == rows[0][0]]),
                    className="text-muted",
                ),
            ],
            className="h5 mt-2",
        ),
        html.P(
            "Andel af sagerne, der overholder fristen, pr. center og nøgletal "
            "(✔ på mål, ▲ tæt på, ✖ under). Klik på et tal for sagerne bag det; "
            "vælg et center for dets teams og sagsbehandlere.",
            className="text-muted small",
        ),
        html.Div(
            scorecard.matrix(
                table,
                rows,
                lambda c: case_list.ListFilter(center=None if c == ALL_CENTERS else c),
                "center",
                table_id=SCORECARD,
                extra=overdue,
                extra_headers=["Overskredet nu"],
            ),
            id=CARDS,
        ),
        html.Div(team_section(eng, scope), id=TEAMS),
    ]


def team_section(eng: Any, scope: Any) -> list[Any]:
    """The team KPIs with the most cases not met, across the centers."""
    teams = team_table(eng, scope, center=None)
    teams = teams[teams["denominator"] > 0].copy()
    # ranked by the cases not met (a team with "0 af 6" is not worse than "400 af 600")
    teams["missed"] = teams["denominator"].astype(int) - teams["numerator"].astype(int)
    teams = teams[teams["missed"] > 0].sort_values(
        ["missed", "kpi", "team"], ascending=[False, True, True]
    )
    part: list[Any] = [
        html.H2("Teams – flest ikke opfyldte først", className="h5 mt-3"),
        html.P(
            (
                f"Alle {fmt.number(len(teams))} team-nøgletal med sager, der ikke er opfyldt."
                if len(teams) <= TEAM_ROWS
                else f"De {TEAM_ROWS} team-nøgletal med flest sager, der ikke er opfyldt, ud af "
                f"{fmt.number(len(teams))}. Vælg et center for at se alle dets teams."
            ),
            className="text-muted small",
        ),
        unassigned_line(eng, scope, None),
    ]
    if teams.empty:
        part.append(ui.empty_state("Ingen team-tal endnu."))
    else:
        part.append(
            ui.simple_table(
                ["Center", "Team", "Nøgletal", "Værdi", "Opfyldt", "Ikke opfyldt", "Status"],
                team_rows(teams, TEAM_ROWS),
                numeric=(3, 4, 5),
            )
        )
    return part


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    results = kpi_overview(eng, scope, level=Level.CENTER)
    as_of = runs.current_as_of(eng)
    centers = sorted(results["center"].unique().tolist()) if not results.empty else []
    show_all = params.pop(urls.SHOW_ALL, None) == "alle"
    link = urls.parse_page(params, centers)
    center = link.center
    if center is None and len(centers) == 1:
        center = centers[0]  # a center chief's (or team's) own center: its one screen
    subtitle = (
        f"Status pr. {fmt.date_long(as_of)}. "
        f"Mål: {labels.target_text(results['kpi'].unique())} af sagerne overholder fristen. "
        "Klik på et tal for at se sagerne bag det."
        if as_of
        else None
    )
    if results.empty or as_of is None:
        return html.Div(
            [
                ui.page_header("Overblik"),
                ui.empty_state(
                    "Der er endnu ingen nøgletal.",
                    "Nøgletallene beregnes, når et udtræk er indlæst.",
                ),
            ]
        )
    body = (
        chief_screen(eng, scope, center, results, as_of, show_all)
        if center
        else all_centers(eng, scope, centers, results, as_of)
    )
    not_understood = urls.not_understood_text(link.not_understood)
    return html.Div(
        [
            ui.page_header("Overblik", subtitle),
            dbc.Alert(not_understood, color="warning", className="py-2")
            if not_understood
            else None,
            ui.center_pills(urls.OVERVIEW, centers, center) if len(centers) > 1 else None,
            *body,
        ]
    )
