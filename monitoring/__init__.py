"""Deadline monitoring: the rules engine, obligations and KPIs K1-K8 (pure pandas).

`evaluate(data, as_of)` -> obligations, KPI members and KPI results at one date;
`history` recomputes month-ends; `forecast` projects the next month-ends.
"""

from monitoring.engine import (
    MEMBER_COLUMNS,
    OBLIGATION_COLUMNS,
    RESULT_COLUMNS,
    Evaluation,
    Monitoring,
    due_soon,
    evaluate,
    evaluate_all,
    forecast,
    history,
    known_at,
    needed_to_reach,
)
from monitoring.rules import KPIS, Rules, RulesError, load_rules

__all__ = [
    "KPIS",
    "MEMBER_COLUMNS",
    "OBLIGATION_COLUMNS",
    "RESULT_COLUMNS",
    "Evaluation",
    "Monitoring",
    "Rules",
    "RulesError",
    "due_soon",
    "evaluate",
    "evaluate_all",
    "forecast",
    "history",
    "known_at",
    "load_rules",
    "needed_to_reach",
]
