"""Layer 3, validate: every rule of the contract, one function per rule, as data.

Each rule function takes staged files (raw text and cast frame side by side)
and returns a problems frame: one row per problem with `PROBLEM_COLUMNS`
plus `row` (the staged frame's index label). Rules are vectorised over the
whole file; all rules run in one pass and every problem is collected, not
just the first. A row with at least one error is rejected; rows that depend
on a rejected row (a case's measures, plans, ...; a measure's follow-ups)
are rejected too, with rule `depends-on-rejected` naming the parent.

The cross-file rules (`etl.cross_file`) follow the references the contract
declares (`etl.contract.Reference`): nothing here names a file. Rule codes and their
Danish names are `vocab.PROBLEM_CODES`: required, date-format, bool-format,
cpr-format, cpr-date, enum, paragraph-format, too-long, control-character,
duplicate-id, unknown-case, unknown-caseworker (a warning: the case is kept),
unknown-measure, measure-other-case, date-after-extract, end-before-start,
date-before-1990, date-after-2100, plan-without-date, depends-on-rejected.

Messages are Danish sentences with the specifics (column, value, the other
file); the file and line are the problem's own fields, not repeated in the
message. Values are shown with control characters written out (`\\x00`).
No date value stops a load: a date outside the years the contract accepts is
a row problem, or "no end" in an end column (see `etl.staging.cast_dates`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

import cpr
from etl import contract
from etl.checks import (
    CONTROL,
    CONTROL_IN_TEXT,
    ROW,
    ROW_COLUMNS,
    Message,
    cast_failed,
    concat_problems,
    problem_rows,
    raw_cells,
    staged_cells,
)
from etl.cross_file import reference_rules
from etl.problems import Problem
from etl.read import LINE
from etl.staging import FIRST_DATE, LAST_DATE, Staged, parse_dates
from vocab import Severity

__all__ = ["Problem", "Validation", "validate_extract"]


# ------------------------------------------------------------------ row rules
def rule_required(st: Staged) -> pd.DataFrame:
    """required: a required column has an empty cell."""
    return concat_problems(
        [
            problem_rows(
                st, raw_cells(st, c) == "", c, "required", f"{c} skal udfyldes, men er tom"
            )
            for c in st.spec.required_columns
        ]
    )


def _cast_rule(
    st: Staged,
    col_type: str,
    rule: str,
    message: Callable[[contract.Column], Message | Callable[[pd.Series], Message]],
) -> pd.DataFrame:
    """Problems where a cell of a `col_type` column could not be cast. `message(column)`
    is the text, or a function of the cells' values (a Series) giving the texts."""
    return concat_problems(
        [
            problem_rows(st, cast_failed(st, c), c.danish, rule, message(c))
            for c in st.spec.of_type(col_type)
        ]
    )


def _uncast_dates(st: Staged, col: contract.Column) -> pd.Series:
    """The dates of a column that did not cast, parsed whatever their year (NaT: no date).
    Only those cells are parsed again: they are few."""
    failed = cast_failed(st, col)
    out = pd.Series(pd.NaT, index=failed.index, dtype="datetime64[us]")
    if failed.any():
        out[failed] = parse_dates(raw_cells(st, col.danish)[failed])
    return out.where(failed)


def rule_date_format(st: Staged) -> pd.DataFrame:
    """date-format: a date is in none of the contract's formats, or not a real date."""
    return concat_problems(
        [
            problem_rows(
                st,
                cast_failed(st, c) & _uncast_dates(st, c).isna(),
                c.danish,
                "date-format",
                lambda v, c=c: (
                    f"{c.danish} '" + v + f"' er ikke en gyldig dato ({contract.DATE_FORMATS_TEXT})"
                ),
            )
            for c in st.spec.of_type(contract.DATE)
        ]
    )


def rule_bool_format(st: Staged) -> pd.DataFrame:
    """bool-format: a yes/no cell is none of the contract's spellings (J/N, ja/nej, ...)."""
    return _cast_rule(
        st,
        contract.BOOL,
        "bool-format",
        lambda c: lambda v: f"{c.danish} skal være {contract.BOOLEAN_TEXT}, ikke '" + v + "'",
    )


