"""Problems as data: the record every ETL stage reports with.

A `Problem` is one finding: the rule it broke (a stable code catalogued in
`vocab.PROBLEM_CODES`, whose Danish label names the rule), a Danish sentence
with the specifics for the user (`sag_id 'S123' findes ikke i sager.csv`), and
where (file, line, column, value): the file and line are fields, not repeated
in the message, and no exception or SQL text goes into a message. Validation works on frames of problems (`PROBLEM_COLUMNS`,
one row per problem) for speed; `Problem` is the same record one at a time.
CPR masking lives in `cpr`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from vocab import Severity

PROBLEM_COLUMNS = ["file", "line", "column", "value", "rule", "message", "severity"]


@dataclass(frozen=True)
class Problem:
    """One problem found in an extract. `line` is the file's line (header = 1, the first
    row 2); `message` is Danish."""

    rule: str
    message: str
    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = Severity.ERROR

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class ExtractRefused(Exception):
    """The extract as a whole cannot be loaded (missing/empty/unreadable file, ...)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.file}: {p.message}" for p in self.deciding))

    @property
    def deciding(self) -> list[Problem]:
        """The problems that refused the extract: its errors (all problems if none is one)."""
        return [p for p in self.problems if p.severity == Severity.ERROR] or self.problems


def problems_frame(problems: list[Problem] | None = None) -> pd.DataFrame:
    """Problems as a frame with `PROBLEM_COLUMNS`, one row per problem (empty for none)."""
    rows = [p.as_dict() for p in problems or []]
    df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    df["line"] = df["line"].astype("Int64")
    df["severity"] = df["severity"].astype(object).map(str)
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
                severity=Severity(str(rec["severity"])),
            )
        )
    return out
