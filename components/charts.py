"""What every chart shares: one colour per center, Plotly in Danish, percent axes.

- `center_colour`: the same colour for a center on every chart (Udvikling, the board,
  Klager), colour-blind-safe (Okabe-Ito) and at least 4.5:1 against white.
- `graph_config`: the mode bar and number/date formats in Danish (Plotly's own `da`
  locale has formats only; the mode-bar texts are translated here), a dated file name
  for the picture.
- `percent_axis`: a 0-100 % axis with "92 %" ticks (a space before %, as Danish writes
  it), always including the target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from components import format as fmt
from vocab import ALL_CENTERS

# Okabe-Ito, darkened where needed to >= 4.5:1 on white
CENTER_COLOURS: dict[str, str] = {
    "BFCK": "#0060A8",  # blue
    "HCK": "#B84A00",  # vermilion
    "SCK": "#007A5A",  # bluish green
    "RCK": "#8E3F7A",  # reddish purple
    ALL_CENTERS: "#333333",  # the whole administration
}
EXTRA_COLOURS = ("#6B5B00", "#00668C", "#9A3B00", "#5B4E9E")
SCENARIO_COLOUR = "#6C757D"  # "if nothing is done": grey
TARGET_COLOUR = "#146C43"

DANISH_LOCALE: dict[str, Any] = {
    "dictionary": {
        "Autoscale": "Tilpas akser",
        "Box Select": "Vælg område",
        "Click to enter Colorscale title": "Klik for at skrive titel",
        "Click to enter Plot title": "Klik for at skrive titel",
        "Click to enter X axis title": "Klik for at skrive x-aksens titel",
        "Click to enter Y axis title": "Klik for at skrive y-aksens titel",
        "Compare data on hover": "Sammenlign data ved hover",
        "Double-click on legend to isolate one trace": "Dobbeltklik på en forklaring for kun at vise den",
        "Double-click to zoom back out": "Dobbeltklik for at zoome ud igen",
        "Download plot as a png": "Hent figuren som billede",
        "Download plot": "Hent figuren",
        "Lasso Select": "Lasso",
        "Pan": "Panorer",
        "Produced with Plotly.js": "Lavet med Plotly.js",
        "Reset axes": "Nulstil akser",
        "Reset view": "Nulstil visning",
        "Show closest data on hover": "Vis nærmeste data ved hover",
        "Snapshot succeeded": "Billedet er hentet",
        "Sorry, there was a problem downloading your snapshot!": "Billedet kunne ikke hentes.",
        "Taking snapshot - this may take a few seconds": "Tager billede – det kan tage et øjeblik",
        "Toggle Spike Lines": "Hjælpelinjer til/fra",
        "Zoom": "Zoom",
        "Zoom in": "Zoom ind",
        "Zoom out": "Zoom ud",
    },
    "format": {
        "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
        "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
        "months": list(fmt.MONTHS),
        "shortMonths": list(fmt.MONTHS_SHORT),
        "date": "%d.%m.%Y",
        "decimal": ",",
        "thousands": ".",
    },
}
# a date in a hover: "30. nov. 2023"
HOVER_DATE = "%{x|%-d. %b %Y}"


def center_colour(center: str) -> str:
    """The center's colour, the same on every chart (an unknown center: a fixed pick)."""
    if center in CENTER_COLOURS:
        return CENTER_COLOURS[center]
    digest = int(hashlib.sha256(center.encode()).hexdigest(), 16)
    return EXTRA_COLOURS[digest % len(EXTRA_COLOURS)]


def graph_config(name: str) -> dict[str, Any]:
    """dcc.Graph's config: Danish mode bar and formats; the picture's file name."""
    return {
        "displaylogo": False,
        "locale": "da",
        "locales": {"da": DANISH_LOCALE},
        "toImageButtonOptions": {
            "format": "png",
            "filename": f"fristvagt-{name}-{dt.date.today().isoformat()}",
            "scale": 2,
        },
    }


def percent_axis(values: Iterable[float | None], targets: Iterable[float] = ()) -> dict[str, Any]:
    """A y-axis for shares 0-1 with "92 %" ticks, from 0 to a little above the larger of the
    data and the targets (the target is always in view)."""
    top = max([v for v in values if v is not None] + list(targets) + [0.0])
    upper = min(1.0, max(0.2, (int(top * 10) + 1) / 10))
    ticks = [
        round(i / 10, 1) for i in range(0, int(round(upper * 10)) + 1, 2 if upper > 0.5 else 1)
    ]
    return {
        "range": [0, upper + 0.06],
        "tickvals": ticks,
        "ticktext": [f"{round(t * 100)} %" for t in ticks],
        "gridcolor": "#e9ecef",
        "zeroline": False,
    }
