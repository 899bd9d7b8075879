"""Plan obligations: the handleplan of a child measure (K1, K2) and the plan offered to
a shelter user (K6). Both are met by a row of `handleplaner` of the measure's case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.calendar import add_months
from monitoring.obligations.context import (
    ANCHOR_DECISION,
    ANCHOR_START,
    ANCHOR_STAY,
    EvaluationContext,
    ObligationRows,
)
from vocab import Kind

DECLINED_NOTE = " – tilbud afslået af borgeren (tæller som opfyldt)"


def latest_before_else_first_after(
    obligations: pd.DataFrame, events: pd.DataFrame, extra: list[str] | None = None
) -> pd.DataFrame:
    """For each obligation (case_row, due_on): its case's latest event on or before the
    due date, else the case's first event after it.

    events: case_row, when (+ the `extra` columns). One row per obligation, in the
    obligations' order: when (+ extra), empty when the case has no event.
    """
    extra = extra or []
    left = obligations[["case_row", "due_on"]].assign(_position=np.arange(len(obligations)))
    left = left.sort_values("due_on")
    events = events.dropna(subset=["when"]).sort_values("when")[["case_row", "when", *extra]]
    on = {"left_on": "due_on", "right_on": "when", "by": "case_row"}
    before = pd.merge_asof(left, events, direction="backward", **on)
    after = pd.merge_asof(left, events, direction="forward", allow_exact_matches=False, **on)
    use_before = before["when"].notna().to_numpy()
    order = np.argsort(before["_position"].to_numpy(), kind="stable")
    return pd.DataFrame(
        {
            column: before[column].where(use_before, after[column].to_numpy()).to_numpy()[order]
            for column in ["when", *extra]
        }
    )


def plan_counting_for(
    case_row: pd.Series, due_on: pd.Series, counts_from: pd.Series, plan_dates: pd.DataFrame
) -> pd.Series:
    """Per measure: the plan date that counts for it (kpis.md, K1 "Which plan counts"):
    its case's latest plan made or revised on or before the due date and not before
    `counts_from` (the decision minus the plan window), else the first such date after
    the due date; NaT when none. One element per measure, in order.

    plan_dates: case_row, when (made or revised, on or before D).
    """
    measures = pd.DataFrame({"case_row": case_row.to_numpy(), "due_on": due_on.to_numpy()})
    latest = latest_before_else_first_after(measures, plan_dates)["when"]
    latest = pd.Series(np.asarray(latest, dtype="datetime64[ns]"))
    counts = (latest >= counts_from.to_numpy()).to_numpy()
    from_window = pd.DataFrame({"case_row": case_row.to_numpy(), "due_on": counts_from.to_numpy()})
    first_in_window = pd.Series(
        np.asarray(_first_on_or_after(from_window, plan_dates), dtype="datetime64[ns]")
    )
    return latest.where(counts, first_in_window)


def _first_on_or_after(rows: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Per row (case_row, due_on): its case's first event on or after due_on (NaT: none)."""
    left = rows.assign(_position=np.arange(len(rows))).sort_values("due_on")
    events = events.dropna(subset=["when"]).sort_values("when")[["case_row", "when"]]
    found = pd.merge_asof(
        left, events, left_on="due_on", right_on="when", by="case_row", direction="forward"
    )
    order = np.argsort(found["_position"].to_numpy(), kind="stable")
    return found["when"].to_numpy(dtype="datetime64[ns]")[order]


