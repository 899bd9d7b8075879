"""Temporary: the old query layer's names, re-exported from the concept modules.

temporary: removed once the pages import the concept modules (store.scope,
store.grid_filter, store.case_list, store.kpi_results, store.calendar,
store.complaints, store.data_quality; the current load's date is
store.runs.current_as_of).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from store.calendar import open_due_buckets, open_obligations_due, status_counts
from store.case_list import (
    LIST_COLUMNS,
    STATUS_ORDER,
    ListFilter,
    centers,
    employee_name,
    filter_options,
    list_count,
    list_export,
    list_rows,
)
from store.complaints import complaints_per_month, review_burndown, review_campaigns
from store.data_quality import Freshness, etl_runs, freshness, problem_rows, problems_by_rule
from store.grid_filter import BadFilter, DisallowedColumn, grid_filter_clauses, grid_order_by
from store.kpi_results import kpi_overview, kpi_trend, team_table
from store.runs import current_as_of
from store.scope import Scope


def latest_as_of(engine: Engine, scope: Scope) -> dt.date | None:
    """Temporary: the current load's extract date; use `store.runs.current_as_of(engine)`."""
    return current_as_of(engine)


__all__ = [
    "LIST_COLUMNS",
    "STATUS_ORDER",
    "BadFilter",
    "DisallowedColumn",
    "Freshness",
    "ListFilter",
    "Scope",
    "centers",
    "complaints_per_month",
    "employee_name",
    "etl_runs",
    "filter_options",
    "freshness",
    "grid_filter_clauses",
    "grid_order_by",
    "kpi_overview",
    "kpi_trend",
    "latest_as_of",
    "list_count",
    "list_export",
    "list_rows",
    "open_due_buckets",
    "open_obligations_due",
    "problem_rows",
    "problems_by_rule",
    "review_burndown",
    "review_campaigns",
    "status_counts",
    "team_table",
]
