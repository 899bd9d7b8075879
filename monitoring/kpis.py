"""KPIs K1-K8 (kpis.md): members from the obligations, results per unit, what is needed.

One obligations model feeds every KPI, list and calendar. `evaluate` builds the
obligations known at D (`monitoring.obligations`), derives each KPI's members
from them here, in one place (`kpi_members`: the list behind a card), and
aggregates the members to results per unit at each level (`kpi_results`:
numerator, denominator, value, target), so that a card's count is always its
list's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from monitoring.findings import (
    FINDING_COLUMNS,
    caseworker_findings,
    findings_frame,
    measure_findings,
)
from monitoring.inputs import CaseData, index_data, normalise
from monitoring.obligations import (
    OBLIGATION_COLUMNS,
    build_obligations,
    evaluation_context,
    stored_obligations,
)
from monitoring.rules import KPIS, Rules, load_rules
from vocab import ALL_CENTERS, Kind, Level, ResultKind, Status, TargetGroup

MEMBER_COLUMNS: list[str] = [
    "as_of",
    "kpi",
    "unit_id",
    "case_id",
    "center",
    "team",
    "caseworker_id",
    "met",
    "obligation_id",
]
RESULT_COLUMNS: list[str] = [
    "as_of",
    "kind",
    "kpi",
    "level",
    "center",
    "team",
    "caseworker_id",
    "numerator",
    "denominator",
    "value",
    "target",
    "needed",
]
# The case columns that identify a unit at each level (all: the whole administration).
LEVELS: dict[Level, list[str]] = {
    Level.ALL: [],
    Level.CENTER: ["center"],
    Level.TEAM: ["center", "team"],
    Level.CASEWORKER: ["center", "team", "caseworker_id"],
}


@dataclass
class Evaluation:
    """The monitoring at one date: obligations (one row per obligation), KPI members
    (one row per KPI member), KPI results (one row per KPI per unit) and data-quality
    findings (one row per finding kind and code: kind, code, count, ids)."""

    obligations: pd.DataFrame
    members: pd.DataFrame
    results: pd.DataFrame
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINDING_COLUMNS))


# ------------------------------------------------------------------ members
def _members(kpi: str, obligations: pd.DataFrame, met: pd.Series | np.ndarray) -> pd.DataFrame:
    """One member per obligation: the obligation's measure, investigation or application."""
    return pd.DataFrame(
        {
            "kpi": kpi,
            "kpi_index": KPIS.index(kpi),
            "unit_id": obligations["source_id"].to_numpy(dtype=object),
            "case_row": obligations["case_row"].to_numpy(dtype="int64"),
            "met": np.asarray(met, dtype=bool),
            "obligation_id": obligations["obligation_id"].to_numpy(dtype=object),
            "due_on": obligations["due_on"].to_numpy(dtype="datetime64[ns]"),
            "missed_obligations": (~np.asarray(met, dtype=bool)).astype("int64"),
        }
    )


def _case_members(
    kpi: str, obligations: pd.DataFrame, case_ids: np.ndarray, missed: np.ndarray | None = None
) -> pd.DataFrame:
    """One member per case of the obligations (K1, K3, K5): met when none of them is
    missed (default: overdue).

    The deciding obligation is the case's first by: overdue, most days overdue (or
    late), earliest due date; i.e. the most overdue one if missed, else the next due.
    """
    overdue = (obligations["status"] == Status.OVERDUE).to_numpy()
    if missed is not None:
        overdue = np.asarray(missed, dtype=bool)
    case_row = obligations["case_row"].to_numpy()
    order = np.lexsort(
        (
            obligations["due_on"].to_numpy(),
            -obligations["days_overdue"].to_numpy(),
            ~overdue,
            case_row,
        )
    )
    sorted_case_row = case_row[order]
    if len(order):
        first_of_case = np.r_[True, sorted_case_row[1:] != sorted_case_row[:-1]]
    else:
        first_of_case = np.zeros(0, dtype=bool)
    deciding = order[first_of_case]
    rows = case_row[deciding]
    return pd.DataFrame(
        {
            "kpi": kpi,
            "kpi_index": KPIS.index(kpi),
            "unit_id": case_ids[rows],
            "case_row": rows.astype("int64"),
            "met": ~overdue[deciding],
            "obligation_id": obligations["obligation_id"].to_numpy(dtype=object)[deciding],
            "due_on": obligations["due_on"].to_numpy(dtype="datetime64[ns]")[deciding],
            # a case with two overdue measures needs two completions (kpis.md, Forecast)
            "missed_obligations": np.bincount(case_row[overdue], minlength=len(case_ids))[rows]
            if len(rows)
            else np.zeros(0, dtype="int64"),
        }
    )


