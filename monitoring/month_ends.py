"""The KPIs over time: the month-end history and the forecast (kpis.md, Forecast).

History: the KPI results at past month-ends, recomputed from the current data as
known at each month-end. Forecast: the KPI results at the next month-ends "if
nothing more is done": the data as known at D, evaluated at each future
month-end, so that the deadlines already known fall due; `needed` says how many
obligations must still be completed to reach the target. Both are one row per
KPI per unit per month-end. `evaluate_all` computes everything a load stores
from one indexing of the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from monitoring.calendar import month_ends_after
from monitoring.inputs import CaseData, has_dates_after, index_data, known_at, normalise
from monitoring.kpis import RESULT_COLUMNS, Evaluation, evaluate_case_data, needed_per_result
from monitoring.rules import Rules, load_rules
from vocab import ResultKind


def history_from_index(
    case_data: CaseData,
    month_ends: list[dt.date],
    rules: Rules,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPI results (kind recomputed) at each month-end, from data indexed once: one row
    per KPI per unit per month-end, at `levels` (default all levels)."""
    out = []
    for month_end in month_ends:
        results = evaluate_case_data(case_data, month_end, rules, full=False, levels=levels).results
        results["kind"] = ResultKind.RECOMPUTED.value
        out.append(results)
    if not out:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(out, ignore_index=True)


def history(
    data: Mapping[str, pd.DataFrame],
    month_ends: list[dt.date],
    rules: Rules | None = None,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPI results (kind recomputed) at each of the month-ends, at `levels` (default
    all levels): one row per KPI per unit per month-end."""
    return history_from_index(
        index_data(normalise(data)), month_ends, rules or load_rules(), levels
    )


def forecast_from_index(
    case_data_known_at: CaseData, as_of: dt.date, rules: Rules, months: int
) -> pd.DataFrame:
    """KPI results (kind forecast) at the `months` month-ends after `as_of`, from the
    data as known at `as_of`, indexed: one row per KPI per unit per month-end, with
    `needed` (obligations to complete to reach the target)."""
    out = []
    for month_end in month_ends_after(as_of, months):
        results = evaluate_case_data(case_data_known_at, month_end, rules, full=False).results
        results["kind"] = ResultKind.FORECAST.value
        needed = needed_per_result(
            results["kpi"].to_numpy(dtype=object),
            results["numerator"].to_numpy(),
            results["denominator"].to_numpy(),
            results["target"].to_numpy(),
        )
        results["needed"] = pd.array(needed, dtype="Int64")
        out.append(results)
    return pd.concat(out, ignore_index=True)


def forecast(
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    rules: Rules | None = None,
    months: int = 3,
) -> pd.DataFrame:
    """KPI results (kind forecast) at the next month-ends if nothing more is done.

    Uses the data as known at `as_of` evaluated at each future month-end, so the
    deadlines already known fall due; `needed` = completions to reach the target.
    One row per KPI per unit per month-end.
    """
    return forecast_from_index(
        index_data(known_at(data, as_of)), as_of, rules or load_rules(), months
    )


@dataclass
class Monitoring:
    """Everything the nightly refresh stores, computed from one indexing of the data."""

    evaluation: Evaluation
    forecast: pd.DataFrame
    history: pd.DataFrame | None


def evaluate_all(
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    rules: Rules | None = None,
    forecast_months: int = 3,
    history_month_ends: list[dt.date] | None = None,
    history_levels: Sequence[str] | None = None,
) -> Monitoring:
    """evaluate + forecast (+ history at the given month-ends and levels, default all),
    indexing the data once (twice when it holds dates after `as_of`, which the
    forecast must not know)."""
    rules = rules or load_rules()
    normalised = normalise(data)
    case_data = index_data(normalised)
    evaluation = evaluate_case_data(case_data, as_of, rules, full=True)
    if has_dates_after(normalised, pd.Timestamp(as_of)):
        case_data_known_at = index_data(known_at(normalised, as_of))
    else:
        case_data_known_at = case_data
    forecast_results = forecast_from_index(case_data_known_at, as_of, rules, forecast_months)
    history_results = None
    if history_month_ends:
        history_results = history_from_index(case_data, history_month_ends, rules, history_levels)
    return Monitoring(evaluation, forecast_results, history_results)
