"""Data-quality findings (kpis.md: nothing is silently dropped): measures that match no
rule, unknown benefit codes, ignored `naeste_frist` dates, open investigations on a case
closed before D, unknown or inactive caseworkers.

`findings_frame` gives one row per finding kind and code: kind, code, count, ids (the
rows behind it, for the drill-down). The builders record findings on the evaluation
context while they build the obligations; `measure_findings` and `caseworker_findings`
add those that need the whole picture.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from monitoring.obligations.context import (
    FINDING_NO_RULE,
    FINDING_UNKNOWN_CASEWORKER,
    EvaluationContext,
)
from vocab import UNASSIGNED, Kind

FINDING_COLUMNS: list[str] = ["kind", "code", "count", "ids"]


def measure_findings(context: EvaluationContext) -> None:
    """Record each measure active at D that matches no rule of any kind of its target
    group ("foranstaltning uden fristregel", code = its paragraph code)."""
    measures = context.measures
    active = measures["active"].to_numpy()
    matched = np.zeros(len(measures), dtype=bool)
    for kind in (Kind.HANDLEPLAN, Kind.FOLLOW_UP, Kind.SHELTER_PLAN):
        matched |= context.measure_rules(kind) >= 0
    # a disabled rule (e.g. BL § 32 handleplan) is a decision, not a gap: the follow-up
    # rule still matches such a measure, so it is not a finding
    unmatched = active & ~matched
    codes = measures["paragraph"].fillna("(ingen)").to_numpy(dtype=object)[unmatched]
    context.add_findings(
        FINDING_NO_RULE, codes, measures["measure_id"].to_numpy(dtype=object)[unmatched]
    )


def caseworker_findings(data: Mapping[str, pd.DataFrame], context: EvaluationContext) -> None:
    """Record each case active at D whose caseworker is not in the employees table or is
    inactive there (`active` false), when the data carries employees (code = the
    caseworker id). A case without a caseworker is unassigned, not a finding."""
    employees = data.get("employees")
    if employees is None or "employee_id" not in employees.columns:
        return
    case_data = context.case_data
    known_ids = employees["employee_id"].astype("string")
    if "active" in employees.columns:
        active = employees["active"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    else:
        active = np.ones(len(employees), dtype=bool)
    active_ids = set(known_ids[active].dropna().tolist())
    caseworker = case_data.caseworker_id
    given = (caseworker != UNASSIGNED) & context.case_active
    bad = given & ~np.isin(caseworker.astype(object), np.array(sorted(active_ids), dtype=object))
    context.add_findings(FINDING_UNKNOWN_CASEWORKER, caseworker[bad], case_data.case_ids[bad])


def findings_frame(findings: list[pd.DataFrame]) -> pd.DataFrame:
    """The findings recorded, one row per kind and code: count and the ids behind it
    (sorted), ordered by kind and code."""
    if not findings:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    rows = pd.concat(findings, ignore_index=True).drop_duplicates()
    rows["code"] = rows["code"].astype(str)
    grouped = rows.groupby(["kind", "code"], sort=True)["id"]
    out = grouped.agg(lambda ids: sorted(str(i) for i in ids)).reset_index(name="ids")
    out["count"] = out["ids"].map(len).astype("int64")
    return out[FINDING_COLUMNS]