def kpi_members(
    obligations: Mapping[Kind, pd.DataFrame], case_data: CaseData, as_of_ts: pd.Timestamp
) -> pd.DataFrame:
    """Every KPI's members at D, from the obligations: one row per KPI member.

    Columns: kpi, kpi_index (its position in KPIS), unit_id, case_row, met,
    obligation_id (the obligation that decides it). Per kpis.md:

    - K1: per child case, its handleplans of measures active at D, due by D; met when
      every one has a plan that counts for it (one due on D and not made is a miss).
    - K2: per measure, its handleplan if the measure started in the KPI window and
      the plan is due by D; met when made by the due date.
    - K3 / K5: per child / adult case, the open follow-up cycles of its active measures.
    - K4a: per investigation open at D; met while not past its due date.
    - K4b: per investigation completed in the window; met when completed by the due date.
    - K6: per shelter stay past its grace period (due before D); met when a plan was
      offered or made (a declined offer too).
    - K7a: per application open at D; met while its due date is not before D.
    - K7b: per application decided in the window; met when decided by the due date.
    - K8: per application past its processing deadline; met when the letter was sent
      by the due date.
    """
    case_ids = case_data.case_ids
    handleplans = obligations[Kind.HANDLEPLAN]
    plan_due_by_d = (handleplans["due_on"] <= as_of_ts).to_numpy()
    k1 = handleplans[handleplans["measure_active"].to_numpy() & plan_due_by_d]
    k2 = handleplans[handleplans["started_in_window"].to_numpy() & plan_due_by_d]

    follow_ups = obligations[Kind.FOLLOW_UP]
    open_cycles = follow_ups[follow_ups["done_on"].isna().to_numpy()]
    target_group = case_data.target_group[open_cycles["case_row"].to_numpy()]

    investigations = obligations[Kind.INVESTIGATION]
    investigation_open = investigations["done_on"].isna().to_numpy()
    k4a, k4b = investigations[investigation_open], investigations[~investigation_open]

    shelter_plans = obligations[Kind.SHELTER_PLAN]
    k6 = shelter_plans[(shelter_plans["due_on"] < as_of_ts).to_numpy()]

    processing = obligations[Kind.PROCESSING]
    application_open = processing["done_on"].isna().to_numpy()
    k7a, k7b = processing[application_open], processing[~application_open]
    k8 = obligations[Kind.LETTER]

    return pd.concat(
        [
            # a plan due on D and not made by the end of D is a K1 miss (not yet overdue)
            _case_members("K1", k1, case_ids, k1["done_on"].isna().to_numpy()),
            _members("K2", k2, k2["status"] == Status.MET),
            _case_members("K3", open_cycles[target_group == TargetGroup.CHILD], case_ids),
            _members("K4a", k4a, k4a["status"] == Status.OPEN),
            _members("K4b", k4b, k4b["status"] == Status.MET),
            _case_members("K5", open_cycles[target_group == TargetGroup.ADULT], case_ids),
            _members("K6", k6, k6["done_on"].notna()),
            _members("K7a", k7a, k7a["status"] == Status.OPEN),
            _members("K7b", k7b, k7b["status"] == Status.MET),
            _members("K8", k8, k8["status"] == Status.MET),
        ],
        ignore_index=True,
    )


