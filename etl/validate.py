"""Layer 3, validate: every rule of the contract, one function per rule, as data.

Each rule function takes staged files (raw text and cast frame side by side)
and returns a problems frame: one row per problem with `PROBLEM_COLUMNS`
plus `row` (the staged frame's index label). Rules are vectorised over the
whole file; all rules run in one pass and every problem is collected, not
just the first. A row with at least one error is rejected; rows that depend
on a rejected row (a case's measures, plans, ...; a measure's follow-ups)
are rejected too, with rule `depends-on-rejected` naming the parent.

Rule codes (stable): required, date-format, bool-format, cpr-format,
cpr-date, enum, paragraph-format, too-long, duplicate-id, unknown-case,
unknown-caseworker, unknown-measure, measure-other-case, date-after-extract,
end-before-start, date-before-1990, plan-without-date, depends-on-rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl import contract
from etl.problems import ERROR, PROBLEM_COLUMNS, Problem, mask_series
from etl.read import LINE
from etl.staging import Staged

__all__ = ["Problem", "Validation", "validate_extract"]

ROW = "row"
_COLUMNS = [ROW, *PROBLEM_COLUMNS]
_MIN_DATE = pd.Timestamp(contract.MIN_YEAR, 1, 1)

Message = str | pd.Series


def _problems(
    st: Staged,
    mask: pd.Series | np.ndarray,
    column: str | None,
    rule: str,
    message: Message | Callable[[pd.Series], Message],
    value: pd.Series | None = None,
    severity: str = ERROR,
) -> pd.DataFrame:
    """One problem per row of `st` where `mask` holds, about Danish `column`."""
    mask = np.asarray(mask, dtype=bool)
    raw = st.raw.frame
    idx = raw.index[mask]
    if len(idx) == 0:
        return pd.DataFrame(columns=_COLUMNS)
    if value is None:
        value = raw.loc[idx, column] if column in raw.columns else pd.Series("", index=idx)
    else:
        value = value.loc[idx]
    value = value.astype("string")
    msg = message(value) if callable(message) else message
    return pd.DataFrame(
        {
            ROW: idx,
            "file": st.raw.label,
            "line": raw.loc[idx, LINE].astype("Int64"),
            "column": column,
            "value": value,
            "rule": rule,
            "message": msg,
            "severity": severity,
        },
        index=idx,
    )


def _raw(st: Staged, danish: str) -> pd.Series:
    raw = st.raw.frame
    return raw[danish] if danish in raw.columns else pd.Series("", index=raw.index, dtype=str)


def _staged(st: Staged, danish: str) -> pd.Series:
    return st.frame[st.spec.column(danish).english]


def _of_type(st: Staged, kind: str) -> list[contract.Column]:
    return [c for c in st.spec.columns if c.type == kind]


def _cast_failed(st: Staged, col: contract.Column) -> pd.Series:
    """Cells with text that did not cast."""
    return (_raw(st, col.danish) != "") & _staged(st, col.danish).isna()


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ row rules
def rule_required(st: Staged) -> pd.DataFrame:
    """required: a required column has an empty cell."""
    return _concat(
        [
            _problems(st, _raw(st, c) == "", c, "required", f"{c} is required but empty")
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
    return _concat(
        [
            _problems(st, _cast_failed(st, c), c.danish, rule, message(c))
            for c in _of_type(st, col_type)
        ]
    )


def rule_date_format(st: Staged) -> pd.DataFrame:
    """date-format: a date is not YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY, or not a real date."""
    return _cast_rule(
        st,
        contract.DATE,
        "date-format",
        lambda c: (
            lambda v: (
                f"{c.danish} is not a valid date (YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY): '"
                + v
                + "'"
            )
        ),
    )


def rule_bool_format(st: Staged) -> pd.DataFrame:
    """bool-format: a yes/no cell is not J/N, ja/nej, 1/0 or true/false."""
    return _cast_rule(
        st,
        contract.BOOL,
        "bool-format",
        lambda c: lambda v: f"{c.danish} must be J/N, ja/nej, 1/0 or true/false, not '" + v + "'",
    )


def rule_cpr_format(st: Staged) -> pd.DataFrame:
    """cpr-format: a CPR number is not DDMMYY-SSSS or DDMMYYSSSS (the value is never shown)."""
    return _cast_rule(
        st,
        contract.CPR,
        "cpr-format",
        lambda c: f"{c.danish} is not a CPR number of the form DDMMYY-SSSS or DDMMYYSSSS",
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
    return _concat(
        [
            _problems(
                st,
                ~cpr_date_valid(_staged(st, c.danish)),
                c.danish,
                "cpr-date",
                f"the date part (DDMMYY) of {c.danish} is not a real date",
            )
            for c in _of_type(st, contract.CPR)
        ]
    )


def rule_enum(st: Staged) -> pd.DataFrame:
    """enum: a value is not one of its column's allowed values."""
    return _cast_rule(
        st,
        contract.ENUM,
        "enum",
        lambda c: lambda v: f"{c.danish} must be one of {', '.join(c.values)}, not '" + v + "'",
    )


