"""The labelled filter control the pages share: a label over a Danish dropdown, in a column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc

# Danish texts for dcc.Dropdown (its own defaults are English).
DROPDOWN_LABELS: dict[str, str] = {
    "select_all": "Vælg alle",
    "deselect_all": "Fravælg alle",
    "selected_count": "{num_selected} valgt",
    "search": "Søg",
    "clear_search": "Ryd søgning",
    "clear_selection": "Ryd valg",
    "no_options_found": "Ingen valgmuligheder",
}


def options(pairs: Iterable[tuple[Any, str]]) -> list[dict[str, Any]]:
    """Dropdown options from (value, label) pairs, in their order."""
    return [{"label": label, "value": value} for value, label in pairs]


def dropdown(component_id: str, options: Any, value: Any = None, **kw: Any) -> dcc.Dropdown:
    """A dcc.Dropdown with Danish texts."""
    return dcc.Dropdown(id=component_id, options=options, value=value, labels=DROPDOWN_LABELS, **kw)


def filter_control(
    component_id: str,
    label: str,
    options: Sequence[Any],
    value: Any = None,
    *,
    width: int = 3,
    **kw: Any,
) -> dbc.Col:
    """One filter: its label (tied to the control for screen readers) over a dropdown.

    width is the column's share of the row (of 12) from medium screens up; the
    other keywords go to the dropdown (placeholder, multi, clearable, ...).
    """
    return dbc.Col(
        [dbc.Label(label, html_for=component_id), dropdown(component_id, options, value, **kw)],
        md=width,
    )


def filter_row(controls: Sequence[dbc.Col], class_name: str = "g-2 mb-2") -> dbc.Row:
    """Filter controls side by side (stacked on narrow screens)."""
    return dbc.Row(list(controls), className=class_name)