def stored_members(
    members: pd.DataFrame, case_data: CaseData, as_of_ts: pd.Timestamp
) -> pd.DataFrame:
    """The KPI members as stored: one row per KPI member, MEMBER_COLUMNS, with the
    case's unit; texts as strings."""
    case_row = members["case_row"].to_numpy()
    stored = pd.DataFrame(
        {
            "as_of": np.repeat(np.datetime64(as_of_ts, "ns"), len(members)),
            "kpi": members["kpi"].to_numpy(dtype=object),
            "unit_id": members["unit_id"].to_numpy(dtype=object),
            "case_id": case_data.case_ids[case_row],
            "center": case_data.center[case_row],
            "team": case_data.team[case_row],
            "caseworker_id": case_data.caseworker_id[case_row],
            "met": members["met"].to_numpy(dtype=bool),
            "obligation_id": members["obligation_id"].to_numpy(dtype=object),
        }
    )
    for column in MEMBER_COLUMNS:
        if column not in ("as_of", "met"):
            stored[column] = stored[column].astype("string")
    return stored


# ------------------------------------------------------------------ results
def unit_groups(case_data: CaseData, level: Level) -> tuple[np.ndarray, pd.DataFrame]:
    """The unit of each case at a level (an integer group), and the units' keys
    (center, team, caseworker_id; "" where the level has no such column), one row
    per unit, sorted. Computed once per indexed data."""
    if level not in case_data.unit_groups:
        n_cases = len(case_data.case_ids)
        columns = LEVELS[level]
        if not columns:
            group_of_case = np.zeros(n_cases, dtype="int64")
            keys = pd.DataFrame({"center": [ALL_CENTERS], "team": [""], "caseworker_id": [""]})
        else:
            unit_of_case = pd.DataFrame(
                {
                    "center": case_data.center,
                    "team": case_data.team,
                    "caseworker_id": case_data.caseworker_id,
                }
            )
            grouped = unit_of_case.groupby(columns, sort=True)
            keys = grouped.size().index.to_frame(index=False)
            for column in ("team", "caseworker_id"):
                if column not in keys.columns:
                    keys[column] = ""
            group_of_case = grouped.ngroup().to_numpy(dtype="int64")
        case_data.unit_groups[level] = (group_of_case, keys)
    return case_data.unit_groups[level]