def rule_cpr_format(st: Staged) -> pd.DataFrame:
    """cpr-format: a CPR number is in none of the contract's shapes (the value is never shown)."""
    return _cast_rule(
        st,
        contract.CPR,
        "cpr-format",
        lambda c: f"{c.danish} er ikke et CPR-nummer på formen {contract.CPR_SHAPES_TEXT}",
    )


def cpr_date_valid(cpr: pd.Series) -> pd.Series:
    """True where a normalised CPR's DDMMYY is a real date in some century (NA -> True).

    29 February is valid when YY is divisible by 4 (2000 was a leap year).
    """
    ok = cpr.notna().to_numpy()
    out = np.ones(len(cpr), dtype=bool)
    if not ok.any():
        return pd.Series(out, index=cpr.index)
    s = cpr[ok].astype(str)
    dd = pd.to_numeric(s.str[0:2]).to_numpy()
    mm = pd.to_numeric(s.str[2:4]).to_numpy()
    yy = pd.to_numeric(s.str[4:6]).to_numpy()
    days = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    month_ok = (mm >= 1) & (mm <= 12)
    dim = days[np.where(month_ok, mm, 0)]
    dim = np.where((mm == 2) & (yy % 4 != 0), 28, dim)
    out[ok] = month_ok & (dd >= 1) & (dd <= dim)
    return pd.Series(out, index=cpr.index)


def rule_cpr_date(st: Staged) -> pd.DataFrame:
    """cpr-date: a CPR number's date part DDMMYY is not a real date."""
    return concat_problems(
        [
            problem_rows(
                st,
                ~cpr_date_valid(staged_cells(st, c.danish)),
                c.danish,
                "cpr-date",
                f"datodelen (DDMMÅÅ) af {c.danish} er ikke en dato, der findes",
            )
            for c in st.spec.of_type(contract.CPR)
        ]
    )


def rule_enum(st: Staged) -> pd.DataFrame:
    """enum: a value is not one of its column's allowed values."""
    return _cast_rule(
        st,
        contract.ENUM,
        "enum",
        lambda c: lambda v: f"{c.danish} skal være en af {', '.join(c.values)}, ikke '" + v + "'",
    )


def rule_paragraph_format(st: Staged) -> pd.DataFrame:
    """paragraph-format: a legal basis is not recognisable as SEL/BL code (e.g. SEL52.3.7)."""
    return _cast_rule(
        st,
        contract.PARAGRAPH,
        "paragraph-format",
        lambda c: (
            lambda v: (
                f"{c.danish} '" + v + "' er ikke en genkendelig lovhjemmel (fx SEL52.3.7, "
                "'SEL § 52, stk. 3, nr. 7' eller BL32.1.3)"
            )
        ),
    )


def rule_too_long(st: Staged) -> pd.DataFrame:
    """too-long: an id or text value is longer than the contract's (the store's) maximum."""
    out = []
    for c in st.spec.columns:
        n = c.max_length
        if c.type in (contract.ID, contract.TEXT) and n is not None:
            out.append(
                problem_rows(
                    st,
                    raw_cells(st, c.danish).str.len() > n,
                    c.danish,
                    "too-long",
                    f"{c.danish} er længere end {n} tegn",
                )
            )
    return concat_problems(out)


def rule_control_character(st: Staged) -> pd.DataFrame:
    """control-character: an id or a text holds a control character (NUL, ...); a text may
    hold tabs and line ends (a quoted cell spanning lines), an id nothing of the kind."""
    out = []
    for c in st.spec.columns:
        if c.type in (contract.ID, contract.TEXT):
            pattern = CONTROL if c.type == contract.ID else CONTROL_IN_TEXT
            kind = "et id" if c.type == contract.ID else "en tekst"
            cells = raw_cells(st, c.danish)
            if not re.search(pattern, "".join(cells.tolist())):  # the usual case, fast
                continue
            out.append(
                problem_rows(
                    st,
                    cells.str.contains(pattern, regex=True),
                    c.danish,
                    "control-character",
                    lambda v, c=c, kind=kind: (
                        f"{c.danish} '" + v + f"' indeholder et kontroltegn (vist som \\xNN), "
                        f"som ikke må stå i {kind}"
                    ),
                )
            )
    return concat_problems(out)


