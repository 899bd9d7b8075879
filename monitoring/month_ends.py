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

import numpy as np
import pandas as pd

from monitoring.calendar import month_ends_after
from monitoring.inputs import CaseData, has_dates_after, index_data, known_at, normalise
from monitoring.kpis import (
    RESULT_COLUMNS,
    Evaluation,
    evaluate_case_data,
    kpi_members,
    kpi_results,
    needed_per_result,
    unit_groups,
)
from monitoring.obligations import build_obligations, evaluation_context
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
    `needed` (obligations to complete to reach the target; NA: "kan ikke nås", the
    target cannot be reached by that month-end, `needed_with_repairable`)."""
    out = []
    for month_end in month_ends_after(as_of, months):
        month_end_ts = pd.Timestamp(month_end)
        context = evaluation_context(case_data_known_at, month_end_ts, rules, full=False)
        members = kpi_members(build_obligations(context), case_data_known_at, month_end_ts)
        results = kpi_results(members, case_data_known_at, month_end, rules)
        results["kind"] = ResultKind.FORECAST.value
        results["needed"] = needed_with_repairable(
            results, members, case_data_known_at, as_of
        ).array
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
    evaluation = evaluate_case_data(case_data, as_of, rules, full=True, data=data)
    if has_dates_after(normalised, pd.Timestamp(as_of)):
        case_data_known_at = index_data(known_at(normalised, as_of))
    else:
        case_data_known_at = case_data
    forecast_results = forecast_from_index(case_data_known_at, as_of, rules, forecast_months)
    history_results = None
    if history_month_ends:
        history_results = history_from_index(case_data, history_month_ends, rules, history_levels)
    return Monitoring(evaluation, forecast_results, history_results)


# KPIs judged on an event (kpis.md, Forecast): a late plan, investigation, decision or
# letter is a final miss, so only obligations whose due date is still ahead can help.
EVENT_KPIS = frozenset({"K2", "K4b", "K7b", "K8"})
# KPIs where completing an overdue item takes it out of the denominator.
LEAVING_KPIS = frozenset({"K4a", "K7a"})


def needed_with_repairable(
    results: pd.DataFrame, members: pd.DataFrame, case_data: CaseData, extract_date: dt.date
) -> pd.Series:
    """`needed` per result (one element per result row): the fewest obligations that must
    still be completed to reach the target, counting only those that can still change
    the figure; NA when the target cannot be reached ("kan ikke nås").

    members: the raw KPI members at the month-end (kpi, case_row, met, due_on,
    missed_obligations). Status KPIs: every missed member can be repaired (at the cost of
    its missed obligations); event KPIs: only misses due after the extract date.
    """
    kpi = results["kpi"].to_numpy(dtype=object)
    needed = needed_per_result(
        kpi,
        results["numerator"].to_numpy(),
        results["denominator"].to_numpy(),
        results["target"].to_numpy(),
    ).astype("int64")
    out = pd.array(needed, dtype="Int64")
    turning = (needed > 0) & ~np.isin(kpi, list(LEAVING_KPIS))
    if not turning.any():
        return pd.Series(out, index=results.index)
    missed = members[~members["met"].to_numpy(dtype=bool)]
    event = missed["kpi"].isin(list(EVENT_KPIS)).to_numpy()
    ahead = (missed["due_on"] > pd.Timestamp(extract_date)).to_numpy()
    repairable = missed[~event | ahead]
    case_row = repairable["case_row"].to_numpy()
    for level in results["level"].unique():
        group_of_case, keys = unit_groups(case_data, level)
        rows = pd.DataFrame(
            {
                "kpi": repairable["kpi"].to_numpy(dtype=object),
                "unit": group_of_case[case_row],
                "cost": np.maximum(repairable["missed_obligations"].to_numpy(), 1),
            }
        ).sort_values(["kpi", "unit", "cost"])
        rows["cumulative"] = rows.groupby(["kpi", "unit"])["cost"].cumsum()
        rows["rank"] = rows.groupby(["kpi", "unit"]).cumcount() + 1
        cost_of = {
            (k, u, r): c
            for k, u, r, c in zip(
                rows["kpi"], rows["unit"], rows["rank"], rows["cumulative"], strict=True
            )
        }
        unit_index = {
            tuple(key): i
            for i, key in enumerate(
                keys[["center", "team", "caseworker_id"]].itertuples(index=False)
            )
        }
        at_level = np.flatnonzero((results["level"] == level).to_numpy() & turning)
        for position in at_level:
            row = results.iloc[position]
            unit = unit_index.get((row["center"], row["team"], row["caseworker_id"]))
            cost = cost_of.get((row["kpi"], unit, int(needed[position])))
            out[position] = pd.NA if cost is None else int(cost)
    return pd.Series(out, index=results.index)