def kpi_results(
    members: pd.DataFrame,
    case_data: CaseData,
    as_of: dt.date,
    rules: Rules,
    kind: ResultKind = ResultKind.SNAPSHOT,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPI results from the members (kpi_index, case_row, met): one row per KPI per unit
    at each of `levels` (default: every level of LEVELS), RESULT_COLUMNS.

    Numerator: members met; denominator: members; value: their share, NaN for 0/0
    (shown as "no cases"). Levels all and center have a row for every KPI (and every
    center); team and caseworker only where there are members. The target is the
    rule file's, with the center's override where it has one.
    """
    n_kpis = len(KPIS)
    kpi_index = members["kpi_index"].to_numpy(dtype="int64")
    case_row = members["case_row"].to_numpy()
    met = members["met"].to_numpy(dtype=bool).astype("float64")
    out: list[pd.DataFrame] = []
    for level in LEVELS:
        if levels is not None and level not in levels:
            continue
        group_of_case, keys = unit_groups(case_data, level)
        n_units = len(keys)
        kpi_and_unit = kpi_index * n_units + group_of_case[case_row]
        denominator = np.bincount(kpi_and_unit, minlength=n_kpis * n_units)
        numerator = np.bincount(kpi_and_unit, weights=met, minlength=n_kpis * n_units)
        if level in (Level.ALL, Level.CENTER):
            units = np.flatnonzero(keys["center"].to_numpy() != "")
            shown = (np.arange(n_kpis)[:, None] * n_units + units[None, :]).ravel()
        else:
            shown = np.flatnonzero(denominator)
        kpi_of_row, unit_of_row = np.divmod(shown, n_units)
        result = keys.iloc[unit_of_row].reset_index(drop=True)
        result.insert(0, "kpi", np.asarray(KPIS, dtype=object)[kpi_of_row])
        result["level"] = level.value
        result["numerator"] = numerator[shown].round().astype("int64")
        result["denominator"] = denominator[shown].astype("int64")
        if level == Level.ALL or not rules.center_targets:
            target_of_kpi = np.array([rules.target(kpi) for kpi in KPIS])
            result["target"] = target_of_kpi[kpi_of_row]
        else:
            result["target"] = [
                rules.target(kpi, center)
                for kpi, center in zip(result["kpi"], result["center"], strict=True)
            ]
        out.append(result)
    results = pd.concat(out, ignore_index=True)
    denominator = results["denominator"].to_numpy()
    results["value"] = np.where(
        denominator > 0, results["numerator"].to_numpy() / np.maximum(denominator, 1), np.nan
    )
    results["as_of"] = np.full(len(results), np.datetime64(pd.Timestamp(as_of), "ns"))
    results["kind"] = ResultKind(kind).value
    results["needed"] = pd.array([pd.NA] * len(results), dtype="Int64")
    for column in ("kpi", "level", "center", "team", "caseworker_id", "kind"):
        results[column] = results[column].astype("string")
    return results[RESULT_COLUMNS]


def needed_per_result(
    kpi: np.ndarray, numerator: np.ndarray, denominator: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """`needed_to_reach` for many results at once: one element per result."""
    numerator = numerator.astype(float)
    denominator = denominator.astype(float)
    target = target.astype(float)
    short = (denominator > 0) & (numerator < target * denominator - 1e-9)
    # every KPI but K4a and K7a: each completion turns a missed member into a met one
    turning_missed_into_met = np.ceil(target * denominator - numerator - 1e-9)
    # K4a, K7a: completing an overdue investigation / deciding an overdue application
    # takes it out of the denominator
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_target = np.where(target > 0, target, 1)
        leaving_the_denominator = np.where(
            target > 0, np.ceil(denominator - numerator / safe_target - 1e-9), 0
        )
    leaves = np.isin(kpi.astype(object), np.array(["K4a", "K7a"], dtype=object))
    needed = np.where(leaves, leaving_the_denominator, turning_missed_into_met)
    return np.where(short, np.maximum(needed, 0), 0).astype("int64")


def needed_to_reach(kpi: str, numerator: int, denominator: int, target: float) -> int:
    """How many obligations must be completed for the KPI to reach its target.

    Completing an ongoing investigation (deciding an open application) takes it out of
    K4a's (K7a's) denominator; every
    other KPI turns a missed unit into a met one (for a case-level KPI: at least one
    completion per case).
    """
    needed = needed_per_result(
        np.array([kpi], dtype=object),
        np.array([numerator]),
        np.array([denominator]),
        np.array([target], dtype=float),
    )
    return int(needed[0])


# ------------------------------------------------------------------ evaluation
def evaluate_case_data(
    case_data: CaseData,
    as_of: dt.date,
    rules: Rules,
    full: bool,
    levels: Sequence[str] | None = None,
    data: Mapping[str, pd.DataFrame] | None = None,
) -> Evaluation:
    """Obligations, members and findings (only when `full`) and results (at `levels`)
    as known at `as_of`. Not full: results only, the other frames empty. `data` (the
    input tables) adds the caseworker findings from its employees table."""
    as_of_ts = pd.Timestamp(as_of)
    context = evaluation_context(case_data, as_of_ts, rules, full)
    obligations = build_obligations(context)
    members = kpi_members(obligations, case_data, as_of_ts)
    results = kpi_results(members, case_data, as_of, rules, levels=levels)
    if not full:
        return Evaluation(
            pd.DataFrame(columns=OBLIGATION_COLUMNS), pd.DataFrame(columns=MEMBER_COLUMNS), results
        )
    measure_findings(context)
    if data is not None:
        caseworker_findings(data, context)
    return Evaluation(
        stored_obligations(obligations, case_data, as_of_ts),
        stored_members(members, case_data, as_of_ts),
        results,
        findings_frame(context.findings),
    )


def evaluate(
    data: Mapping[str, pd.DataFrame], as_of: dt.date, rules: Rules | None = None
) -> Evaluation:
    """Obligations, KPI members and KPI results (kind snapshot) as known at `as_of`."""
    rules = rules or load_rules()
    return evaluate_case_data(index_data(normalise(data)), as_of, rules, full=True, data=data)


def due_soon(obligations: pd.DataFrame, as_of: dt.date, rules: Rules) -> pd.Series:
    """Mask of open obligations due within the rules' due-soon window after `as_of`:
    one element per obligation."""
    until = pd.Timestamp(as_of) + pd.Timedelta(days=rules.due_soon_days)
    return (obligations["status"] == Status.OPEN) & (obligations["due_on"] <= until)
