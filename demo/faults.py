"""Fault injection: the mistakes real extracts have, chosen by the contract's column types.

`inject_faults(rng, frames, rate)` breaks about `rate` of the rows of every
file concerned per kind of fault (at least one row each), never two faults in
one row, and logs each fault with the problem code the ETL should raise for
it. What can break follows from `etl.contract`, not from a list of columns:

- `end_before_start`: the end of a declared date pair (`lukket`, `slut`, ...)
  set before its start (`end-before-start`);
- `bad_date`: an impossible date in an accepted format (31 February, month
  13) or words (`i går`) in a date column (`date-format`);
- `bad_bool`: a yes/no cell that is no accepted spelling (`bool-format`);
- `bad_cpr`: a CPR number whose date part is not a real date (`cpr-date`);
- `bad_enum`: a value an enumeration does not allow (`enum`);
- `bad_paragraph`: a legal basis that names no law (`paragraph-format`);
- `unknown_reference`: an id the referred-to file lacks, in every declared
  reference (`unknown-case`, `unknown-caseworker`, `unknown-measure`);
- `other_case_reference`: where a reference must stay within the row's case,
  an id of another case's row (`measure-other-case`);
- `duplicate_id`: a row repeated with its key, a little corrected
  (`duplicate-id`).

Where a file has required columns of a type, only those are broken (a row
without them is meaningless); else any column of the type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demo.extract_text import in_shape
from etl import contract

FAULT_KINDS: tuple[str, ...] = (
    "end_before_start",
    "bad_date",
    "bad_bool",
    "bad_cpr",
    "bad_enum",
    "bad_paragraph",
    "unknown_reference",
    "other_case_reference",
    "duplicate_id",
)
FAULT_COLUMNS = ["file", "line", "column", "value", "kind", "rule"]

# Words where a date, a yes/no, a value of an enumeration or a legal basis belongs.
DATE_WORDS = ("i går",)
BAD_BOOLEANS = ("måske", "x", "?")
BAD_ENUM_VALUES = ("andet", "ukendt", "sms")
BAD_PARAGRAPHS = ("§ 52, stk. 3", "paragraf 107", "se journal")
Maker = Callable[[np.random.Generator, int], np.ndarray]  # n bad texts from a generator

# Date parts that make no date: 31 February, month 13.
_IMPOSSIBLE_DAYS = (("31", "02", "2024"), ("01", "13", "2024"))
_CORRECTED = " (rettet)"


def bad_dates() -> tuple[str, ...]:
    """Texts that are not dates: impossible days in every accepted format, and words."""
    out = [
        fmt.pattern.replace("%d", d).replace("%m", m).replace("%Y", y)
        for fmt in contract.DATE_FORMATS
        for d, m, y in _IMPOSSIBLE_DAYS
    ]
    return (*out, *DATE_WORDS)


def bad_cprs(rng: np.random.Generator, n: int) -> np.ndarray:
    """CPR numbers in the canonical shape whose date part (DDMMYY) is not a real date
    (a demo serial, 9xxx, as every demo CPR number has)."""
    day_month = pd.Series(["3102", "3002", "3204", "0013", "3111"], dtype=object)
    digits = (
        day_month.iloc[rng.integers(0, len(day_month), n)].reset_index(drop=True)
        + pd.Series(rng.integers(0, 100, n)).astype(str).str.zfill(2).astype(object)
        + pd.Series(rng.integers(9000, 10000, n)).astype(str).astype(object)
    )
    return in_shape(digits, contract.CPR_SHAPES[0]).to_numpy(dtype=object)


def _choose(values: tuple[str, ...]) -> Maker:
    """A maker of n texts drawn from `values`."""

    def make(rng: np.random.Generator, n: int) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(0, len(values), n)]

    return make


def unknown_ids(rng: np.random.Generator, known: pd.Series, n: int) -> np.ndarray:
    """n ids shaped like `known` (same letters, as many digits, starting with 9) but not in it."""
    sample = str(known.iloc[0]) if len(known) else "X0000"
    prefix = sample.rstrip("0123456789") or "X"
    width = max(len(sample) - len(prefix), 4)
    taken = set(known)
    out: list[str] = []
    while len(out) < n:
        for number in rng.integers(9 * 10 ** (width - 1), 10**width, n - len(out)):
            candidate = f"{prefix}{number}"
            if candidate not in taken:
                out.append(candidate)
                taken.add(candidate)
    return np.array(out, dtype=object)


@dataclass
class _File:
    """One file while it is being broken: its frame, the rows taken and the log."""

    spec: contract.FileSpec
    frame: pd.DataFrame
    rate: float
    taken: set[int] = field(default_factory=set)
    # (row position, column, value written, kind, expected rule), one per fault
    log: list[tuple[int, str, str, str, str]] = field(default_factory=list)

    def pick(self, rng: np.random.Generator, pool: np.ndarray | None = None) -> np.ndarray:
        """Rows for one fault kind: about `rate` of the file (at least one), none taken yet."""
        rows = np.arange(len(self.frame)) if pool is None else pool
        free = np.array([r for r in rows if r not in self.taken], dtype="int64")
        want = max(1, round(self.rate * len(self.frame)))
        got = np.sort(rng.choice(free, min(want, len(free)), replace=False))
        self.taken.update(int(r) for r in got)
        return got

    def put(
        self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray, kind: str, rule: str
    ) -> None:
        """Write `values` into the (row, column) cells and log them."""
        for column in pd.unique(columns):
            here = columns == column
            position = self.frame.columns.get_loc(column)
            self.frame.iloc[rows[here], position] = values[here]
        self.log += [
            (int(r), str(c), str(v), kind, rule)
            for r, c, v in zip(rows, columns, values, strict=True)
        ]


def _targets(spec: contract.FileSpec, kind: str, present: pd.Index) -> list[str]:
    """The Danish columns of one type to break: the required ones if any, else all."""
    columns = [c for c in spec.of_type(kind) if c.danish in present]
    required = [c for c in columns if c.required]
    return [c.danish for c in (required or columns)]


def _in_columns(
    rng: np.random.Generator,
    f: _File,
    fault: tuple[str, str, str, Maker],
) -> None:
    """One fault (kind, column type, rule, maker of bad texts); each row in one column."""
    kind, col_type, rule, make = fault
    targets = _targets(f.spec, col_type, f.frame.columns)
    if not targets or f.frame.empty:
        return
    rows = f.pick(rng)
    columns = np.array(targets, dtype=object)[rng.integers(0, len(targets), len(rows))]
    f.put(rows, columns, make(rng, len(rows)), kind, rule)


# Faults in the cells of one column type: (kind, type, expected rule, bad texts).
CELL_FAULTS: tuple[tuple[str, str, str, Maker], ...] = (
    ("bad_date", contract.DATE, "date-format", _choose(bad_dates())),
    ("bad_bool", contract.BOOL, "bool-format", _choose(BAD_BOOLEANS)),
    ("bad_cpr", contract.CPR, "cpr-date", bad_cprs),
    ("bad_enum", contract.ENUM, "enum", _choose(BAD_ENUM_VALUES)),
    ("bad_paragraph", contract.PARAGRAPH, "paragraph-format", _choose(BAD_PARAGRAPHS)),
)


def _end_before_start(rng: np.random.Generator, f: _File) -> None:
    canonical = contract.DATE_FORMATS[0].pattern
    for start, end in f.spec.date_pairs:
        if start not in f.frame.columns or end not in f.frame.columns:
            continue
        starts = pd.to_datetime(f.frame[start], format=canonical, errors="coerce")
        rows = f.pick(rng, np.flatnonzero(starts.notna().to_numpy()))
        if not len(rows):
            continue
        days = pd.to_timedelta(rng.integers(1, 60, len(rows)), unit="D")
        ends = (starts.iloc[rows] - days).dt.strftime(canonical).to_numpy(dtype=object)
        columns = np.full(len(rows), end, dtype=object)
        f.put(rows, columns, ends, "end_before_start", "end-before-start")


def _references(rng: np.random.Generator, f: _File, files: dict[str, _File]) -> None:
    for column in f.spec.references:
        ref = column.references
        if ref is None or column.danish not in f.frame.columns or ref.target not in files:
            continue
        target = files[ref.target]
        key = target.frame[target.spec.key[0]]
        rows = f.pick(rng)
        f.put(
            rows,
            np.full(len(rows), column.danish, dtype=object),
            unknown_ids(rng, key, len(rows)),
            "unknown_reference",
            ref.unknown_rule,
        )
        if ref.same_case_rule is not None:
            _other_case(rng, f, column, target, ref.same_case_rule)


def _other_case(
    rng: np.random.Generator, f: _File, column: contract.Column, target: _File, rule: str
) -> None:
    """Ids of target rows that belong to another case than the referring row's."""
    own, theirs = f.spec.case_column, target.spec.case_column
    if own is None or theirs is None or target.frame.empty:
        return
    clean = np.array([r for r in range(len(target.frame)) if r not in target.taken])
    if not len(clean):
        return
    rows = f.pick(rng, np.flatnonzero((f.frame[column.danish] != "").to_numpy()))
    choice = clean[rng.integers(0, len(clean), len(rows))]
    cases = f.frame[own.danish].to_numpy(dtype=object)[rows]
    other = target.frame[theirs.danish].to_numpy(dtype=object)[choice]
    keep = other != cases
    ids = target.frame[column.danish].to_numpy(dtype=object)[choice]
    f.taken.difference_update(int(r) for r in rows[~keep])
    columns = np.full(int(keep.sum()), column.danish, dtype=object)
    f.put(rows[keep], columns, ids[keep], "other_case_reference", rule)


