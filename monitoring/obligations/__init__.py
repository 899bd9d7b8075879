"""Obligations at a date D: which rule applies to a record, and what it requires.

An obligation is one thing that must be done by a due date: a handleplan for a
measure, a follow-up cycle, a shelter plan offer, completing an investigation,
deciding an application, a letter to the citizen (kpis.md). Each builder turns
the indexed input (`monitoring.inputs.CaseData`) into the obligations of one
kind known at D, one row per obligation: its due date, the date it was done (as
known at D), its status and the rule that made it due. Builders return
obligations only; the KPI members are derived from them in one place,
`monitoring.kpis.kpi_members`.

- `matching`: rule matching (`RuleTable`, `assign_rules`).
- `context`: the evaluation context at D, `ObligationRows` and the status at D.
- `plans`: handleplans (K1, K2) and shelter plans (K6).
- `follow_ups`: follow-up cycles (K3, K5).
- `deadlines`: investigations (K4a, K4b), processing deadlines (K7a, K7b) and letters (K8).

No per-row Python loops: loops run over rules or distinct codes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from monitoring.inputs import CaseData
from monitoring.obligations.context import (
    EvaluationContext,
    ObligationRows,
    evaluation_context,
    status_at,
)
from monitoring.obligations.deadlines import investigations, processing_and_letters
from monitoring.obligations.follow_ups import follow_up_cycles
from monitoring.obligations.matching import RuleTable, assign_rules
from monitoring.obligations.plans import handleplans, shelter_plans
from vocab import Kind

# The obligations as stored and listed: one row per obligation.
OBLIGATION_COLUMNS: list[str] = [
    "obligation_id",
    "as_of",
    "kind",
    "case_id",
    "source_id",
    "target_group",
    "center",
    "team",
    "caseworker_id",
    "cpr_masked",
    "due_on",
    "done_on",
    "status",
    "days_overdue",
    "rule_id",
    "law",
    "paragraph",
    "rule_text",
    "anchor_on",
    "anchor_label",
]
# What the builders put on each obligation; the rest comes from its case (and D).
FROM_THE_CASE = (
    "as_of",
    "case_id",
    "target_group",
    "center",
    "team",
    "caseworker_id",
    "cpr_masked",
)
FROM_THE_BUILDERS = [c for c in OBLIGATION_COLUMNS if c not in FROM_THE_CASE]
# Columns only the KPI members read (on the handleplans), never stored.
HELPER_COLUMNS = ("measure_active", "started_in_window")
_NOT_TEXT = frozenset({"as_of", "due_on", "done_on", "anchor_on", "days_overdue"})


def build_obligations(context: EvaluationContext) -> dict[Kind, pd.DataFrame]:
    """Every obligation known at D: one frame per kind, one row per obligation.

    Columns: case_row, source_id, due_on, done_on, obligation_id, kind, status,
    days_overdue; when the context is full also rule_id, law, paragraph, rule_text,
    anchor_on, anchor_label.
    Handleplans also carry the HELPER_COLUMNS (for K1 and K2).
    """
    processing, letters = processing_and_letters(context)
    return {
        Kind.HANDLEPLAN: handleplans(context),
        Kind.FOLLOW_UP: follow_up_cycles(context),
        Kind.SHELTER_PLAN: shelter_plans(context),
        Kind.INVESTIGATION: investigations(context),
        Kind.PROCESSING: processing,
        Kind.LETTER: letters,
    }


def stored_obligations(
    obligations: Mapping[Kind, pd.DataFrame], case_data: CaseData, as_of_ts: pd.Timestamp
) -> pd.DataFrame:
    """The obligations of a full context as stored: one row per obligation,
    OBLIGATION_COLUMNS, with the case's unit and masked CPR; texts as strings."""
    columns = ["case_row", *FROM_THE_BUILDERS]
    rows = pd.concat([frame[columns] for frame in obligations.values()], ignore_index=True)
    case_row = rows["case_row"].to_numpy()
    from_the_case = {
        "as_of": np.repeat(np.datetime64(as_of_ts, "ns"), len(rows)),
        "case_id": case_data.case_ids[case_row],
        "target_group": case_data.target_group[case_row],
        "center": case_data.center[case_row],
        "team": case_data.team[case_row],
        "caseworker_id": case_data.caseworker_id[case_row],
        "cpr_masked": case_data.cpr_masked[case_row],
    }
    stored = pd.DataFrame(
        {c: from_the_case[c] if c in from_the_case else rows[c] for c in OBLIGATION_COLUMNS}
    )
    stored["days_overdue"] = stored["days_overdue"].astype("int64")
    for column in OBLIGATION_COLUMNS:
        if column not in _NOT_TEXT:
            stored[column] = stored[column].astype("string")
    return stored


__all__ = [
    "OBLIGATION_COLUMNS",
    "HELPER_COLUMNS",
    "EvaluationContext",
    "ObligationRows",
    "RuleTable",
    "assign_rules",
    "build_obligations",
    "evaluation_context",
    "follow_up_cycles",
    "handleplans",
    "investigations",
    "processing_and_letters",
    "shelter_plans",
    "status_at",
    "stored_obligations",
]
