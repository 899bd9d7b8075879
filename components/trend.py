"""The KPI trend chart (Udvikling, Direktion): month-end values per center against
the target, the current month marked as provisional, the scenario "hvis intet
gøres", and dated events (the rules' milestones, 1 Jan 2024 Barnets Lov, review
campaigns). Plain Plotly figure dicts, built from `store.kpi_results.kpi_trend` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from components import charts, labels
from components import format as fmt
from vocab import ALL_CENTERS, ResultKind

Event = tuple[dt.date, str]  # a dated event drawn on a trend: (day, Danish text)


def law_events() -> list[Event]:
    """The law switch of the rules: the day Barnets Lov replaced Serviceloven for children."""
    return [(labels.rules().law_switch, "Barnets Lov")]


def campaign_events(periods: pd.DataFrame) -> list[Event]:
    """A review campaign's start (periods: campaign, first, last): '<label> begynder'."""
    return [
        (pd.Timestamp(r["first"]).date(), f"{labels.campaign_label(r['campaign'])} begynder")
        for r in periods.to_dict("records")
        if r["first"] is not None and not pd.isna(r["first"])
    ]


def events_in(events: Sequence[Event], start: Any, end: Any) -> list[Event]:
    """The events dated within [start, end]."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    return sorted((d, t) for d, t in events if lo <= pd.Timestamp(d) <= hi)


def milestone_dates(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """Milestones to mark: the rules' yearly trend milestones in the period."""
    return [pd.Timestamp(d) for d in labels.trend_milestones(start.date(), end.date())]


def month_series(df: pd.DataFrame) -> pd.DataFrame:
    """One point per month: the newest non-forecast result of the month (recomputed wins a tie)."""
    hist = df[df["kind"] != ResultKind.FORECAST].copy()
    if hist.empty:
        return hist
    hist["month"] = hist["as_of"].dt.to_period("M")
    hist["rank"] = (hist["kind"] == ResultKind.RECOMPUTED).astype(int)
    hist = hist.sort_values(["as_of", "rank"])
    return hist.groupby(["kpi", "center", "month"], as_index=False).tail(1)


def _iso(values: Any) -> list[str]:
    return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def target_lines(df: pd.DataFrame, kpi: str) -> dict[float, list[str]]:
    """The targets to draw: target -> the centers it applies to (one line per distinct target).

    Only the centers drawn count (those where the KPI counts cases). A center's
    target is the one its newest result was computed against, else the rules'.
    """
    counted = df[df["denominator"] > 0]
    out: dict[float, list[str]] = {}
    for center in sorted(counted["center"].unique()) if not counted.empty else [ALL_CENTERS]:
        stored = counted[(counted["center"] == center) & counted["target"].notna()]
        stored = stored.sort_values("as_of")
        target = (
            float(stored["target"].iloc[-1]) if not stored.empty else labels.target(kpi, center)
        )
        out.setdefault(round(target, 6), []).append(center)
    return out


SCENARIO = "hvis intet gøres"  # the forecast's name: a scenario, drawn grey, off by default


def quarter_ticks(start: Any, end: Any) -> tuple[list[pd.Timestamp], list[str]]:
    """Ticks at quarter starts ("1. kvt. 2025"), or at year starts ("2025") for long spans."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    quarters = pd.date_range(start.to_period("Q").to_timestamp(), end, freq="QS")
    if len(quarters) > 12:
        years = pd.date_range(start.to_period("Y").to_timestamp(), end, freq="YS")
        return list(years), [str(y.year) for y in years]
    return list(quarters), [f"{q.quarter}. kvt. {q.year}" for q in quarters]


PROJECTION = "tendens"  # the trend-based projection's name in the legend
PROJECTION_BASIS = 6  # month-ends the projection's straight line is fitted to
PROJECTION_MONTHS = 3  # how far ahead it is drawn


def projection(months: pd.DataFrame) -> pd.DataFrame:
    """The trend-based projection of one center's month-end values: a straight line
    fitted (least squares) to the last PROJECTION_BASIS completed month-ends, drawn
    PROJECTION_MONTHS month-ends ahead of the last point, clipped to 0..1.

    months: as_of, value (oldest first; the last may be the provisional current
    month). One row per projected month-end (as_of, value), starting at the last
    point; empty with fewer than three month-ends to fit.
    """
    done = months[months["as_of"] == months["as_of"] + pd.offsets.MonthEnd(0)]
    basis = done.dropna(subset=["value"]).tail(PROJECTION_BASIS)
    if len(basis) < 3:
        return pd.DataFrame(columns=["as_of", "value"])
    x = basis["as_of"].dt.year * 12 + basis["as_of"].dt.month
    slope, intercept = np.polyfit(x.to_numpy(float), basis["value"].to_numpy(float), 1)
    last = months["as_of"].iloc[-1]
    ahead = [last + pd.offsets.MonthEnd(i) for i in range(1, PROJECTION_MONTHS + 1)]
    start = pd.Timestamp(basis["as_of"].iloc[-1])
    days = [start, *ahead]
    values = [float(np.clip(slope * (d.year * 12 + d.month) + intercept, 0.0, 1.0)) for d in days]
    return pd.DataFrame({"as_of": days, "value": values})


def x_range(data: Sequence[dict[str, Any]]) -> list[str] | None:
    """The dates drawn (all traces, the scenario included), a week's margin either side."""
    xs = [pd.Timestamp(x) for trace in data for x in trace.get("x", [])]
    if not xs:
        return None
    pad = pd.Timedelta(days=7)
    return [(min(xs) - pad).strftime("%Y-%m-%d"), (max(xs) + pad).strftime("%Y-%m-%d")]