def rule_paragraph_format(st: Staged) -> pd.DataFrame:
    """paragraph-format: a legal basis is not recognisable as SEL/BL code (e.g. SEL52.3.7)."""
    return _cast_rule(
        st,
        contract.PARAGRAPH,
        "paragraph-format",
        lambda c: (
            lambda v: (
                f"{c.danish} is not a recognisable legal basis (e.g. SEL52.3.7, "
                "'SEL § 52, stk. 3, nr. 7', BL32.1.3): '" + v + "'"
            )
        ),
    )


_LENGTHS = contract.max_lengths()


def rule_too_long(st: Staged) -> pd.DataFrame:
    """too-long: a text value is longer than the store's column allows."""
    out = []
    lengths = _LENGTHS[st.spec.table]
    for c in st.spec.columns:
        if c.type in (contract.ID, contract.TEXT) and c.english in lengths:
            n = lengths[c.english]
            out.append(
                _problems(
                    st,
                    _raw(st, c.danish).str.len() > n,
                    c.danish,
                    "too-long",
                    f"{c.danish} is longer than {n} characters",
                )
            )
    return _concat(out)


def rule_duplicate_id(st: Staged) -> pd.DataFrame:
    """duplicate-id: the file's key occurs again (every occurrence but the first is rejected)."""
    key = list(st.spec.key)
    raw = st.raw.frame
    present = (raw[key] != "").all(axis=1)
    dup = raw[key].duplicated(keep="first") & present
    if not dup.any():
        return pd.DataFrame(columns=_COLUMNS)
    first_line = raw.loc[present].drop_duplicates(key, keep="first").set_index(key)[LINE]
    keys = pd.MultiIndex.from_frame(raw[key]) if len(key) > 1 else pd.Index(raw[key[0]])
    lines = pd.Series(first_line.reindex(keys).to_numpy(), index=raw.index)
    value = raw[key].astype(str).agg("/".join, axis=1) if len(key) > 1 else raw[key[0]]
    label = "/".join(key)
    return _problems(
        st,
        dup,
        label if len(key) > 1 else key[0],
        "duplicate-id",
        lambda v: f"{label} '" + v + "' already occurs on line " + lines.loc[v.index].astype(str),
        value=value,
    )


def rule_date_before_1990(st: Staged) -> pd.DataFrame:
    """date-before-1990: a date lies before 1 January 1990."""
    return _concat(
        [
            _problems(
                st,
                (_staged(st, c.danish) < _MIN_DATE).fillna(False),
                c.danish,
                "date-before-1990",
                lambda v, c=c: f"{c.danish} '" + v + "' is before 1990",
            )
            for c in _of_type(st, contract.DATE)
        ]
    )


def rule_date_after_extract(st: Staged, extract_date: dt.date) -> pd.DataFrame:
    """date-after-extract: a date lies after the extract date (deadlines excepted)."""
    limit = pd.Timestamp(extract_date)
    return _concat(
        [
            _problems(
                st,
                (_staged(st, c.danish) > limit).fillna(False),
                c.danish,
                "date-after-extract",
                lambda v, c=c: (
                    f"{c.danish} '" + v + f"' is after the extract date {extract_date.isoformat()}"
                ),
            )
            for c in _of_type(st, contract.DATE)
            if not c.future_ok
        ]
    )


