"""Deadlines counted from a record's own start: completing an investigation (K4a, K4b),
deciding an application (K7a, K7b) and the letter to the citizen when that deadline passes
(K8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.calendar import add_deadline, add_months
from monitoring.obligations.context import (
    ANCHOR_INVESTIGATION,
    ANCHOR_RECEIVED,
    FINDING_OPEN_INVESTIGATION_CLOSED_CASE,
    FINDING_UNKNOWN_BENEFIT,
    EvaluationContext,
    ObligationRows,
)
from monitoring.obligations.matching import assign_rules
from monitoring.rules import Rules
from vocab import Kind, Status


def investigations(context: EvaluationContext) -> pd.DataFrame:
    """Investigation obligations: one row per investigation of a known case that
    started on or before D and is open at D or was completed in the KPI window.

    Due: the rule's months after the start (`startdato`); the rule follows the start
    date. Done: the completion, as known at D.
    """
    rule_table, as_of_ts = context.rule_table, context.as_of_ts
    table = context.case_data.investigations
    exists = (table["start_on"] <= as_of_ts).to_numpy()
    table = table[exists]  # exists from its own start, even before its case (kpis.md)
    completed = table["completed_on"].where(table["completed_on"] <= as_of_ts)
    keep = (completed.isna() | (completed > context.window_start)).to_numpy()
    # still open on a case closed before D: a data error, left out and a finding
    closed_on = context.case_data.closed_on[table["case_row"].to_numpy()]
    on_closed_case = completed.isna().to_numpy() & (closed_on < np.datetime64(as_of_ts, "ns"))
    context.add_findings(
        FINDING_OPEN_INVESTIGATION_CLOSED_CASE,
        context.case_data.case_ids[table["case_row"].to_numpy()[on_closed_case]],
        table["investigation_id"].to_numpy(dtype=object)[on_closed_case],
    )
    keep = keep & ~on_closed_case
    table = table[keep].reset_index(drop=True)
    completed = completed[keep].reset_index(drop=True)
    target_groups = context.case_data.target_group[table["case_row"].to_numpy()]
    rule_index = assign_rules(
        None, None, target_groups, table["start_on"], context.rules, Kind.INVESTIGATION
    )
    has_rule = rule_index >= 0
    table = table[has_rule].reset_index(drop=True)
    completed = completed[has_rule].reset_index(drop=True)
    rule_index = rule_index[has_rule]
    return ObligationRows(
        kind=Kind.INVESTIGATION,
        id_prefix="inv:",
        case_row=table["case_row"].to_numpy(),
        source_id=table["investigation_id"],
        due_on=add_months(table["start_on"], rule_table.months[rule_index]),
        done_on=completed,
        rule_index=rule_index,
        rule_text=rule_table.text[rule_index] if context.full else None,
        anchor_on=table["start_on"],
        anchor_label=ANCHOR_INVESTIGATION,
    ).frame(context)


def processing_and_letters(context: EvaluationContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Processing obligations and letter obligations of the applications.

    Processing: one row per application of a known case, received on or before D and
    open at D or decided in the KPI window. Due: the benefit's deadline after receipt
    (rules.processing, `calendar.add_deadline`; the code normalised with family
    fallback; an unknown benefit gets the default and is a finding). Done:
    the decision, as known at D.

    Letter: one row per such application whose processing deadline has passed (decided
    late or still open and overdue), due with the processing deadline. Done: the
    letter sent (`underretning_sendt`); decided without a letter, it is missed for good.
    """
    rules, as_of_ts = context.rules, context.as_of_ts
    table = context.case_data.applications
    exists = (table["received_on"] <= as_of_ts).to_numpy()
    table = table[exists]  # exists from its own start, even before its case (kpis.md)
    decided = table["decided_on"].where(table["decided_on"] <= as_of_ts)
    keep = (decided.isna() | (decided > context.window_start)).to_numpy()
    table = table[keep].reset_index(drop=True)
    decided_on = decided[keep].to_numpy(dtype="datetime64[ns]")
    letter_sent = table["letter_sent_on"].where(table["letter_sent_on"] <= as_of_ts)
    benefit = table["benefit"].fillna("").astype(object).to_numpy(dtype=object).astype(str)
    benefit_codes, code_of_row = np.unique(benefit, return_inverse=True)
    deadlines = [rules.deadline(c) for c in benefit_codes]
    unknown_code = np.array([rules.deadline_code(c) is None for c in benefit_codes], dtype=bool)
    unknown = unknown_code[code_of_row]
    context.add_findings(
        FINDING_UNKNOWN_BENEFIT,
        np.where(benefit[unknown] == "", "(ingen)", benefit[unknown]).astype(object),
        table["application_id"].to_numpy(dtype=object)[unknown],
    )
    units = np.array([d.unit for d in deadlines], dtype=object)
    amounts = np.array([d.count for d in deadlines], dtype="int64")
    due_on = add_deadline(table["received_on"], units[code_of_row], amounts[code_of_row])
    processing = ObligationRows(
        kind=Kind.PROCESSING,
        id_prefix="pr:",
        case_row=table["case_row"].to_numpy(),
        source_id=table["application_id"],
        due_on=due_on,
        done_on=decided_on,
        anchor_on=table["received_on"],
        anchor_label=ANCHOR_RECEIVED,
    )
    letter_text = None
    if context.full:
        processing, letter_text = _with_processing_rules(
            processing, rules, benefit_codes, code_of_row
        )
    processing_frame = processing.frame(context)

    passed = processing_frame["status"].isin([Status.LATE, Status.OVERDUE]).to_numpy()
    letters = processing.select(
        passed,
        kind=Kind.LETTER,
        id_prefix="lt:",
        done_on=letter_sent.to_numpy(dtype="datetime64[ns]")[passed],
        rule_text=letter_text[passed] if letter_text is not None else None,
    )
    letter_frame = letters.frame(context)
    # Decided without a letter: the letter was never sent and no longer can be; it is
    # "missed" (not "late", which means done after the due date), days frozen.
    decided_passed = decided_on[passed]
    lapsed = ~np.isnat(decided_passed) & letter_frame["done_on"].isna().to_numpy()
    letter_frame.loc[lapsed, "status"] = Status.MISSED.value
    letter_frame.loc[lapsed, "days_overdue"] = (
        (decided_passed[lapsed] - letter_frame["due_on"].to_numpy()[lapsed])
        // np.timedelta64(1, "D")
    ).astype("int64")
    return processing_frame, letter_frame