def rule_duplicate_id(st: Staged) -> pd.DataFrame:
    """duplicate-id: the file's key occurs again (every occurrence but the first is rejected)."""
    key = list(st.spec.key)
    raw = st.raw.frame
    present = (raw[key] != "").all(axis=1)
    dup = raw[key].duplicated(keep="first") & present
    if not dup.any():
        return pd.DataFrame(columns=ROW_COLUMNS)
    first_line = raw.loc[present].drop_duplicates(key, keep="first").set_index(key)[LINE]
    keys = pd.MultiIndex.from_frame(raw[key]) if len(key) > 1 else pd.Index(raw[key[0]])
    lines = pd.Series(first_line.reindex(keys).to_numpy(), index=raw.index)
    value = raw[key].astype(str).agg("/".join, axis=1) if len(key) > 1 else raw[key[0]]
    label = "/".join(key)
    return problem_rows(
        st,
        dup,
        label if len(key) > 1 else key[0],
        "duplicate-id",
        lambda v: f"{label} '" + v + "' findes allerede i linje " + lines.loc[v.index].astype(str),
        value=value,
    )


def rule_date_before_1990(st: Staged) -> pd.DataFrame:
    """date-before-1990: a date lies before 1 January 1990 (0001-01-01 included)."""
    return concat_problems(
        [
            problem_rows(
                st,
                (_uncast_dates(st, c) < FIRST_DATE).fillna(False),
                c.danish,
                "date-before-1990",
                lambda v, c=c: f"{c.danish} '" + v + f"' ligger før {contract.MIN_YEAR}",
            )
            for c in st.spec.of_type(contract.DATE)
        ]
    )


def rule_date_after_2100(st: Staged) -> pd.DataFrame:
    """date-after-2100: a date lies after 2100 (e.g. 9999-12-31) in a column where that is
    not "no end" (`slut`, `lukket` are `open_end`: there it is stored as empty, no problem)."""
    return concat_problems(
        [
            problem_rows(
                st,
                (_uncast_dates(st, c) > LAST_DATE).fillna(False),
                c.danish,
                "date-after-2100",
                lambda v, c=c: (
                    f"{c.danish} '" + v + f"' ligger efter {contract.MAX_YEAR}; kun en slutdato "
                    "må stå så langt ude (som 'ingen slut')"
                ),
            )
            for c in st.spec.of_type(contract.DATE)
            if not c.open_end
        ]
    )


def rule_date_after_extract(st: Staged, extract_date: dt.date) -> pd.DataFrame:
    """date-after-extract: a date lies after the extract date (deadlines excepted)."""
    limit = pd.Timestamp(extract_date)
    return concat_problems(
        [
            problem_rows(
                st,
                (staged_cells(st, c.danish) > limit).fillna(False),
                c.danish,
                "date-after-extract",
                lambda v, c=c: (
                    f"{c.danish} '" + v + f"' ligger efter udtræksdatoen {extract_date.isoformat()}"
                ),
            )
            for c in st.spec.of_type(contract.DATE)
            if not c.future_ok
        ]
    )


def rule_end_before_start(st: Staged) -> pd.DataFrame:
    """end-before-start: slut/lukket/afsluttet/afgjort lies before its start date."""
    out = []
    for start, end in st.spec.date_pairs:
        s, e = staged_cells(st, start), staged_cells(st, end)
        out.append(
            problem_rows(
                st,
                (e < s).fillna(False),
                end,
                "end-before-start",
                lambda v, start=start, end=end: (
                    f"{end} '"
                    + v
                    + f"' ligger før {start} '"
                    + raw_cells(st, start).loc[v.index]
                    + "'"
                ),
            )
        )
    return concat_problems(out)