def rule_end_before_start(st: Staged) -> pd.DataFrame:
    """end-before-start: slut/lukket/afsluttet/afgjort lies before its start date."""
    out = []
    for start, end in st.spec.date_pairs:
        s, e = _staged(st, start), _staged(st, end)
        out.append(
            _problems(
                st,
                (e < s).fillna(False),
                end,
                "end-before-start",
                lambda v, start=start, end=end: (
                    f"{end} '" + v + f"' is before {start} '" + _raw(st, start).loc[v.index] + "'"
                ),
            )
        )
    return _concat(out)


def rule_plan_without_date(st: Staged) -> pd.DataFrame:
    """plan-without-date: an action plan has neither udarbejdet nor tilbudt."""
    if st.spec.name != "handleplaner":
        return pd.DataFrame(columns=_COLUMNS)
    empty = (_raw(st, "udarbejdet") == "") & (_raw(st, "tilbudt") == "")
    return _problems(
        st, empty, "udarbejdet", "plan-without-date", "the plan has neither udarbejdet nor tilbudt"
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
    rule_duplicate_id,
    rule_date_before_1990,
    rule_end_before_start,
    rule_plan_without_date,
)


# ----------------------------------------------------------------- cross-file
def _ids(st: Staged, danish: str) -> pd.Series:
    return _staged(st, danish).dropna()


def rule_unknown_case(st: Staged, cases: Staged) -> pd.DataFrame:
    """unknown-case: sag_id does not exist in sager.csv."""
    case = _staged(st, "sag_id")
    bad = case.notna() & ~case.isin(_ids(cases, "sag_id"))
    return _problems(st, bad, "sag_id", "unknown-case", "sag_id '" + case + "' is not in sager")


def rule_unknown_caseworker(cases: Staged, employees: Staged) -> pd.DataFrame:
    """unknown-caseworker: sagsbehandler_id does not exist in medarbejdere.csv."""
    cw = _staged(cases, "sagsbehandler_id")
    bad = cw.notna() & ~cw.isin(_ids(employees, "medarbejder_id"))
    return _problems(
        cases,
        bad,
        "sagsbehandler_id",
        "unknown-caseworker",
        lambda v: "sagsbehandler_id '" + v + "' is not in medarbejdere",
    )


def _first_by_id(st: Staged, danish: str) -> pd.DataFrame:
    """The first row per id of a file (the one that counts), with the row's index label."""
    ids = _staged(st, danish)
    first = ~ids.duplicated(keep="first") & ids.notna()
    return st.frame.loc[first].assign(_row=st.frame.index[first]).set_index(ids[first])


def rule_unknown_measure(follow_ups: Staged, measures: Staged) -> pd.DataFrame:
    """unknown-measure: a follow-up's foranstaltning_id does not exist in foranstaltninger.csv."""
    m = _staged(follow_ups, "foranstaltning_id")
    bad = m.notna() & ~m.isin(_ids(measures, "foranstaltning_id"))
    return _problems(
        follow_ups,
        bad,
        "foranstaltning_id",
        "unknown-measure",
        lambda v: "foranstaltning_id '" + v + "' is not in foranstaltninger",
    )


def rule_measure_other_case(follow_ups: Staged, measures: Staged) -> pd.DataFrame:
    """measure-other-case: a follow-up's measure belongs to another case than its sag_id."""
    m = _staged(follow_ups, "foranstaltning_id")
    owner = m.map(_first_by_id(measures, "foranstaltning_id")["case_id"])
    case = _staged(follow_ups, "sag_id")
    bad = (owner.notna() & case.notna() & (owner != case)).fillna(False)
    return _problems(
        follow_ups,
        bad,
        "foranstaltning_id",
        "measure-other-case",
        lambda v: (
            "foranstaltning_id '"
            + v
            + "' belongs to case '"
            + owner.loc[v.index].astype(str)
            + "', not to sag_id '"
            + case.loc[v.index].astype(str)
            + "'"
        ),
    )