def _with_processing_rules(
    processing: ObligationRows, rules: Rules, benefit_codes: np.ndarray, code_of_row: np.ndarray
) -> tuple[ObligationRows, np.ndarray]:
    """The processing rows with their rule columns (Retssikkerhedsloven § 3, one rule per
    benefit code, `RTSL3-standard` for an unknown one), and the letters' rule texts."""
    head = f"{rules.processing_law} {rules.processing_paragraph}: "
    labels = [rules.deadline(code).label for code in benefit_codes]
    entries = [rules.deadline_code(code) for code in benefit_codes]
    rule_ids = np.array(
        [f"RTSL3-{entry}" if entry else "RTSL3-standard" for entry in entries], dtype=object
    )
    decision_texts = np.array(
        [
            f"{head}afgørelse senest {label} efter modtagelsen ({code})"
            for label, code in zip(labels, benefit_codes, strict=True)
        ],
        dtype=object,
    )
    letter_texts = np.array(
        [
            f"{head}skriftlig besked til borgeren senest ved fristen på {label} ({code})"
            for label, code in zip(labels, benefit_codes, strict=True)
        ],
        dtype=object,
    )
    n_rows = len(code_of_row)
    with_rules = processing.select(
        np.ones(n_rows, dtype=bool),
        rule_id=rule_ids[code_of_row].astype(object),
        law=np.full(n_rows, rules.processing_law, dtype=object),
        paragraph=np.full(n_rows, rules.processing_paragraph, dtype=object),
        rule_text=decision_texts[code_of_row],
    )
    return with_rules, letter_texts[code_of_row]
