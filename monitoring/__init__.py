"""Deadline monitoring: the rules engine, obligations and KPIs K1-K8 (pure pandas).

`evaluate(data, as_of)` -> obligations, KPI members and KPI results at one date;
`history` recomputes month-ends; `forecast` projects the next month-ends;
`evaluate_all` computes all three from one indexing of the data.

Modules: `inputs` (schema, normalise, known-at, the index), `obligations` (rule
matching and the builders), `kpis` (members, results, needed), `month_ends`
(the history and the forecast), `background` (the history in a second process),
`rules` and `calendar`, `findings` (data-quality findings of an evaluation).
"""

from monitoring.inputs import known_at, normalise
from monitoring.kpis import (
    LEVELS,
    MEMBER_COLUMNS,
    RESULT_COLUMNS,
    Evaluation,
    due_soon,
    evaluate,
    needed_to_reach,
)
from monitoring.month_ends import Monitoring, evaluate_all, forecast, history
from monitoring.obligations import OBLIGATION_COLUMNS
from monitoring.rules import KPIS, LawRule, Rules, RulesError, load_rules

__all__ = [
    "KPIS",
    "LEVELS",
    "MEMBER_COLUMNS",
    "OBLIGATION_COLUMNS",
    "RESULT_COLUMNS",
    "Evaluation",
    "LawRule",
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
    "normalise",
]