def _duplicates(rng: np.random.Generator, f: _File) -> None:
    """Repeat rows right after themselves, the copy a little corrected (a later edit)."""
    if f.frame.empty:
        return
    rows = f.pick(rng)
    copies = f.frame.iloc[rows].copy()
    optional = [c for c in f.spec.columns if not c.required and c.danish in f.frame.columns]
    texts = [c for c in optional if c.type == contract.TEXT]
    enums = [c for c in optional if c.type == contract.ENUM]
    if texts:
        cells = copies[texts[0].danish]
        copies[texts[0].danish] = cells.where(cells == "", cells + _CORRECTED)
    elif enums:
        values = enums[0].values
        following = {v: values[(i + 1) % len(values)] for i, v in enumerate(values)}
        copies[enums[0].danish] = copies[enums[0].danish].map(lambda v: following.get(v, v))
    # Originals at even places, each copy right after its original (at the odd place).
    n_rows = len(f.frame)
    place = np.concatenate([np.arange(n_rows) * 2, rows * 2 + 1])
    both = pd.concat([f.frame, copies], ignore_index=True)
    order = np.argsort(place, kind="stable")
    f.frame = both.iloc[order].reset_index(drop=True)
    new_position = np.empty(len(place), dtype="int64")
    new_position[order] = np.arange(len(place))
    f.log = [(int(new_position[pos]), *rest) for pos, *rest in f.log]
    key = "/".join(f.spec.key)
    values = copies[list(f.spec.key)].astype(str).agg("/".join, axis=1).to_numpy()
    for i, value in enumerate(values):
        f.log.append((int(new_position[n_rows + i]), key, value, "duplicate_id", "duplicate-id"))


def inject_faults(
    rng: np.random.Generator, frames: dict[str, pd.DataFrame], rate: float
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Break about `rate` of the rows per fault kind and file; return the frames and the log.

    The log has one row per fault (`FAULT_COLUMNS`): the file's label, the line
    (header = 1), the column, the value written, the kind and the expected rule.
    """
    files = {
        spec.name: _File(spec, frames[spec.name].copy(), rate)
        for spec in contract.FILES
        if spec.name in frames
    }
    for f in files.values():  # parents first: a reference may pick its target's clean rows
        _end_before_start(rng, f)
        for fault in CELL_FAULTS:
            _in_columns(rng, f, fault)
        _references(rng, f, files)
    for f in files.values():
        _duplicates(rng, f)
    log = pd.DataFrame(
        [
            (f"{name}.csv", pos + 2, column, value, kind, rule)
            for name, f in files.items()
            for pos, column, value, kind, rule in f.log
        ],
        columns=FAULT_COLUMNS,
    )
    return {name: f.frame for name, f in files.items()}, log
