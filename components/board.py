"""The directorate's board (Direktion): the headline, small multiples of every KPI
per center, and all trend charts as one PDF for the political committee.

The headline and the charts read the same rows as Overblik and Udvikling
(`store.kpi_results`); the PDF draws `components.trend`'s month series and
marks with matplotlib (the server has no browser to render Plotly with).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from components import charts, labels, trend
from components import format as fmt
from components.cache import memoize_per_load
from store import complaints, kpi_results
from vocab import ALL_CENTERS, Level

SMALL_ROW_HEIGHT = 118  # px per KPI row of the small multiples

kpi_overview = memoize_per_load(kpi_results.kpi_overview)
kpi_trend = memoize_per_load(kpi_results.kpi_trend)
campaign_periods = memoize_per_load(complaints.campaign_periods)


def board_data(eng: Any, scope: Any) -> dict[str, Any]:
    """What the board and its PDF show, for a scope: the current results (per center and
    in total), the KPIs and columns, the month series and the marked events."""
    per_center = kpi_overview(eng, scope, level=Level.CENTER)
    whole = scope.is_everything
    total = kpi_overview(eng, scope, level=Level.ALL) if whole else per_center
    if not whole and not per_center.empty:
        # a scope that sees only some centers: their sum is its total
        sums = per_center.groupby("kpi", as_index=False)[["numerator", "denominator"]].sum()
        targets = per_center.groupby("kpi", as_index=False)["target"].max()
        total = sums.merge(targets, on="kpi")
        total["value"] = total["numerator"] / total["denominator"].where(total["denominator"] > 0)
        total["center"] = ALL_CENTERS
    kpis = sorted(per_center["kpi"].unique()) if not per_center.empty else []
    centers = board_centers(sorted(per_center["center"].unique()), whole) if kpis else []
    history = kpi_trend(eng, scope, kpis=kpis, centers=centers) if kpis else None
    months = trend.month_series(history) if history is not None else None
    events: list[Any] = []
    if months is not None and not months.empty:
        events = trend.events_in(
            [*trend.law_events(), *trend.campaign_events(campaign_periods(eng, scope))],
            months["as_of"].min(),
            months["as_of"].max(),
        )
    return {
        "per_center": per_center,
        "total": total,
        "whole": whole,
        "kpis": kpis,
        "centers": centers,
        "months": months,
        "events": events,
    }


def attained(results: pd.DataFrame) -> pd.DataFrame:
    """The results with cases, each with its attainment ('met', 'close', 'missed') and
    its gap to the target (target - value); one row per KPI (per center)."""
    out = results[results["denominator"].astype(int) > 0].copy()
    out["attainment"] = [
        labels.attainment(v, d, float(t))
        for v, d, t in zip(out["value"], out["denominator"], out["target"], strict=True)
    ]
    out["gap"] = out["target"].astype(float) - out["value"].astype(float)
    return out


def headline(total: pd.DataFrame, per_center: pd.DataFrame, whole: bool) -> str:
    """'6 af 10 nøgletal på mål i hele forvaltningen; længst fra: HCK K3, 54 %'.

    total: one row per KPI for the whole administration (level all) or, for a scope
    that sees only some centers, their sum; per_center: one row per KPI per center.
    """
    counted = attained(total)
    where = "i hele forvaltningen" if whole else "i dine centre"
    text = (
        f"{fmt.number(int((counted['attainment'] == 'met').sum()))} af "
        f"{fmt.number(len(counted))} nøgletal på mål {where}"
    )
    centers = attained(per_center)
    below = centers[centers["attainment"] != "met"]
    if not below.empty:
        worst = below.sort_values(["gap", "kpi", "center"], ascending=[False, True, True]).iloc[0]
        value = fmt.percent(worst["value"], worst["denominator"], float(worst["target"]))
        text += f"; længst fra: {worst['center']} {worst['kpi']}, {value}"
    return text


def small_multiples(
    months: pd.DataFrame, kpis: Sequence[str], centers: Sequence[str], events: Sequence[Any]
) -> dict[str, Any]:
    """One small chart per KPI (rows) and center (columns, the whole administration
    first): its month-end values against the target, the current month open, the
    marked events as dashed lines (numbered in the top row). A Plotly figure dict.

    months: `trend.month_series` rows (kpi, center, as_of, value, numerator,
    denominator, target)."""
    rows, cols = len(kpis), len(centers)
    gap_x, gap_y = 0.012, 0.035
    width = (1 - gap_x * (cols - 1)) / max(cols, 1)
    height = (1 - gap_y * (rows - 1)) / max(rows, 1)
    layout: dict[str, Any] = {
        "height": SMALL_ROW_HEIGHT * rows + 90,
        "margin": {"l": 150, "r": 10, "t": 60, "b": 30},
        "showlegend": False,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "separators": ",.",
        "shapes": [],
        "annotations": [],
    }
    data: list[dict[str, Any]] = []
    start = months["as_of"].min() if not months.empty else None
    end = months["as_of"].max() if not months.empty else None
    marks = trend.marked_events(months, events) if start is not None else []
    # each small chart's rows, split once (not filtered per chart)
    counted = months[months["denominator"] > 0].sort_values("as_of")
    cells = {(str(k), str(c)): g for (k, c), g in counted.groupby(["kpi", "center"], sort=False)}
    empty = counted.iloc[0:0]
    for i, kpi in enumerate(kpis):
        low = row_floor(counted[counted["kpi"] == kpi]["value"])
        for j, center in enumerate(centers):
            n = i * cols + j + 1
            suffix = "" if n == 1 else str(n)
            x0 = j * (width + gap_x)
            y1 = 1 - i * (height + gap_y)
            layout[f"xaxis{suffix}"] = {
                "domain": [x0, x0 + width],
                "anchor": f"y{suffix}",
                "showticklabels": i == rows - 1,
                "tickformat": "%Y",
                "dtick": "M12",
                "gridcolor": "#f1f3f5",
                "range": [start, end + pd.Timedelta(days=20)] if start is not None else None,
            }
            layout[f"yaxis{suffix}"] = {
                "domain": [y1 - height, y1],
                "anchor": f"x{suffix}",
                "range": [low, 1.03],
                "tickvals": [low, 0.95] if j == 0 else [],
                "ticktext": [f"{round(low * 100)} %", "95 %"] if j == 0 else [],
                "gridcolor": "#f1f3f5",
                "zeroline": False,
            }
            g = cells.get((kpi, center), empty)
            xref, yref = f"x{suffix}", f"y{suffix}"
            if g.empty:
                layout["annotations"].append(
                    {
                        "xref": "paper",
                        "yref": "paper",
                        "x": x0 + width / 2,
                        "y": y1 - height / 2,
                        "text": "ingen sager",
                        "showarrow": False,
                        "font": {"size": 10, "color": "#6c757d"},
                    }
                )
                continue
            target = float(g["target"].dropna().iloc[-1]) if g["target"].notna().any() else 0.95
            last = g.iloc[-1]
            partial = last["as_of"] != last["as_of"] + pd.offsets.MonthEnd(0)
            status = labels.attainment(last["value"], last["denominator"], target)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [d.strftime("%Y-%m-%d") for d in g["as_of"]],
                    "y": [float(v) for v in g["value"]],
                    "xaxis": xref,
                    "yaxis": yref,
                    "line": {"color": charts.center_colour(str(center)), "width": 1.6},
                    "name": f"{labels.center_short(center)} {kpi}",
                    "hovertemplate": charts.HOVER_DATE
                    + ": %{y:.0%}<extra>"
                    + f"{labels.center_short(center)} {kpi}</extra>",
                }
            )
            icon = labels.ATTAINMENT_TEXT[status][0]
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers+text",
                    "x": [last["as_of"].strftime("%Y-%m-%d")],
                    "y": [float(last["value"])],
                    "xaxis": xref,
                    "yaxis": yref,
                    "marker": {
                        "color": "white" if partial else charts.center_colour(str(center)),
                        "line": {"color": charts.center_colour(str(center)), "width": 1.5},
                        "size": 6,
                    },
                    "text": [f"{icon} {fmt.percent(last['value'], last['denominator'], target)}"],
                    "textposition": "middle left" if float(last["value"]) > 0.2 else "top left",
                    "textfont": {"size": 11},
                    "hoverinfo": "skip",
                }
            )
            layout["shapes"].append(
                {
                    "type": "line",
                    "xref": f"{xref} domain",
                    "yref": yref,
                    "x0": 0,
                    "x1": 1,
                    "y0": target,
                    "y1": target,
                    "line": {"color": charts.TARGET_COLOUR, "dash": "dot", "width": 1},
                }
            )
            for number, (day, _text) in enumerate(marks, start=1):
                x = pd.Timestamp(day).strftime("%Y-%m-%d")
                layout["shapes"].append(
                    {
                        "type": "line",
                        "xref": xref,
                        "yref": f"{yref} domain",
                        "x0": x,
                        "x1": x,
                        "y0": 0,
                        "y1": 1,
                        "line": {"color": "#adb5bd", "dash": "dash", "width": 1},
                    }
                )
                if i == 0:
                    layout["annotations"].append(
                        {
                            "xref": xref,
                            "yref": f"{yref} domain",
                            "x": x,
                            "y": 1.0,
                            "yanchor": "bottom",
                            "text": str(number),
                            "showarrow": False,
                            "font": {"size": 9, "color": "#343a40"},
                        }
                    )
        # the KPI's name at the left of its row
        layout["annotations"].append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": -0.005,
                "y": y1 - height / 2,
                "xanchor": "right",
                "text": f"<b>{kpi}</b><br>{_short(fmt.chart_text(labels.kpi_label(kpi)))}",
                "showarrow": False,
                "font": {"size": 10},
                "align": "right",
            }
        )
    for j, center in enumerate(centers):
        layout["annotations"].append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": j * (width + gap_x) + width / 2,
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 14,
                "text": f"<b>{fmt.chart_text(labels.center_short(center))}</b>",
                "showarrow": False,
                "font": {"size": 12, "color": charts.center_colour(str(center))},
            }
        )
    return {"data": data, "layout": layout}


def row_floor(values: pd.Series) -> float:
    """The bottom of a KPI row's y-axis: a tenth below its lowest value (the same for
    every center of the row, so they compare), at most 50 %."""
    known = values.dropna().astype(float)
    lowest = float(known.min()) if not known.empty else 0.5
    return max(0.0, min(0.5, math.floor(lowest * 10) / 10 - 0.1))


def _short(text: str, width: int = 18) -> str:
    """A KPI's name broken over lines of about `width` characters (row labels)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def trend_pdf(
    months: pd.DataFrame,
    kpis: Sequence[str],
    centers: Sequence[str],
    events: Sequence[Any],
    title: str,
    as_of: dt.date,
) -> bytes:
    """All trend charts as one PDF: a first page with the headline and the scorecard
    of the newest month, then one page per KPI (every center's month-end values
    against the target, the marked events numbered and named under the chart)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.ticker import FixedLocator, FuncFormatter

    buf = io.BytesIO()
    a4_landscape = (11.69, 8.27)
    with PdfPages(buf) as pdf:
        info = pdf.infodict()
        info["Title"] = f"Fristvagt – udvikling pr. {fmt.date(as_of)}"
        info["Author"] = "Fristvagt"
        fig = plt.figure(figsize=a4_landscape)
        fig.text(0.05, 0.92, "Fristvagt – målopfyldelse", fontsize=20, weight="bold")
        fig.text(0.05, 0.87, f"Status pr. {fmt.date_long(as_of)}", fontsize=12, color="#495057")
        fig.text(0.05, 0.81, title, fontsize=13, wrap=True)
        latest = months.sort_values("as_of").groupby(["kpi", "center"]).tail(1)
        cells, row_labels = [], []
        for center in centers:
            row = []
            for kpi in kpis:
                hit = latest[(latest["kpi"] == kpi) & (latest["center"] == center)]
                if hit.empty or not int(hit["denominator"].iloc[0]):
                    row.append("–")
                    continue
                r = hit.iloc[0]
                target = float(r["target"]) if pd.notna(r["target"]) else 0.95
                icon = {"met": "OK", "close": "tæt på", "missed": "under"}[
                    labels.attainment(r["value"], r["denominator"], target)
                ]
                row.append(f"{fmt.percent(r['value'], r['denominator'], target)}\n{icon}")
            cells.append(row)
            row_labels.append(labels.center_short(center))
        ax = fig.add_axes((0.17, 0.1, 0.8, 0.62))
        ax.axis("off")
        table = ax.table(
            cellText=cells, rowLabels=row_labels, colLabels=list(kpis), loc="upper center"
        )
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        table.scale(1, 2.4)
        fig.text(
            0.05,
            0.05,
            "Andel af sagerne, der overholder fristen, i den seneste måned (målet står på "
            "hver side). Kilde: Fristvagt, beregnet efter reglerne i kpis.md.",
            fontsize=8,
            color="#495057",
        )
        pdf.savefig(fig)
        plt.close(fig)
        for kpi in kpis:
            part = months[(months["kpi"] == kpi) & (months["denominator"] > 0)]
            fig, ax = plt.subplots(figsize=a4_landscape)
            fig.subplots_adjust(left=0.08, right=0.97, top=0.88, bottom=0.2)
            ax.set_title(f"{kpi} {labels.kpi_label(kpi)}", fontsize=15, loc="left")
            if part.empty:
                ax.text(0.5, 0.5, "Ingen sager", ha="center", transform=ax.transAxes)
                pdf.savefig(fig)
                plt.close(fig)
                continue
            for center in centers:
                g = part[part["center"] == center].sort_values("as_of")
                if g.empty:
                    continue
                ax.plot(
                    g["as_of"],
                    g["value"].astype(float),
                    marker="o",
                    markersize=3,
                    linewidth=1.8,
                    color=charts.center_colour(str(center)),
                    label=labels.center_short(center),
                )
            for target, named in trend.target_lines(part, kpi).items():
                ax.axhline(target, color=charts.TARGET_COLOUR, linestyle=":", linewidth=1.2)
                who = f" ({', '.join(named)})" if len(trend.target_lines(part, kpi)) > 1 else ""
                ax.annotate(
                    f"Mål {fmt.percent(target)}{who}",
                    xy=(1, target),
                    xycoords=("axes fraction", "data"),
                    ha="right",
                    va="bottom",
                    fontsize=9,
                    color=charts.TARGET_COLOUR,
                )
            marks = trend.marked_events(part, events)
            for number, (day, _text) in enumerate(marks, start=1):
                ax.axvline(pd.Timestamp(day), color="#adb5bd", linestyle="--", linewidth=0.8)
                ax.annotate(
                    str(number),
                    xy=(pd.Timestamp(day), 1.0),
                    xycoords=("data", "axes fraction"),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
            ticks, tick_labels = trend.quarter_ticks(part["as_of"].min(), part["as_of"].max())
            ax.xaxis.set_major_locator(FixedLocator([matplotlib.dates.date2num(t) for t in ticks]))
            ax.set_xticklabels(tick_labels, fontsize=8)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{round(v * 100)} %"))
            ax.set_ylim(0, 1.05)
            ax.grid(axis="y", color="#e9ecef")
            ax.legend(loc="lower left", fontsize=9, frameon=False, ncol=len(centers))
            caption = trend.event_caption(part, events)
            if caption:
                fig.text(0.08, 0.06, caption, fontsize=8, color="#495057", wrap=True)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def board_centers(centers: Sequence[str], whole: bool) -> list[str]:
    """The columns of the board: the whole administration first (for a scope that sees
    it), then the centers."""
    return [*([ALL_CENTERS] if whole else []), *centers]
