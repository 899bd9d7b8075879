"""Rule matching: which law rule of the rule file applies to a record.

A rule applies to a record when it is enabled, of the obligation's kind, its
paragraph patterns match the record's code (where the kind has codes), its
target group is the case's (or "any"), and the record's law date lies in the
rule's validity. The first such rule in file order wins (kpis.md: "Rules depend
on law version"; "Codes cross the 2024 switch").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitoring.rules import Rules

ANY_TARGET_GROUP = "any"  # a rule for every target group (rules.TARGET_GROUPS)
NO_RULE = -1  # the rule index of a record no rule applies to


def _texts(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


@dataclass(frozen=True)
class RuleTable:
    """The rule file's law rules as arrays, one element per rule (position = the rule's
    index in `rules.law_rules`), so that a requirement is looked up for every
    obligation at once: `rule_table.months[rule_index]`."""

    rule_id: np.ndarray
    law: np.ndarray
    paragraph: np.ndarray
    text: np.ndarray  # the rule text of a first or only deadline
    text_next: np.ndarray  # ... of a later follow-up cycle
    text_acute: np.ndarray  # ... of an acute handleplan
    text_parallel: np.ndarray  # ... of a first follow-up moved by a parallel investigation
    anchor_is_decision: np.ndarray  # the deadline counts from the decision, not the start
    months: np.ndarray  # handleplan / investigation deadline in months
    acute_months: np.ndarray  # handleplan deadline when acute; -1: no acute deadline
    first_months: np.ndarray  # first follow-up, months after the start
    interval_months: np.ndarray  # later follow-ups, months after the latest
    use_next_due: np.ndarray  # the caseworker's naeste_frist sets the next follow-up
    parallel_investigation: np.ndarray  # an investigation completed early moves the first
    grace_months: np.ndarray  # shelter plan, months after the start of the stay

    @classmethod
    def of(cls, rules: Rules) -> RuleTable:
        law_rules = rules.law_rules
        return cls(
            rule_id=_texts([r.id for r in law_rules]),
            law=_texts([r.law for r in law_rules]),
            paragraph=_texts([r.paragraph for r in law_rules]),
            text=_texts([r.text for r in law_rules]),
            text_next=_texts([r.text_next for r in law_rules]),
            text_acute=_texts([r.text_acute for r in law_rules]),
            text_parallel=_texts([r.text_parallel for r in law_rules]),
            anchor_is_decision=np.array([r.anchor == "decision" for r in law_rules], dtype=bool),
            months=np.array([r.months for r in law_rules], dtype="int64"),
            acute_months=np.array(
                [-1 if r.acute_months is None else r.acute_months for r in law_rules],
                dtype="int64",
            ),
            first_months=np.array([r.first_months for r in law_rules], dtype="int64"),
            interval_months=np.array([r.interval_months for r in law_rules], dtype="int64"),
            use_next_due=np.array([r.use_next_due for r in law_rules], dtype=bool),
            parallel_investigation=np.array(
                [r.parallel_investigation for r in law_rules], dtype=bool
            ),
            grace_months=np.array([r.grace_months for r in law_rules], dtype="int64"),
        )


def assign_rules(
    code_rows: np.ndarray | None,
    codes: np.ndarray | None,
    target_groups: np.ndarray,
    law_dates: pd.Series,
    rules: Rules,
    kind: str,
) -> np.ndarray:
    """The index of the first enabled rule of `kind` matching each record, NO_RULE when none.

    One element per record. code_rows: per record, the position of its paragraph code
    in `codes` (pd.factorize; -1 when it has none), so that patterns are matched once
    per distinct code; None for kinds without codes (investigations).
    """
    rule_index = np.full(len(target_groups), NO_RULE, dtype="int64")
    law_date = law_dates.to_numpy(dtype="datetime64[ns]")
    in_group: dict[str, np.ndarray] = {}
    for index, rule in rules.of_kind(kind):
        match = rule_index == NO_RULE
        if code_rows is not None and codes is not None:
            pattern = rule.regex
            code_matches = [bool(pattern.match(str(code))) for code in codes]
            code_matches = np.array([*code_matches, False], dtype=bool)
            match &= code_matches[code_rows]  # code row -1 (no code) -> the trailing False
        if rule.target_group != ANY_TARGET_GROUP:
            if rule.target_group not in in_group:
                in_group[rule.target_group] = target_groups == rule.target_group
            match &= in_group[rule.target_group]
        if rule.valid_from is not None:
            match &= law_date >= np.datetime64(rule.valid_from, "ns")
        if rule.valid_to is not None:
            match &= law_date <= np.datetime64(rule.valid_to, "ns")
        rule_index[match] = index
    return rule_index
