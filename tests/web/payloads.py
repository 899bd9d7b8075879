"""Dash callback requests as the browser's renderer posts them to /_dash-update-component
(for tests over HTTP and the load benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Prop = tuple[Any, str]  # (component id, property)


def callback(
    outputs: Sequence[Prop],
    inputs: Sequence[tuple[Any, str, Any]],
    state: Sequence[tuple[Any, str, Any]] = (),
) -> dict[str, Any]:
    """One callback request: its outputs, the inputs' values (the first one changed)."""
    outs = [{"id": i, "property": p} for i, p in outputs]
    name = (
        f"{outputs[0][0]}.{outputs[0][1]}"
        if len(outputs) == 1
        else ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
    )
    return {
        "output": name,
        "outputs": outs[0] if len(outs) == 1 else outs,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }


def grid(
    filters: dict[str, str], start: int = 0, end: int = 1000, sort: Any = None
) -> dict[str, Any]:
    """Sager's get_rows: one block of the list under `filters` (the page's URL filter)."""
    from pages import sager

    request = {"startRow": start, "endRow": end, "sortModel": sort or [], "filterModel": {}}
    return callback(
        [(sager.GRID, "getRowsResponse"), (sager.COUNT, "children"), (sager.LAST_REQUEST, "data")],
        [(sager.GRID, "getRowsRequest", request)],
        [(sager.FILTERS, "data", filters)],
    )


def shell(pathname: str, search: str = "") -> dict[str, Any]:
    """The shell's callback on each page change: the banner and the user menu."""
    import app as webapp
    from components import banner

    return callback(
        [(banner.BANNER, "children"), (webapp.USER_MENU, "children")],
        [(webapp.NAV_LOCATION, "pathname", pathname), (webapp.NAV_LOCATION, "search", search)],
    )


def trend(kpis: list[str], centers: list[str], period: str = "alle") -> dict[str, Any]:
    """Udvikling's charts for KPIs, centers and a period."""
    from pages import udvikling

    return callback(
        [(udvikling.CHARTS, "children")],
        [
            (udvikling.KPI_SELECT, "value", kpis),
            (udvikling.CENTER_SELECT, "value", centers),
            (udvikling.PERIOD_SELECT, "value", period),
        ],
    )


def page_layout(path: str, search: str = "") -> dict[str, Any]:
    """Dash Pages' router: the layout of the page at `path` (what opening it computes)."""
    return callback(
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", search)],
    )
