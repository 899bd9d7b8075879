"""What needs doing now and what changed: "12 overskredet nu · 30 forfalder i denne
uge · siden i går: 3 nye overskredne, 8 udført · siden sidste uge: ...".

Counted from the current load's obligations alone: an obligation overdue now whose
due date is on or after a day was not overdue that day (it is still open, so it was
open then too); one done on or after a day was done since. Every number opens the
list behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from dash import dcc, html

from components import format as fmt
from components import urls
from components.cache import memoize_per_load
from store import case_list
from store.case_list import ListFilter, ListStatus

NEWS = "deadline-news"
list_count = memoize_per_load(case_list.list_count)


@dataclass(frozen=True)
class Since:
    """A day to compare with, and what the page calls it."""

    label: str
    day: dt.date


def comparisons(as_of: dt.date) -> tuple[Since, Since]:
    """Yesterday and a week ago, counted from the load's date."""
    return (
        Since("Siden i går", as_of - dt.timedelta(days=1)),
        Since("Siden sidste uge", as_of - dt.timedelta(days=7)),
    )


def week_end(as_of: dt.date) -> dt.date:
    """The Sunday of the load date's week (the day itself on a Sunday)."""
    return as_of + dt.timedelta(days=6 - as_of.weekday())


def news_filters(base: ListFilter, as_of: dt.date) -> dict[str, ListFilter]:
    """The lists behind the line: overdue now, open and due this week, and per
    comparison day the newly overdue and the done since (keys `new:<day>`, `done:<day>`)."""
    plain = replace(base, status=None, kpi=None, result=None, due_from=None, due_to=None)
    out = {
        "overdue": replace(plain, status=ListStatus.OVERDUE),
        "week": replace(plain, status=ListStatus.OPEN, due_from=as_of, due_to=week_end(as_of)),
    }
    for since in comparisons(as_of):
        out[f"new:{since.day}"] = replace(plain, status=ListStatus.OVERDUE, due_from=since.day)
        out[f"done:{since.day}"] = replace(plain, status=ListStatus.DONE, done_from=since.day)
    return out


def _link(n: int, text: str, flt: ListFilter, strong: bool = False, title: str = "") -> Any:
    label = f"{fmt.number(n)} {text}"
    return dcc.Link(
        html.Strong(label) if strong else label, href=urls.list_href(flt), title=title or None
    )


def deadline_news(eng: Any, scope: Any, base: ListFilter, as_of: dt.date | None) -> html.Div | None:
    """The line for a list's scope (center, team or caseworker of `base`); None without a load."""
    if as_of is None:
        return None
    lists = news_filters(base, as_of)
    count = {key: list_count(eng, scope, flt) for key, flt in lists.items()}
    parts: list[Any] = [
        _link(count["overdue"], "overskredet nu", lists["overdue"], strong=True),
        " · ",
        _link(
            count["week"],
            "forfalder i denne uge",
            lists["week"],
            title=f"Åbne frister til og med søndag {fmt.date(week_end(as_of))}",
        ),
    ]
    for since in comparisons(as_of):
        parts += [
            html.Span(" · ", className="mx-1"),
            html.Span(f"{since.label}: ", className="text-muted"),
            _link(
                count[f"new:{since.day}"],
                "nye overskredne" if count[f"new:{since.day}"] != 1 else "ny overskredet",
                lists[f"new:{since.day}"],
            ),
            ", ",
            _link(count[f"done:{since.day}"], "udført", lists[f"done:{since.day}"]),
        ]
    return html.Div(parts, id=NEWS, className="deadline-news mb-2", role="status")
