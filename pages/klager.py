"""Klager og gennemgange (/klager): complaints per month, share upheld; review burn-down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from components import charts, filters, labels, ui, urls
from components import format as fmt
from components.cache import memoize_per_load
from store import complaints, runs

dash.register_page(
    __name__,
    path=urls.COMPLAINTS,
    name="Klager og gennemgange",
    title="Fristvagt – Klager",
    order=5,
)

# Reads that only change with a load: once per load and scope (components.cache).
complaints_per_month = memoize_per_load(complaints.complaints_per_month)
complaint_rows = memoize_per_load(complaints.complaint_rows)
review_campaigns = memoize_per_load(complaints.review_campaigns)
review_burndown = memoize_per_load(complaints.review_burndown)

CAMPAIGN = "klager-campaign"
BURNDOWN = "klager-burndown"
MONTHS_BACK = 12
LIST_ROWS = 50
OUTCOMES = {
    "medhold": "Medhold",
    "delvist": "Delvist medhold",
    "afvist": "Afvist",
    "hjemvist": "Hjemvist",
}


PLAIN_LAYOUT: dict[str, Any] = {
    "separators": ",.",
    "plot_bgcolor": "white",
    "paper_bgcolor": "white",
    "legend": {"orientation": "h", "y": -0.2},
}


def complaints_figure(df: pd.DataFrame) -> dict[str, Any]:
    """Complaints per month stacked by type, as a plain plotly figure dict."""
    per = df.groupby(["month", "complaint_type"], as_index=False)["n"].sum()
    data = []
    for ctype, colour in (("realitet", "#0d6efd"), ("formalitet", "#fd7e14")):
        g = per[per["complaint_type"] == ctype]
        name = labels.COMPLAINT_TYPES[ctype]
        data.append(
            {
                "type": "bar",
                "x": [m.strftime("%Y-%m-%d") for m in g["month"]],
                "y": [int(n) for n in g["n"]],
                "name": name,
                "marker": {"color": colour},
                "hovertemplate": "%{x|%b %Y}: %{y} klager<extra>" + name + "</extra>",
            }
        )
    tickvals, ticktext = fmt.month_ticks(per["month"].min(), per["month"].max(), 12)
    layout = {
        **PLAIN_LAYOUT,
        "barmode": "stack",
        "height": 320,
        "margin": {"l": 40, "r": 20, "t": 40, "b": 40},
        "title": {"text": "Klager pr. måned"},
        "xaxis": {"tickvals": [t.strftime("%Y-%m-%d") for t in tickvals], "ticktext": ticktext},
        "yaxis": {"gridcolor": "#e9ecef"},
    }
    return {"data": data, "layout": layout}


def _count_link(count: int, base: dict[str, Any], **narrow: Any) -> dcc.Link:
    """A count opening the complaints behind it (the list further down the page)."""
    return dcc.Link(fmt.number(count), href=urls.complaints_href(**base, **narrow))


def month_table(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The complaints chart as a table: one row per month (newest first), by type."""
    per = df.groupby(["month", "complaint_type"])["n"].sum().unstack(fill_value=0)
    rows = []
    for month in sorted(per.index, reverse=True):
        real = int(per.loc[month].get("realitet", 0))
        formal = int(per.loc[month].get("formalitet", 0))
        rows.append(
            [
                fmt.month_short(month),
                fmt.number(real),
                fmt.number(formal),
                fmt.number(real + formal),
            ]
        )
    return ["Måned", "Realitet", "Formalitet", "I alt"], rows


def upheld_rows(
    df: pd.DataFrame, key: str, label: Any, center: str | None = None
) -> list[list[Any]]:
    """Count, by type, and share upheld (medhold or delvist medhold) per key (center or
    paragraph); every count opens the complaints behind it further down the page."""
    out = []
    g = df.groupby(key)
    for k, part in sorted(g, key=lambda kv: -int(kv[1]["n"].sum())):
        n = int(part["n"].sum())
        real = int(part[part["complaint_type"] == "realitet"]["n"].sum())
        upheld = int(part["upheld"].sum())
        base = {"center": str(k)} if key == "center" else {"center": center, "paragraph": str(k)}

        out.append(
            [
                label(k),
                _count_link(n, base),
                _count_link(real, base, complaint_type="realitet"),
                _count_link(n - real, base, complaint_type="formalitet"),
                _count_link(upheld, base, upheld=True),
                fmt.percent(upheld / n if n else None, n),
            ]
        )
    return out


