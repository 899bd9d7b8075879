"""Follow-up obligations (K3 children, K5 adults): a chain of cycles per active measure.

The first cycle is due the rule's first months after the start, or earlier at
the completion of an investigation running in parallel (BL § 95). Every
follow-up done starts the next cycle, due the rule's interval after it, or on
the caseworker's `naeste_frist` where the rule uses it and the date lies after
the follow-up (a `naeste_frist` on or before its follow-up is ignored and a
finding). Each cycle follows the law in force when it starts: before the law
switch the Serviceloven rule (SEL § 70), from it the Barnets Lov rule (BL § 95).
A follow-up without a measure counts for every measure of the case active that
day (kpis.md, K3 and K5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.calendar import add_months
from monitoring.obligations.context import (
    ANCHOR_FOLLOW_UP,
    ANCHOR_NEXT_DUE,
    ANCHOR_PARALLEL,
    ANCHOR_START,
    FINDING_IGNORED_NEXT_DUE,
    EvaluationContext,
    ObligationRows,
)
from vocab import Kind

_NAT = np.datetime64("NaT")


def follow_up_cycles(context: EvaluationContext) -> pd.DataFrame:
    """Follow-up obligations: one row per cycle of each active measure with a follow-up
    rule. The open cycle (not done: done_on empty) always; the cycles done so far
    only when the context is full (the lists; the KPIs read the open cycles).

    Obligation ids are `fu:<measure_id>:<cycle>`, cycle 1 being the first.
    """
    rule_table = context.rule_table
    known = context.measures
    # the rule of a cycle follows the law in force when the cycle starts (kpis.md)
    switch = pd.Timestamp(context.rules.law_switch)
    before = pd.Series(switch - pd.Timedelta(days=1), index=known.index)
    rule_old = context.measure_rules(Kind.FOLLOW_UP, before)
    rule_new = context.measure_rules(Kind.FOLLOW_UP, pd.Series(switch, index=known.index))
    rule_old = np.where(rule_old >= 0, rule_old, rule_new)
    rule_new = np.where(rule_new >= 0, rule_new, rule_old)
    keep = (rule_new >= 0) & known["active"].to_numpy()
    measures = known.loc[keep, ["measure_id", "case_row", "start_on", "end_on"]]
    measures = measures.reset_index(drop=True)
    rule_old, rule_new = rule_old[keep], rule_new[keep]
    new_law = (measures["start_on"] >= switch).to_numpy()
    rule_index = np.where(new_law, rule_new, rule_old)  # the first cycle's rule
    # a measure's row in case_data.measures -> its row in `measures` (-1: none)
    row_of_measure = np.full(len(context.case_data.measures), -1, dtype="int64")
    row_of_measure[known["measure_row"].to_numpy()[keep]] = np.arange(len(measures))

    first_due, moved_by_investigation = _first_due(context, measures, rule_index)
    done = _follow_ups_done(context, measures, row_of_measure)
    # the measure (row in `measures`) of each follow-up done, and its rule
    done_measure = done["measure"].to_numpy()
    # the rule of the cycle each follow-up starts (the law in force on its day)
    starts_new_law = (done["done_on"] >= switch).to_numpy()
    next_rule = np.where(starts_new_law, rule_new[done_measure], rule_old[done_measure])
    default_next = add_months(done["done_on"], rule_table.interval_months[next_rule])
    caseworker_date = rule_table.use_next_due[next_rule] & done["next_due_on"].notna().to_numpy()
    after_follow_up = (done["next_due_on"] > done["done_on"]).to_numpy()
    use_caseworker_date = caseworker_date & after_follow_up
    ignored = caseworker_date & ~after_follow_up
    if ignored.any():
        context.add_findings(
            FINDING_IGNORED_NEXT_DUE,
            np.full(int(ignored.sum()), "naeste_frist", dtype=object),
            done["follow_up_id"].to_numpy(dtype=object)[ignored],
        )
    next_due = default_next.where(~use_caseworker_date, done["next_due_on"])
    next_due = next_due.to_numpy(dtype="datetime64[ns]")

    done_cycle, last_of_measure = _number_per_measure(done_measure)
    # the rule of the cycle each follow-up closes: the first cycle's, else the previous one's
    done_rule = np.where(
        done_cycle == 1, rule_index[done_measure], np.r_[-1, next_rule[:-1]].astype("int64")
    )
    open_rule = rule_index.copy()
    open_rule[done_measure[last_of_measure]] = next_rule[last_of_measure]
    cycles_done = np.zeros(len(measures), dtype="int64")
    cycles_done[done_measure[last_of_measure]] = done_cycle[last_of_measure]
    last_next_due = np.full(len(measures), _NAT, dtype="datetime64[ns]")
    last_next_due[done_measure[last_of_measure]] = next_due[last_of_measure]
    # what each due date is counted from: the start (or the parallel investigation's
    # completion) for a first cycle, else the follow-up that started the cycle
    done_on = done["done_on"].to_numpy(dtype="datetime64[ns]")
    start_on = measures["start_on"].to_numpy(dtype="datetime64[ns]")
    first_anchor = np.where(moved_by_investigation, first_due, start_on)
    first_label = np.where(moved_by_investigation, ANCHOR_PARALLEL, ANCHOR_START)
    next_label = np.where(use_caseworker_date, ANCHOR_NEXT_DUE, ANCHOR_FOLLOW_UP)
    last_done = np.full(len(measures), _NAT, dtype="datetime64[ns]")
    last_done[done_measure[last_of_measure]] = done_on[last_of_measure]
    last_label = first_label.astype(object).copy()
    last_label[done_measure[last_of_measure]] = next_label[last_of_measure]

    open_cycle = cycles_done + 1
    is_first = open_cycle == 1
    rule_text = None
    if context.full:
        first_text = np.where(
            moved_by_investigation,
            rule_table.text_parallel[rule_index],
            rule_table.text[rule_index],
        )
        rule_text = np.where(is_first, first_text, rule_table.text_next[open_rule])
    open_cycles = ObligationRows(
        kind=Kind.FOLLOW_UP,
        id_prefix="fu:",
        case_row=measures["case_row"].to_numpy(),
        source_id=measures["measure_id"],
        due_on=np.where(is_first, first_due, last_next_due),
        done_on=np.full(len(measures), _NAT, dtype="datetime64[ns]"),
        cycle=open_cycle,
        rule_index=open_rule,
        rule_text=rule_text,
        anchor_on=np.where(is_first, first_anchor, last_done),
        anchor_label=np.where(is_first, first_label, last_label),
    ).frame(context)
    if not context.full or not len(done):
        return open_cycles

    # the cycles done: due the first due date, or the previous follow-up's next due
    previous_next_due = np.r_[_NAT, next_due[:-1]].astype("datetime64[ns]")
    was_first = done_cycle == 1
    first_text = np.where(
        moved_by_investigation[done_measure],
        rule_table.text_parallel[done_rule],
        rule_table.text[done_rule],
    )
    done_cycles = ObligationRows(
        kind=Kind.FOLLOW_UP,
        id_prefix="fu:",
        case_row=measures["case_row"].to_numpy()[done_measure],
        source_id=measures["measure_id"].to_numpy(dtype=object)[done_measure],
        due_on=np.where(was_first, first_due[done_measure], previous_next_due),
        done_on=done["done_on"],
        cycle=done_cycle,
        rule_index=done_rule,
        rule_text=np.where(was_first, first_text, rule_table.text_next[done_rule]),
        anchor_on=np.where(
            was_first, first_anchor[done_measure], np.r_[_NAT, done_on[:-1]].astype(done_on.dtype)
        ),
        anchor_label=np.where(
            was_first,
            first_label[done_measure],
            np.concatenate([[ANCHOR_FOLLOW_UP], next_label[:-1]]).astype(object),
        ),
    ).frame(context)
    return pd.concat([done_cycles, open_cycles], ignore_index=True)


def _number_per_measure(done_measure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cycle number of each follow-up done (1, 2, ... per measure; the rows are
    sorted by measure), and the positions of each measure's last one."""
    if not len(done_measure):
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    new_measure = np.r_[True, done_measure[1:] != done_measure[:-1]]
    first_of_measure = np.flatnonzero(new_measure)
    runs = np.diff(np.r_[first_of_measure, len(done_measure)])
    done_cycle = np.arange(len(done_measure)) - np.repeat(first_of_measure, runs) + 1
    last_of_measure = np.r_[first_of_measure[1:], len(done_measure)] - 1
    return done_cycle, last_of_measure


