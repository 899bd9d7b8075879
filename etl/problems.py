"""Problems as data: the record every ETL layer reports with, and CPR masking.

A `Problem` is one finding: the rule it broke (a stable code), a clear
English message, and where (file, line, column, value). Validation works on
frames of problems (`PROBLEM_COLUMNS`, one row per problem) for speed;
`Problem` is the same record one at a time.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

ERROR = "error"
WARNING = "warning"

PROBLEM_COLUMNS = ["file", "line", "column", "value", "rule", "message", "severity"]

# A CPR number anywhere in a text: DDMMYY, optional dash or space, SSSS.
_CPR_ANYWHERE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")


@dataclass(frozen=True)
class Problem:
    """One problem found in an extract. `line` is the file's line (header = 1)."""

    rule: str
    message: str
    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class ExtractRefused(Exception):
    """The extract as a whole cannot be loaded (missing/empty/unreadable file, ...)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == ERROR] or problems
        super().__init__("; ".join(f"{p.file}: {p.message}" for p in errors))


def mask_cpr_text(text: str | None) -> str | None:
    """Mask every CPR number in a text as DDMMYY-XXXX."""
    if text is None:
        return None
    return _CPR_ANYWHERE.sub(r"\1-XXXX", text)


def mask_cpr_value(value: str | None) -> str | None:
    """Mask a value read from a CPR column, whatever its shape: keep at most the date part."""
    if value is None:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6:
        return digits[:6] + "-XXXX"
    return "X" * len(value)


def mask_series(s: pd.Series) -> pd.Series:
    """`mask_cpr_text` over a series (vectorised)."""
    return s.astype("string").str.replace(_CPR_ANYWHERE, r"\1-XXXX", regex=True)


def problems_frame(problems: list[Problem] | None = None) -> pd.DataFrame:
    """Problems as a frame with `PROBLEM_COLUMNS` (an empty one for none)."""
    rows = [p.as_dict() for p in problems or []]
    df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    df["line"] = df["line"].astype("Int64")
    return df


def problems_from_frame(df: pd.DataFrame) -> list[Problem]:
    """The rows of a problems frame as `Problem` records."""
    out: list[Problem] = []
    for rec in (
        df[PROBLEM_COLUMNS]
        .astype(object)
        .where(df[PROBLEM_COLUMNS].notna(), None)
        .to_dict("records")
    ):
        line = rec["line"]
        out.append(
            Problem(
                rule=str(rec["rule"]),
                message=str(rec["message"]),
                file=str(rec["file"]),
                line=int(line) if line is not None else None,
                column=rec["column"],
                value=rec["value"],
                severity=str(rec["severity"]),
            )
        )
    return out