def rule_depends_on_rejected(
    st: Staged, column: str, parent: Staged, parent_column: str, rejected: pd.Series
) -> pd.DataFrame:
    """depends-on-rejected: the row refers to a parent row that was rejected.

    A parent id counts as rejected when no row with that id was kept.
    """
    pid = _staged(parent, parent_column)
    kept_ids = pid[~rejected & pid.notna()]
    lost = pid[rejected & pid.notna() & ~pid.isin(kept_ids)]
    lost_lines = (
        parent.raw.frame.loc[lost.index, LINE].groupby(lost.to_numpy()).first()
        if len(lost)
        else pd.Series(dtype="int64")
    )
    ref = _staged(st, column)
    bad = ref.isin(lost).fillna(False)
    what = "case" if parent.spec.name == "sager" else "measure"
    return _problems(
        st,
        bad,
        column,
        "depends-on-rejected",
        lambda v: (
            f"{what} '"
            + v
            + f"' was rejected ({parent.raw.label} line "
            + v.map(lost_lines).astype("Int64").astype(str)
            + "), so this row is rejected too"
        ),
        value=ref,
    )


# ------------------------------------------------------------------- the pass
@dataclass
class Validation:
    """Every problem found, and per file which rows are rejected (aligned to the staged frame)."""

    problems: pd.DataFrame  # PROBLEM_COLUMNS + row; CPR values masked
    rejected: dict[str, pd.Series]  # file name -> bool per staged row
    reasons: dict[str, pd.Series]  # file name -> "; "-joined rule codes per rejected row


def _rejected(st: Staged, problems: pd.DataFrame) -> pd.Series:
    errs = problems[problems["severity"] == ERROR]
    return pd.Series(st.frame.index.isin(errs[ROW].to_numpy()), index=st.frame.index)


def mask_problem_values(problems: pd.DataFrame) -> pd.DataFrame:
    """Mask CPR numbers: a cpr column's value as DDMMYY-XXXX; any CPR in values/messages too."""
    if problems.empty:
        return problems
    problems = problems.copy()
    value = problems["value"].astype("string")
    is_cpr = (problems["column"] == "cpr").fillna(False).to_numpy()
    if is_cpr.any():
        digits = value[is_cpr].str.replace(r"\D", "", regex=True)
        masked = (digits.str[:6] + "-XXXX").where(
            digits.str.len() >= 6, value[is_cpr].str.replace(r".", "X", regex=True)
        )
        value[is_cpr] = masked
    problems["value"] = mask_series(value)
    problems["message"] = mask_series(problems["message"])
    return problems


def validate_extract(staged: dict[str, Staged], extract_date: dt.date) -> Validation:
    """Run every rule over every file (parents first) and decide which rows are rejected."""
    per_file: dict[str, list[pd.DataFrame]] = {}
    for name, st in staged.items():
        per_file[name] = [rule(st) for rule in ROW_RULES]
        per_file[name].append(rule_date_after_extract(st, extract_date))

    cases, employees, measures = staged["sager"], staged["medarbejdere"], staged["foranstaltninger"]
    per_file["sager"].append(rule_unknown_caseworker(cases, employees))

    rejected: dict[str, pd.Series] = {}
    for name in ("medarbejdere", "sager"):
        rejected[name] = _rejected(staged[name], _concat(per_file[name]))

    for name, st in staged.items():
        if name in ("medarbejdere", "sager"):
            continue
        per_file[name].append(rule_unknown_case(st, cases))
        per_file[name].append(
            rule_depends_on_rejected(st, "sag_id", cases, "sag_id", rejected["sager"])
        )
    rejected["foranstaltninger"] = _rejected(measures, _concat(per_file["foranstaltninger"]))

    follow_ups = staged["opfoelgninger"]
    per_file["opfoelgninger"] += [
        rule_unknown_measure(follow_ups, measures),
        rule_measure_other_case(follow_ups, measures),
        rule_depends_on_rejected(
            follow_ups,
            "foranstaltning_id",
            measures,
            "foranstaltning_id",
            rejected["foranstaltninger"],
        ),
    ]

    frames = []
    reasons: dict[str, pd.Series] = {}
    for name, st in staged.items():
        problems = _concat(per_file[name])
        if len(problems):
            problems = problems.sort_values(["line", "column"], kind="stable")
        rejected[name] = _rejected(st, problems)
        errs = problems[problems["severity"] == ERROR]
        reasons[name] = (
            errs.groupby(ROW)["rule"].agg(lambda r: "; ".join(dict.fromkeys(r)))
            if len(errs)
            else pd.Series(dtype="string")
        )
        frames.append(problems)
    problems = _concat(frames)
    return Validation(
        problems=mask_problem_values(problems.reset_index(drop=True)),
        rejected=rejected,
        reasons=reasons,
    )
