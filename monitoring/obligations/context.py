"""What every obligation builder shares: the evaluation context at D and `ObligationRows`.

`evaluation_context` states which cases and measures are known and active at D
(kpis.md, Conventions) and which rule applies to each measure; a builder
collects its obligations as `ObligationRows` (arrays, one element per
obligation) and `ObligationRows.frame` makes the frame with status and days
overdue at D.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from monitoring.calendar import add_months
from monitoring.inputs import CaseData
from monitoring.obligations.matching import RuleTable, assign_rules
from monitoring.rules import Rules
from vocab import Kind, Status

_NAT = np.datetime64("NaT")

# What the date a due date is counted from is (ObligationRows.anchor_label), in Danish
ANCHOR_START = "iværksættelse"
ANCHOR_DECISION = "afgørelse"
ANCHOR_STAY = "opholdets start"
ANCHOR_INVESTIGATION = "undersøgelsens start"
ANCHOR_PARALLEL = "parallel undersøgelse afsluttet"
ANCHOR_FOLLOW_UP = "seneste opfølgning"
ANCHOR_NEXT_DUE = "seneste opfølgning (fristen fastsat af sagsbehandleren)"
ANCHOR_RECEIVED = "modtagelse"

_DAY = np.timedelta64(1, "D")


# Data-quality findings (kpis.md: "nothing silently dropped"), the `kind` of a finding.
FINDING_NO_RULE = "foranstaltning uden fristregel"
FINDING_UNKNOWN_BENEFIT = "ukendt ydelseskode"
FINDING_IGNORED_NEXT_DUE = "naeste_frist ikke efter opfølgningen"
FINDING_OPEN_INVESTIGATION_CLOSED_CASE = "åben undersøgelse på lukket sag"
FINDING_UNKNOWN_CASEWORKER = "ukendt eller inaktiv sagsbehandler"
FINDING_KINDS: tuple[str, ...] = (
    FINDING_NO_RULE,
    FINDING_UNKNOWN_BENEFIT,
    FINDING_IGNORED_NEXT_DUE,
    FINDING_OPEN_INVESTIGATION_CLOSED_CASE,
    FINDING_UNKNOWN_CASEWORKER,
)


@dataclass
class EvaluationContext:
    """The input at one date D, as the builders need it."""

    as_of_ts: pd.Timestamp  # D
    window_start: pd.Timestamp  # the KPI window of K2, K4b, K7b, K8 is (window_start, D]
    rules: Rules
    rule_table: RuleTable
    case_data: CaseData
    case_known: np.ndarray  # per case: opened on or before D
    case_active: np.ndarray  # per case: known, and not closed before D
    # the measures known at D (started on or before D, on a known case), one row per
    # measure: + measure_row (its row in case_data.measures), target_group, acute,
    # active (at D), law_date (the decision date known at D, else the start)
    measures: pd.DataFrame
    # build the obligations in full (ids, rule columns and texts, the follow-ups done),
    # not only what the KPI results need (the history and the forecast)
    full: bool

    findings: list[pd.DataFrame] = field(default_factory=list)

    def add_findings(self, kind: str, codes: np.ndarray, ids: np.ndarray) -> None:
        """Record data-quality findings (one per id) of a kind (FINDING_KINDS)."""
        if self.full and len(ids):
            self.findings.append(
                pd.DataFrame({"kind": kind, "code": np.asarray(codes, dtype=object), "id": ids})
            )

    def measure_rules(self, kind: Kind, law_dates: pd.Series | None = None) -> np.ndarray:
        """The rule of `kind` for each known measure (index into the rules, -1: none).

        The measure's code is read under the law in force at its law date (kpis.md,
        "Codes cross the 2024 switch": `rules.code_under_law`); `law_dates` (default:
        the decision, else the start) may be another date per measure (a follow-up
        cycle's start).
        """
        law_dates = self.measures["law_date"] if law_dates is None else law_dates
        codes = self.case_data.paragraph_codes
        rules = self.rules
        under_old = [rules.code_under_law(str(code), after_switch=False) for code in codes]
        under_new = [rules.code_under_law(str(code), after_switch=True) for code in codes]
        both = np.array([*under_old, *under_new], dtype=object)
        code_rows = self.measures["paragraph_row"].to_numpy()
        after = (law_dates >= pd.Timestamp(rules.law_switch)).to_numpy()
        code_rows = np.where((code_rows >= 0) & after, code_rows + len(codes), code_rows)
        return assign_rules(
            code_rows,
            both,
            self.measures["target_group"].to_numpy(),
            law_dates,
            rules,
            kind,
        )


def measure_acute(measures: pd.DataFrame, case_data: CaseData, rules: Rules) -> np.ndarray:
    """Per measure: acute (kpis.md, K1 "Acute is a property of the measure"): the
    measure's own `acute` where the extract has it and the cell is filled, else the
    case's `acute` only for a measure started within `rules.acute_window_days` of the
    case's opening. One element per measure row."""
    case_row = measures["case_row"].to_numpy()
    opened = case_data.opened_on[case_row]
    window = np.timedelta64(rules.acute_window_days, "D")
    started_early = measures["start_on"].to_numpy(dtype="datetime64[ns]") <= opened + window
    from_case = case_data.acute[case_row] & started_early
    if "acute" not in measures.columns:
        return from_case
    own = measures["acute"].astype("boolean")
    filled = own.notna().to_numpy()
    return np.where(filled, own.fillna(False).to_numpy(dtype=bool), from_case)


def evaluation_context(
    case_data: CaseData, as_of_ts: pd.Timestamp, rules: Rules, full: bool
) -> EvaluationContext:
    """The evaluation context at D = `as_of_ts`.

    A case is known when opened on or before D, active when also not closed before
    D. A measure is known when it started on or before D on a known case, active
    when its case is active and it did not end before D.
    """
    as_of64 = np.datetime64(as_of_ts, "ns")
    case_known = case_data.opened_on <= as_of64
    case_active = case_known & (np.isnat(case_data.closed_on) | (case_data.closed_on >= as_of64))
    measures = case_data.measures
    case_row = measures["case_row"].to_numpy()
    known = (measures["start_on"] <= as_of_ts).to_numpy() & case_known[case_row]
    measures = measures[known].reset_index(drop=True)
    measures["measure_row"] = np.flatnonzero(known)
    case_row = case_row[known]
    measures["target_group"] = case_data.target_group[case_row]
    measures["acute"] = measure_acute(measures, case_data, rules)
    not_ended = (measures["end_on"].isna() | (measures["end_on"] >= as_of_ts)).to_numpy()
    measures["active"] = case_active[case_row] & not_ended
    decided = measures["decided_on"].where(measures["decided_on"] <= as_of_ts)
    measures["law_date"] = decided.fillna(measures["start_on"])
    window_start = add_months(pd.Series([as_of_ts]), -rules.kpi_window_months).iloc[0]
    return EvaluationContext(
        as_of_ts=as_of_ts,
        window_start=window_start,
        rules=rules,
        rule_table=RuleTable.of(rules),
        case_data=case_data,
        case_known=case_known,
        case_active=case_active,
        measures=measures,
        full=full,
    )


def status_at(
    due_on: pd.Series, done_on: pd.Series, as_of_ts: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Status (met / late / overdue / open) and days overdue of obligations at D.

    Met: done on or before the due date. Late: done after it (days late). Overdue:
    not done and D is after the due date (days since). Open: not done, not due yet
    or due today.
    """
    due = due_on.to_numpy(dtype="datetime64[ns]")
    done = done_on.to_numpy(dtype="datetime64[ns]")
    as_of64 = np.datetime64(as_of_ts, "ns")
    is_done = ~np.isnat(done)
    on_time = is_done & (done <= due)
    overdue = ~is_done & (as_of64 > due)
    status = np.select(
        [on_time, is_done, overdue], [Status.MET, Status.LATE, Status.OVERDUE], Status.OPEN
    )
    with np.errstate(invalid="ignore"):
        days_late = np.where(is_done & ~on_time, (done - due) // _DAY, 0)
        days_since_due = np.where(overdue, (as_of64 - due) // _DAY, 0)
    return status.astype(object), (days_late + days_since_due).astype("int64")


@dataclass
class ObligationRows:
    """One builder's obligations as arrays, one element per obligation.

    The obligation id is `id_prefix + source_id` (`+ ":" + cycle` for follow-ups).
    The rule columns come from `rule_index` (the law rule's index in the rule file),
    or are given as `rule_id`, `law`, `paragraph` (processing deadlines, which have no
    law rule); they and `rule_text` are only needed when the context is full.
    """

    kind: Kind
    id_prefix: str
    case_row: np.ndarray
    source_id: np.ndarray  # the measure, investigation or application it is about
    due_on: np.ndarray
    done_on: np.ndarray
    cycle: np.ndarray | None = None  # follow-up cycle number, 1 = the first
    rule_index: np.ndarray | None = None
    rule_id: np.ndarray | None = None
    law: np.ndarray | None = None
    paragraph: np.ndarray | None = None
    rule_text: np.ndarray | None = None
    # the date the due date was counted from and what that date is (Danish noun,
    # e.g. "iværksættelse"): the computed reason on the lists and the case page
    anchor_on: np.ndarray | None = None
    anchor_label: np.ndarray | None = None

    def __post_init__(self) -> None:
        # the builders pass series or arrays: held as arrays of one dtype each
        self.case_row = np.asarray(self.case_row, dtype="int64")
        self.source_id = np.asarray(self.source_id, dtype=object)
        self.due_on = np.asarray(self.due_on, dtype="datetime64[ns]")
        self.done_on = np.asarray(self.done_on, dtype="datetime64[ns]")
        if self.anchor_on is not None:
            self.anchor_on = np.asarray(self.anchor_on, dtype="datetime64[ns]")
        if self.anchor_label is not None:
            self.anchor_label = np.broadcast_to(
                np.asarray(self.anchor_label, dtype=object), self.case_row.shape
            ).copy()

    def select(self, keep: np.ndarray, **changes: Any) -> ObligationRows:
        """The rows where `keep` is true, with `changes` to fields (given for those rows)."""
        arrays = {
            f.name: getattr(self, f.name)[keep]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray) and f.name not in changes
        }
        return replace(self, **arrays, **changes)

    def obligation_ids(self) -> np.ndarray:
        """`<prefix><source_id>[:<cycle>]`, e.g. `hp:M1`, `fu:M1:2`, one per obligation."""
        ids = self.id_prefix + pd.Series(self.source_id, dtype=object)
        if self.cycle is not None:
            ids = ids + ":" + pd.Series(self.cycle).astype(str).to_numpy(dtype=object)
        return ids.to_numpy(dtype=object)

    def frame(self, context: EvaluationContext) -> pd.DataFrame:
        """One row per obligation: case_row, source_id, due_on, done_on, obligation_id,
        kind, (when full) rule_id, law, paragraph, rule_text, anchor_on, anchor_label,
        then status and days_overdue at D. Not full: obligation ids are left empty."""
        frame = pd.DataFrame(
            {
                "case_row": self.case_row,
                "source_id": self.source_id,
                "due_on": self.due_on,
                "done_on": self.done_on,
            }
        )
        if context.full:
            frame["obligation_id"] = self.obligation_ids()
        else:
            frame["obligation_id"] = np.full(len(frame), "", dtype=object)
        frame["kind"] = self.kind.value
        if context.full:
            if self.rule_id is not None:
                frame["rule_id"] = self.rule_id
                frame["law"] = self.law
                frame["paragraph"] = self.paragraph
            elif self.rule_index is not None:
                rule_table = context.rule_table
                frame["rule_id"] = rule_table.rule_id[self.rule_index]
                frame["law"] = rule_table.law[self.rule_index]
                frame["paragraph"] = rule_table.paragraph[self.rule_index]
            frame["rule_text"] = self.rule_text
            frame["anchor_on"] = (
                self.anchor_on
                if self.anchor_on is not None
                else np.full(len(frame), _NAT, dtype="datetime64[ns]")
            )
            frame["anchor_label"] = self.anchor_label
        frame["status"], frame["days_overdue"] = status_at(
            frame["due_on"], frame["done_on"], context.as_of_ts
        )
        return frame