def handleplans(context: EvaluationContext) -> pd.DataFrame:
    """Handleplan obligations: one row per measure with a handleplan rule that is active
    at D or started in the KPI window.

    Due: the rule's months after the measure's start, or after its decision when the
    rule counts from the decision; for an acute measure (`context.measure_acute`) the
    rule's acute months after the same anchor. Done: the plan that counts for the
    measure (`plan_counting_for`: made or revised within the plan window before the
    decision, by D).
    Helper columns for K1 and K2: measure_active (at D), started_in_window.
    """
    rule_table, as_of_ts = context.rule_table, context.as_of_ts
    measures = context.measures
    rule_index = context.measure_rules(Kind.HANDLEPLAN)
    started_in_window = (measures["start_on"] > context.window_start).to_numpy()
    keep = (rule_index >= 0) & (measures["active"].to_numpy() | started_in_window)
    measures = measures[keep].reset_index(drop=True)
    rule_index = rule_index[keep]
    from_decision = rule_table.anchor_is_decision[rule_index]
    anchor = measures["law_date"].where(from_decision, measures["start_on"])
    due_on = add_months(anchor, rule_table.months[rule_index])
    acute_months = rule_table.acute_months[rule_index]
    acute = measures["acute"].to_numpy(dtype=bool) & (acute_months >= 0)
    due_on = due_on.where(~acute, add_months(anchor, np.maximum(acute_months, 0)))
    plans = context.case_data.plans
    plan_dates = pd.concat(
        [
            pd.DataFrame({"case_row": plans["case_row"], "when": plans["made_on"]}),
            pd.DataFrame({"case_row": plans["case_row"], "when": plans["revised_on"]}),
        ],
        ignore_index=True,
    )
    plan_dates = plan_dates[plan_dates["when"] <= as_of_ts]
    counts_from = add_months(measures["law_date"], -context.rules.plan_window_months)
    done_on = plan_counting_for(measures["case_row"], due_on, counts_from, plan_dates)
    rule_text = None
    if context.full:
        rule_text = np.where(acute, rule_table.text_acute[rule_index], rule_table.text[rule_index])
    frame = ObligationRows(
        kind=Kind.HANDLEPLAN,
        id_prefix="hp:",
        case_row=measures["case_row"].to_numpy(),
        source_id=measures["measure_id"],
        due_on=due_on,
        done_on=done_on,
        rule_index=rule_index,
        rule_text=rule_text,
        anchor_on=anchor,
        anchor_label=np.where(from_decision, ANCHOR_DECISION, ANCHOR_START),
    ).frame(context)
    frame["measure_active"] = measures["active"].to_numpy()
    frame["started_in_window"] = started_in_window[keep]
    return frame


def shelter_plans(context: EvaluationContext) -> pd.DataFrame:
    """Shelter plan obligations: one row per active stay with a shelter-plan rule
    (SEL §§ 109-110).

    Due: the rule's grace months after the start of the stay. Done: the earlier of a
    plan's offer and its making (by D), the case's latest on or before the due date,
    else its first after it. An offer the citizen declined counts, and the rule
    text says so.
    """
    rule_table, as_of_ts = context.rule_table, context.as_of_ts
    measures = context.measures
    rule_index = context.measure_rules(Kind.SHELTER_PLAN)
    keep = (rule_index >= 0) & measures["active"].to_numpy()
    stays = measures[keep].reset_index(drop=True)
    rule_index = rule_index[keep]
    due_on = add_months(stays["start_on"], rule_table.grace_months[rule_index])
    plans = context.case_data.plans
    offered = plans["offered_on"].where(plans["offered_on"] <= as_of_ts)
    made = plans["made_on"].where(plans["made_on"] <= as_of_ts)
    offered_or_made = offered.where(made.isna() | (offered <= made), made)  # the earlier
    events = pd.DataFrame(
        {"case_row": plans["case_row"], "when": offered_or_made, "declined": plans["declined"]}
    )
    plan = latest_before_else_first_after(
        pd.DataFrame({"case_row": stays["case_row"], "due_on": due_on}), events, ["declined"]
    )
    rule_text = None
    if context.full:
        declined = pd.Series(plan["declined"]).fillna(False).astype(bool).to_numpy()
        rule_text = rule_table.text[rule_index]
        rule_text = np.where(declined, rule_text + DECLINED_NOTE, rule_text)
    return ObligationRows(
        kind=Kind.SHELTER_PLAN,
        id_prefix="sp:",
        case_row=stays["case_row"].to_numpy(),
        source_id=stays["measure_id"],
        due_on=due_on,
        done_on=plan["when"],
        rule_index=rule_index,
        rule_text=rule_text,
        anchor_on=stays["start_on"],
        anchor_label=ANCHOR_STAY,
    ).frame(context)