def rule_plan_without_date(st: Staged) -> pd.DataFrame:
    """plan-without-date: an action plan has neither udarbejdet nor tilbudt."""
    if st.spec.name != "handleplaner":
        return pd.DataFrame(columns=ROW_COLUMNS)
    empty = (raw_cells(st, "udarbejdet") == "") & (raw_cells(st, "tilbudt") == "")
    return problem_rows(
        st,
        empty,
        "udarbejdet",
        "plan-without-date",
        "handleplanen har hverken en dato i udarbejdet eller i tilbudt",
    )


ROW_RULES: tuple[Callable[[Staged], pd.DataFrame], ...] = (
    rule_required,
    rule_date_format,
    rule_bool_format,
    rule_cpr_format,
    rule_cpr_date,
    rule_enum,
    rule_paragraph_format,
    rule_too_long,
    rule_control_character,
    rule_duplicate_id,
    rule_date_before_1990,
    rule_date_after_2100,
    rule_end_before_start,
    rule_plan_without_date,
)


# ------------------------------------------------------------------- the pass
@dataclass
class Validation:
    """Every problem found, and per file which rows are rejected (aligned to the staged frame)."""

    problems: pd.DataFrame  # PROBLEM_COLUMNS + row; CPR values masked
    rejected: dict[str, pd.Series]  # file name -> bool per staged row
    reasons: dict[str, pd.Series]  # file name -> "; "-joined rule codes per rejected row


def _rejected(st: Staged, problems: pd.DataFrame) -> pd.Series:
    errs = problems[problems["severity"] == Severity.ERROR]
    return pd.Series(st.frame.index.isin(errs[ROW].to_numpy()), index=st.frame.index)


def _cpr_columns() -> set[str]:
    return {c.danish for spec in contract.FILES for c in spec.of_type(contract.CPR)}


def mask_problem_values(problems: pd.DataFrame) -> pd.DataFrame:
    """Mask CPR numbers (`cpr`): a CPR column's value as DDMMYY-XXXX whatever its shape, and
    any CPR number in values and messages."""
    if problems.empty:
        return problems
    problems = problems.copy()
    value = problems["value"].astype("string")
    is_cpr = (problems["column"].isin(_cpr_columns()) & value.notna()).to_numpy()
    if is_cpr.any():
        value[is_cpr] = cpr.mask_value_series(value[is_cpr])
    problems["value"] = cpr.mask_text_series(value)
    problems["message"] = cpr.mask_text_series(problems["message"])
    return problems


def validate_extract(staged: dict[str, Staged], extract_date: dt.date) -> Validation:
    """Run every rule over every file and decide which rows are rejected.

    Files are validated in the contract's reference order (a file after the files
    it refers to), so a row referring to a rejected row is rejected too.
    """
    per_file: dict[str, list[pd.DataFrame]] = {}
    for name, st in staged.items():
        per_file[name] = [rule(st) for rule in ROW_RULES]
        per_file[name].append(rule_date_after_extract(st, extract_date))

    rejected: dict[str, pd.Series] = {}
    for spec in contract.load_order(st.spec for st in staged.values()):
        st = staged[spec.name]
        per_file[spec.name] += reference_rules(st, staged, rejected)
        rejected[spec.name] = _rejected(st, concat_problems(per_file[spec.name]))

    frames = []
    reasons: dict[str, pd.Series] = {}
    for name, st in staged.items():
        problems = concat_problems(per_file[name])
        if len(problems):
            problems = problems.sort_values(["line", "column"], kind="stable")
        rejected[name] = _rejected(st, problems)
        errs = problems[problems["severity"] == Severity.ERROR]
        reasons[name] = (
            errs.groupby(ROW)["rule"].agg(lambda r: "; ".join(dict.fromkeys(r)))
            if len(errs)
            else pd.Series(dtype="string")
        )
        frames.append(problems)
    problems = concat_problems(frames)
    return Validation(
        problems=mask_problem_values(problems.reset_index(drop=True)),
        rejected=rejected,
        reasons=reasons,
    )