def complaint_list(eng: Any, scope: Any, start: dt.date, link: urls.ComplaintsLink) -> list[Any]:
    """The complaints behind the chosen number (newest first), each case opening its page."""
    flt = complaints.ComplaintFilter(
        start=start,
        center=link.center,
        paragraph=link.paragraph,
        complaint_type=link.complaint_type,
        upheld=link.upheld,
    )
    n, rows = complaint_rows(eng, scope, flt, limit=LIST_ROWS)
    what = [
        link.center,
        labels.paragraph_label(link.paragraph) if link.paragraph else None,
        labels.COMPLAINT_TYPES.get(link.complaint_type or "", None),
        {True: "medhold", False: "uden medhold", None: None}[link.upheld],
    ]
    title = " – ".join(w for w in what if w) or "alle"
    body = [
        [
            fmt.date(r["received_on"]),
            dcc.Link(r["case_id"], href=urls.case_href(r["case_id"])),
            r["center"],
            labels.paragraph_label(r["paragraph"]) if r["paragraph"] else "Uden paragraf",
            labels.COMPLAINT_TYPES.get(r["complaint_type"], r["complaint_type"]),
            fmt.date(r["decided_on"]) or "Ikke afgjort",
            OUTCOMES.get(r["outcome"] or "", r["outcome"] or ""),
        ]
        for r in rows.to_dict("records")
    ]
    shown = "" if n <= LIST_ROWS else f" (de {LIST_ROWS} nyeste vises)"
    return [
        html.H2(f"Klagerne bag tallet: {title}", className="h5 mt-3"),
        html.P(
            f"{fmt.count_label(n, 'klage', 'klager')} modtaget fra {fmt.date(start)}{shown}. "
            "Klik på en sag for at se den.",
            className="text-muted small",
        ),
        ui.simple_table(
            ["Modtaget", "Sag", "Center", "Paragraf", "Type", "Afgjort", "Udfald"], body
        )
        if body
        else ui.empty_state("Ingen klager."),
    ]


