"""The shared pieces of the validation rules: problem rows of one staged file.

Every rule of `etl.validate` and `etl.cross_file` reports through
`problem_rows`: one row per problem with `PROBLEM_COLUMNS` plus `row` (the
staged frame's index label), values shown with control characters written
out (`visible`), so that a NUL never reaches the store. Pure pandas.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from etl import contract
from etl.problems import PROBLEM_COLUMNS
from etl.read import LINE
from etl.staging import Staged
from vocab import Severity

ROW = "row"
ROW_COLUMNS = [ROW, *PROBLEM_COLUMNS]
# Control characters (C0, DEL, C1): none may stand in an id; text may hold tab and line ends.
CONTROL = r"[\x00-\x1f\x7f-\x9f]"
CONTROL_IN_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"

Message = str | pd.Series


def problem_rows(
    st: Staged,
    mask: pd.Series | np.ndarray,
    column: str | None,
    rule: str,
    message: Message | Callable[[pd.Series], Message],
    value: pd.Series | None = None,
    severity: Severity = Severity.ERROR,
) -> pd.DataFrame:
    """One problem per row of `st` where `mask` holds, about Danish `column`."""
    mask = np.asarray(mask, dtype=bool)
    raw = st.raw.frame
    idx = raw.index[mask]
    if len(idx) == 0:
        return pd.DataFrame(columns=ROW_COLUMNS)
    if value is None:
        value = raw.loc[idx, column] if column in raw.columns else pd.Series("", index=idx)
    else:
        value = value.loc[idx]
    value = visible(value.astype("string"))
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
            "severity": str(severity),
        },
        index=idx,
    )


def visible(values: pd.Series) -> pd.Series:
    """Values with every control character written out as `\\xNN` (a NUL cannot be stored)."""
    return values.str.replace(CONTROL, lambda m: f"\\x{ord(m.group(0)):02x}", regex=True).astype(
        "string"
    )


def raw_cells(st: Staged, danish: str) -> pd.Series:
    raw = st.raw.frame
    return raw[danish] if danish in raw.columns else pd.Series("", index=raw.index, dtype=str)


def staged_cells(st: Staged, danish: str) -> pd.Series:
    return st.frame[st.spec.column(danish).english]


def cast_failed(st: Staged, col: contract.Column) -> pd.Series:
    """Cells with text that did not cast."""
    return (raw_cells(st, col.danish) != "") & staged_cells(st, col.danish).isna()


def concat_problems(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=ROW_COLUMNS)
    return pd.concat(frames, ignore_index=True)
