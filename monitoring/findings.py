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
    FINDING_IGNORED_NEXT_DUE,
    FINDING_NO_RULE,
    FINDING_OPEN_INVESTIGATION_CLOSED_CASE,
    FINDING_UNKNOWN_BENEFIT,
    FINDING_UNKNOWN_CASEWORKER,
    EvaluationContext,
)
from vocab import UNASSIGNED, Kind

FINDING_COLUMNS: list[str] = ["kind", "code", "count", "ids"]
# The input table (and its id column) of the records behind each kind of finding.
FINDING_RECORDS: dict[str, tuple[str, str]] = {
    FINDING_NO_RULE: ("measures", "measure_id"),
    FINDING_UNKNOWN_BENEFIT: ("applications", "application_id"),
    FINDING_IGNORED_NEXT_DUE: ("follow_ups", "follow_up_id"),
    FINDING_OPEN_INVESTIGATION_CLOSED_CASE: ("investigations", "investigation_id"),
    FINDING_UNKNOWN_CASEWORKER: ("cases", "case_id"),
}
RECORD_COLUMNS: list[str] = ["kind", "code", "record_id", "case_id"]


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


def finding_records(findings: pd.DataFrame, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per record behind a finding (the grain the store keeps): kind, code,
    record_id and the record's case_id (from `data`, the evaluated input tables; NA
    when the record is not there)."""
    if findings.empty:
        return pd.DataFrame({c: pd.Series([], dtype="string") for c in RECORD_COLUMNS})
    rows = findings[["kind", "code", "ids"]].explode("ids").rename(columns={"ids": "record_id"})
    rows = rows.dropna(subset=["record_id"]).astype({"record_id": str, "code": str})
    case_ids = pd.Series(pd.NA, index=rows.index, dtype="string")
    for kind, (table, id_column) in FINDING_RECORDS.items():
        frame = data.get(table)
        mine = (rows["kind"] == kind).to_numpy()
        if frame is None or not mine.any() or id_column not in frame.columns:
            continue
        lookup = pd.Series(
            frame["case_id"].astype("string").to_numpy(),
            index=frame[id_column].astype(str).to_numpy(),
        )
        lookup = lookup[~lookup.index.duplicated()]
        case_ids[mine] = rows.loc[mine, "record_id"].map(lookup).astype("string").to_numpy()
    out = rows.assign(case_id=case_ids).reset_index(drop=True)
    return out.astype({"kind": "string", "code": "string", "record_id": "string"})[RECORD_COLUMNS]