def trend_table(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The chart as a table (its text alternative): one row per month, one column per
    center drawn, each cell 'value (numerator af denominator)', newest month first."""
    hist = month_series(df)
    hist = hist[hist.groupby("center")["denominator"].transform("max") > 0]
    if hist.empty:
        return [], []
    centers = sorted(hist["center"].unique())
    header = ["Måned", *(labels.center_short(c) for c in centers)]
    rows = []
    for month, g in sorted(hist.groupby("month"), key=lambda kv: kv[0], reverse=True):
        by_center = {r["center"]: r for r in g.to_dict("records")}
        cells = [fmt.month_short(month.to_timestamp())]
        for c in centers:
            r = by_center.get(c)
            cells.append(
                f"{fmt.percent(r['value'], r['denominator'])} "
                f"({fmt.number(r['numerator'])} af {fmt.number(r['denominator'])})"
                if r is not None and r["denominator"]
                else "–"
            )
        rows.append(cells)
    return header, rows


def marked_events(df: pd.DataFrame, events: Sequence[Event]) -> list[Event]:
    """What a trend chart marks, in date order: the rules' yearly milestones in its
    period and the given events. The chart numbers them 1, 2, ...; `event_caption`
    says what each number is."""
    marks: list[Event] = []
    if not df.empty:
        end = df["as_of"].max() + pd.Timedelta(days=62)
        marks = [(d.date(), "milepæl") for d in milestone_dates(df["as_of"].min(), end)]
    return sorted([*marks, *events], key=lambda e: pd.Timestamp(e[0]))


def event_caption(df: pd.DataFrame, events: Sequence[Event]) -> str:
    """'1: 31. dec. 2023 milepæl · 2: 1. jan. 2024 Barnets Lov' ('' for none)."""
    return " · ".join(
        f"{n}: {fmt.date(day)} {text}"
        for n, (day, text) in enumerate(marked_events(df, events), start=1)
    )


def trend_figure(
    df: pd.DataFrame, kpi: str, events: Sequence[Event] = (), height: int = 340
) -> dict[str, Any]:
    """The trend chart as a plain plotly figure dict (no validation cost per request).

    df: the KPI's `kpi_trend` rows; events: dated events to mark (with `events_in`
    already applied), beside the rules' yearly milestones."""
    data: list[dict[str, Any]] = []
    hist = month_series(df)
    for center, g in hist.groupby("center", sort=True):
        if not (g["denominator"] > 0).any():
            continue  # the KPI counts no cases in this center (e.g. a child KPI in RCK)
        colour = charts.center_colour(str(center))
        short = labels.center_short(center)
        g = g.sort_values("as_of")
        last = g["as_of"].iloc[-1]
        partial = last != last + pd.offsets.MonthEnd(0)  # the current month is not over
        text = [
            f"{fmt.percent(v, d)} ({fmt.number(n)} af {fmt.number(d)})"
            for v, n, d in zip(g["value"], g["numerator"], g["denominator"], strict=True)
        ]
        symbols = ["circle"] * len(g)
        if partial:
            text[-1] += " – foreløbig: måneden er ikke slut"
            symbols[-1] = "circle-open"
        data.append(
            {
                "type": "scatter",
                "x": _iso(g["as_of"]),
                "y": [None if pd.isna(v) else float(v) for v in g["value"]],
                "mode": "lines+markers",
                "name": short,
                "line": {"color": colour},
                "marker": {"symbol": symbols, "size": 7},
                "text": text,
                "hovertemplate": charts.HOVER_DATE + ": %{text}<extra>" + short + "</extra>",
            }
        )
        ahead = projection(g[["as_of", "value"]])
        if not ahead.empty:
            data.append(
                {
                    "type": "scatter",
                    "x": _iso(ahead["as_of"]),
                    "y": ahead["value"].tolist(),
                    "mode": "lines",
                    "name": f"{short} {PROJECTION}",
                    "line": {"color": colour, "dash": "dash", "width": 1.5},
                    "opacity": 0.8,
                    "customdata": [fmt.percent(v) for v in ahead["value"]],
                    "hovertemplate": "Fremskrevet efter de seneste "
                    + f"{PROJECTION_BASIS} måneders udvikling, "
                    + charts.HOVER_DATE
                    + ": %{customdata}<extra>"
                    + short
                    + "</extra>",
                }
            )
        fc = df[(df["kind"] == ResultKind.FORECAST) & (df["center"] == center)].sort_values("as_of")
        if not fc.empty:
            # a scenario, not a forecast of what will happen: grey, off until chosen
            data.append(
                {
                    "type": "scatter",
                    "x": _iso([g["as_of"].iloc[-1], *fc["as_of"]]),
                    "y": [float(g["value"].iloc[-1]), *(float(v) for v in fc["value"])],
                    "mode": "lines",
                    "name": f"{short} {SCENARIO}",
                    "line": {"color": charts.SCENARIO_COLOUR, "dash": "dot", "width": 1.5},
                    "visible": "legendonly",
                    "customdata": [fmt.percent(v) for v in [g["value"].iloc[-1], *fc["value"]]],
                    "hovertemplate": "Hvis intet gøres, "
                    + charts.HOVER_DATE
                    + ": %{customdata}<extra>"
                    + short
                    + "</extra>",
                }
            )
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    targets = target_lines(df, kpi)
    for target, centers in targets.items():
        named = (
            f" ({', '.join(labels.center_short(c) for c in centers)})" if len(targets) > 1 else ""
        )
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": target,
                "y1": target,
                "line": {"color": charts.TARGET_COLOUR, "dash": "dot"},
            }
        )
        notes.append(
            {
                "xref": "paper",
                "x": 1,
                "y": target,
                "yanchor": "top",
                "xanchor": "right",
                "text": f"Mål {fmt.percent(target)}{named}",
                "showarrow": False,
            }
        )
    for n, (day, text) in enumerate(marked_events(df, events), start=1):
        x = pd.Timestamp(day).strftime("%Y-%m-%d")
        shapes.append(
            {
                "type": "line",
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "x0": x,
                "x1": x,
                "line": {"color": "#6c757d", "dash": "dash", "width": 1},
            }
        )
        # a numbered tag on the chart; the caption under it (event_caption) says what
        notes.append(
            {
                "x": x,
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": str(n),
                "hovertext": fmt.chart_text(f"{fmt.date(day)}: {text}"),
                "showarrow": False,
                "bgcolor": "#ffffff",
                "bordercolor": "#6c757d",
                "borderpad": 1,
                "font": {"size": 10, "color": "#343a40"},
            }
        )
    ticks = quarter_ticks(df["as_of"].min(), df["as_of"].max()) if not df.empty else ([], [])
    # the y-axis fits what is drawn (history and projection; the scenario is off at first)
    shown = [
        float(y)
        for trace in data
        if trace.get("visible") != "legendonly"
        for y in trace["y"]
        if y is not None
    ]
    layout = {
        "title": {"text": f"{kpi} {labels.kpi_label(kpi)}"},
        "yaxis": charts.percent_axis(shown, targets),
        "xaxis": {
            "tickvals": _iso(ticks[0]),
            "ticktext": ticks[1],
            "gridcolor": "#e9ecef",
            # what is drawn, not the marks' texts (Plotly's autorange would fit those too)
            "range": x_range(data),
        },
        "separators": ",.",
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 60, "b": 40},
        "legend": {"orientation": "h", "y": -0.18},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "shapes": shapes,
        "annotations": notes,
    }
    return {"data": data, "layout": layout}