def burndown_figure(
    df: pd.DataFrame, campaign: str, milestones: list[tuple[Any, int]]
) -> dict[str, Any]:
    """Remaining cases per date (step line) against the campaign's milestones."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": [d.strftime("%Y-%m-%d") for d in df["date"]],
            "y": [int(r) for r in df["remaining"]],
            "mode": "lines",
            "line": {"shape": "hv"},
            "name": "Tilbage",
            "hovertemplate": charts.HOVER_DATE + ": %{y} sager tilbage<extra></extra>",
        }
    ]
    if milestones:
        data.append(
            {
                "type": "scatter",
                "x": [pd.Timestamp(d).strftime("%Y-%m-%d") for d, _ in milestones],
                "y": [r for _, r in milestones],
                "mode": "markers+lines",
                "name": "Milepæle",
                "line": {"dash": "dot", "color": "#198754"},
                "marker": {"symbol": "diamond", "size": 10},
            }
        )
    layout = {
        **PLAIN_LAYOUT,
        "title": {"text": fmt.chart_text(labels.campaign_label(campaign))},
        "height": 340,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "yaxis": {
            "title": {"text": "Sager tilbage"},
            "rangemode": "tozero",
            "gridcolor": "#e9ecef",
        },
    }
    return {"data": data, "layout": layout}


def layout(**params: Any) -> html.Div:
    eng, scope = ui.engine(), ui.scope()
    as_of = runs.current_as_of(eng) or dt.date.today()
    start = (pd.Timestamp(as_of).to_period("M") - (MONTHS_BACK - 1)).to_timestamp().date()
    allc = complaints_per_month(eng, scope, start=start)
    centers = sorted(allc["center"].unique().tolist()) if not allc.empty else []
    link = urls.parse_complaints(params, centers)
    center = link.center
    df = allc[allc["center"] == center] if center else allc
    parts: list[Any] = [
        ui.page_header(
            "Klager og gennemgange",
            f"Klager modtaget fra {fmt.date(start)}; medhold tæller både fuldt og delvist medhold.",
        ),
        dbc.Alert(urls.not_understood_text(link.not_understood), color="warning", className="py-2")
        if link.not_understood
        else None,
        ui.center_pills(urls.COMPLAINTS, centers, center),
    ]
    if df.empty:
        parts.append(ui.empty_state("Ingen klager i perioden."))
    else:
        parts.append(
            dcc.Graph(
                figure=complaints_figure(df),
                config=charts.graph_config("klager"),
            )
        )
        parts.append(ui.chart_table("Vis klager pr. måned som tabel", *month_table(df)))
        head = ["", "Klager", "Realitet", "Formalitet", "Medhold", "Andel medhold"]
        parts.append(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Pr. center", className="h5"),
                            ui.simple_table(
                                ["Center", *head[1:]],
                                upheld_rows(df, "center", labels.center_label),
                                numeric=(1, 2, 3, 4, 5),
                            ),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            html.H2("Pr. paragraf", className="h5"),
                            ui.simple_table(
                                ["Paragraf", *head[1:]],
                                upheld_rows(df, "paragraph", labels.paragraph_label, center),
                                numeric=(1, 2, 3, 4, 5),
                            ),
                        ],
                        lg=6,
                    ),
                ]
            )
        )
    campaigns = review_campaigns(eng, scope)
    parts.append(html.H2("Gennemgange", className="h5 mt-3"))
    if not campaigns:
        parts.append(ui.empty_state("Ingen gennemgangskampagner i data."))
    else:
        parts.append(
            filters.filter_row(
                [
                    filters.filter_control(
                        CAMPAIGN,
                        "Kampagne",
                        filters.options((c, labels.campaign_label(c)) for c in campaigns),
                        campaigns[0],
                        width=6,
                        clearable=False,
                    )
                ]
            )
        )
        parts.append(html.Div(id=BURNDOWN))
    if not df.empty:
        parts.append(html.Div(complaint_list(eng, scope, start, link), id=urls.COMPLAINT_LIST))
    return html.Div(parts)


def milestones_in_period(
    milestones: list[tuple[Any, int]], start: Any, end: Any, slack_days: int = 366
) -> list[tuple[Any, int]]:
    """The milestones that belong with the campaign's data: dated within its period (a
    year either side); milestones of another era (2013 against 2026) are not drawn."""
    lo = pd.Timestamp(start) - pd.Timedelta(days=slack_days)
    hi = pd.Timestamp(end) + pd.Timedelta(days=slack_days)
    return [(d, n) for d, n in milestones if lo <= pd.Timestamp(d) <= hi]


@callback(Output(BURNDOWN, "children"), Input(CAMPAIGN, "value"))
def update_burndown(campaign: str | None) -> Any:
    """The chosen campaign's remaining cases against its milestones."""
    if not isinstance(campaign, str) or not campaign or len(campaign) > 200:
        return None
    df = review_burndown(ui.engine(), ui.scope(), campaign)
    if df.empty:
        return ui.empty_state("Ingen sager i kampagnen.")
    configured = labels.milestones(campaign)
    ms = milestones_in_period(configured, df["date"].min(), df["date"].max())
    remaining = int(df["remaining"].iloc[-1])
    note = f"{fmt.number(remaining)} af {fmt.number(int(df['remaining'].iloc[0]))} sager mangler at blive gennemgået."
    if not configured:
        note += " Kampagnen har ingen milepæle i reglerne."
    elif not ms:
        note += (
            " Kampagnens milepæle i reglerne ("
            + ", ".join(fmt.date(d) for d, _ in configured)
            + ") ligger uden for kampagnens data og vises ikke."
        )
    return html.Div(
        [
            html.P(note, className="mb-1"),
            dcc.Graph(
                figure=burndown_figure(df, campaign, ms),
                config=charts.graph_config("gennemgang"),
            ),
            ui.chart_table(
                "Vis gennemgangen som tabel",
                ["Dato", "Sager tilbage"],
                [
                    [fmt.date(d), fmt.number(int(r))]
                    for d, r in zip(df["date"], df["remaining"], strict=True)
                ][::-1],
            ),
        ]
    )
