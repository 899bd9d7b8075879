"""The banner on every page: is the data shown complete, current, and the newest extract's?

One alert, computed from the store on each page view (`store.data_quality.load_status`:
a few small reads), with a line for each thing the user should know, most serious first:

- the newest extract was refused, failed or aborted: the pages show the last good load;
- the newest good load is older than STALE_HOURS (or there is none);
- the current load rejected rows or has warnings: "Data pr. 21. nov. 2026 – 1.234 rækker
  afvist, se Datakvalitet".

Each line links to Datakvalitet on the run it is about. Nothing to say: no banner.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

import settings
from components import format as fmt
from components import ui, urls
from store import data_quality
from store.data_quality import FailedRun, LoadStatus
from vocab import RUN_STATUS_LABELS, RunStatus, run_outcome_text

log = logging.getLogger(__name__)

BANNER = "shell-banner"  # the banner's place in the app layout, above every page

# What the first words say about an attempt that loaded nothing.
FAILED_HEADLINES: dict[str, str] = {
    RunStatus.REFUSED: "Det nyeste udtræk blev afvist",
    RunStatus.FAILED: "Indlæsningen af det nyeste udtræk fejlede",
    RunStatus.ABORTED: "Indlæsningen af det nyeste udtræk blev afbrudt",
}
# Alert colours by how serious the worst line is.
_COLOURS = ("danger", "warning", "info")


def _data_quality_link(run_id: int | None) -> dcc.Link:
    return dcc.Link("Datakvalitet", href=urls.data_quality_href(run_id=run_id))


def failed_line(failed: FailedRun, current: data_quality.Freshness) -> list[Any]:
    """The newest extract loaded nothing: why (in Danish), and which data the pages show."""
    headline = FAILED_HEADLINES.get(failed.status, "Det nyeste udtræk blev ikke indlæst")
    if failed.extract_date:
        headline = headline.replace("udtræk", f"udtræk (pr. {fmt.date(failed.extract_date)})", 1)
    reason = run_outcome_text(failed.outcome) or RUN_STATUS_LABELS.get(failed.status, "")
    if current.last_loaded_at is None:
        shown = "Der er ingen tidligere indlæsning, så siderne er tomme"
    else:
        shown = (
            "Siderne viser data fra seneste gode indlæsning: "
            + (f"data pr. {fmt.date(current.extract_date)}, " if current.extract_date else "")
            + f"indlæst {fmt.timestamp(current.last_loaded_at)}"
        )
    return [
        html.Strong(f"{headline}. "),
        f"{reason}. " if reason else "",
        f"{shown}; se ",
        _data_quality_link(failed.run_id),
        ".",
    ]


def no_data_line() -> list[Any]:
    """Nothing loaded yet: what the reader (an end user) can do about it."""
    return [
        html.Strong("Der er ingen data endnu. "),
        "Fagsystemets udtræk er ikke indlæst. Kontakt Fristvagts administrator: "
        "den natlige indlæsning skal sættes op eller køres (se driftsvejledningen).",
    ]


def stale_line(current: data_quality.Freshness, now: dt.datetime) -> list[Any]:
    """The newest good load is older than STALE_HOURS."""
    hours = current.age_hours(now) or 0
    return [
        html.Strong("Data er ikke opdateret. "),
        f"Seneste indlæsning: {fmt.timestamp(current.last_loaded_at)} "
        f"({fmt.number(hours)} timer siden). Tallene kan være forældede; se ",
        _data_quality_link(current.run_id),
        ".",
    ]


def rejected_line(status: LoadStatus) -> list[Any] | None:
    """The current load left rows out or warned: how many, and where to see them."""
    parts = []
    if status.rows_rejected:
        parts.append(fmt.count_label(status.rows_rejected, "række", "rækker") + " afvist")
    if status.warnings:
        parts.append(fmt.count_label(status.warnings, "advarsel", "advarsler"))
    if not parts:
        return None
    current = status.current
    data = (
        f"Data pr. {fmt.date(current.extract_date)}"
        if current.extract_date
        else f"Data indlæst {fmt.timestamp(current.last_loaded_at)}"
    )
    return [f"{data} – {' og '.join(parts)}, se ", _data_quality_link(current.run_id)]


def load_banner(status: LoadStatus, now: dt.datetime, stale_hours: float) -> dbc.Alert | None:
    """The banner for a load status at `now`, or None when all is well."""
    lines: list[tuple[int, list[Any]]] = []  # (severity: 0 danger, 1 warning, 2 info, line)
    current = status.current
    if status.failed is not None:
        lines.append((0, failed_line(status.failed, current)))
    if current.last_loaded_at is None:
        if status.failed is None:
            lines.append((1, no_data_line()))
    elif current.is_stale(now, stale_hours):
        lines.append((1, stale_line(current, now)))
    if status.failed is None and current.last_loaded_at is not None:
        rejected = rejected_line(status)
        if rejected:
            lines.append((2, rejected))
    if not lines:
        return None
    worst = min(level for level, _ in lines)
    return dbc.Alert(
        [html.Div(line, className="banner-line") for _, line in lines],
        color=_COLOURS[worst],
        className="load-banner py-2",
    )


def current_banner(now: dt.datetime | None = None) -> dbc.Alert | None:
    """The banner for the store of this process, read now (a store without schema or a
    database that does not answer counts as "no data", and is logged)."""
    try:
        status = data_quality.load_status(ui.engine(), ui.scope())
    except Exception:
        log.exception("could not read the load history")
        status = LoadStatus(data_quality.Freshness(None, None, None))
    return load_banner(status, now or dt.datetime.now(), float(settings.STALE_HOURS.get()))