def _first_due(
    context: EvaluationContext, measures: pd.DataFrame, rule_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first follow-up's due date per measure, and whether an investigation
    running in parallel moved it.

    The investigation is one of the same case, open on the measure's start date
    (started on or before it, completed after it), completed (by D) before the
    first due date; the earliest such completion becomes the first due date.
    """
    as_of_ts = context.as_of_ts
    first_due = add_months(measures["start_on"], context.rule_table.first_months[rule_index])
    first_due = first_due.to_numpy(dtype="datetime64[ns]").copy()
    moved = np.zeros(len(measures), dtype=bool)
    parallel_rule = context.rule_table.parallel_investigation[rule_index]
    completed = context.case_data.investigations
    completed = completed[
        (completed["start_on"] <= as_of_ts) & (completed["completed_on"] <= as_of_ts)
    ]
    if not parallel_rule.any() or not len(completed):
        return first_due, moved
    pairs = pd.DataFrame(
        {
            "case_row": measures["case_row"].to_numpy()[parallel_rule],
            "start_on": measures["start_on"].to_numpy()[parallel_rule],
            "first_due": first_due[parallel_rule],
            "measure": np.flatnonzero(parallel_rule),
        }
    ).merge(
        completed[["case_row", "start_on", "completed_on"]].rename(
            columns={"start_on": "investigation_start"}
        ),
        on="case_row",
    )
    pairs = pairs[
        (pairs["investigation_start"] <= pairs["start_on"])
        & (pairs["completed_on"] > pairs["start_on"])
        & (pairs["completed_on"] < pairs["first_due"])
    ]
    earliest = pairs.groupby("measure")["completed_on"].min()
    measures_moved = earliest.index.to_numpy()
    first_due[measures_moved] = earliest.to_numpy(dtype="datetime64[ns]")
    moved[measures_moved] = True
    return first_due, moved


def _follow_ups_done(
    context: EvaluationContext, measures: pd.DataFrame, row_of_measure: np.ndarray
) -> pd.DataFrame:
    """The follow-ups done (by D) that count for each measure: one row per measure and
    day (the one with the latest next due date that day), sorted by measure and day.

    Columns: measure (its row in `measures`), done_on, next_due_on. A follow-up
    of a measure counts for it; one without a measure (case level) for every measure
    of the case active that day; only those on or after the measure's start count.
    """
    table = context.case_data.follow_ups
    table = table[table["done_on"] <= context.as_of_ts]
    measure_row = table["measure_row"].to_numpy()
    measure = np.where(measure_row >= 0, row_of_measure[np.maximum(measure_row, 0)], -1)
    of_measure = pd.DataFrame(
        {
            "measure": measure,
            "done_on": table["done_on"].to_numpy(),
            "next_due_on": table["next_due_on"].to_numpy(),
            "follow_up_id": table["follow_up_id"].to_numpy(dtype=object),
        }
    )[measure >= 0]
    case_level = table[measure_row < 0]
    of_case = pd.DataFrame(
        {
            "case_row": case_level["case_row"].to_numpy(),
            "done_on": case_level["done_on"].to_numpy(),
            "next_due_on": case_level["next_due_on"].to_numpy(),
            "follow_up_id": case_level["follow_up_id"].to_numpy(dtype=object),
        }
    ).merge(
        pd.DataFrame(
            {"case_row": measures["case_row"].to_numpy(), "measure": np.arange(len(measures))}
        ),
        on="case_row",
    )
    end_on = measures["end_on"].to_numpy(dtype="datetime64[ns]")[of_case["measure"].to_numpy()]
    of_case = of_case[np.isnat(end_on) | (of_case["done_on"].to_numpy() <= end_on)]
    columns = ["measure", "done_on", "next_due_on", "follow_up_id"]
    done = pd.concat([of_measure[columns], of_case[columns]], ignore_index=True)
    start_on = measures["start_on"].to_numpy(dtype="datetime64[ns]")
    done = done[done["done_on"].to_numpy() >= start_on[done["measure"].to_numpy()]]
    # sort by measure, day, next due date (none first); keep the last row of each day
    measure = done["measure"].to_numpy()
    day = done["done_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    next_due = done["next_due_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.lexsort((next_due, day, measure))
    measure, day = measure[order], day[order]
    if len(measure):
        last_of_day = np.r_[(measure[1:] != measure[:-1]) | (day[1:] != day[:-1]), True]
    else:
        last_of_day = np.zeros(0, dtype=bool)
    return done.iloc[order[last_of_day]].reset_index(drop=True)
