"""One extract read, staged and validated: what a load writes, without a database.

`prepare(path)` is the ETL's single entry for the load job: read the files
(`etl.read`), stage them into typed English frames (`etl.staging`), run every
validation rule (`etl.validate`) and split each file into the rows kept (the
store frames) and the rows rejected (kept raw, with their reasons). Pure: no
SQL, no store; an extract that cannot be loaded at all raises `ExtractRefused`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import contract
from etl.problems import PROBLEM_COLUMNS, ExtractRefused, Problem, problems_frame
from etl.read import LINE, Extract, RawFile, read_extract
from etl.staging import (
    FIRST_DATE,
    LAST_DATE,
    STAGERS,
    Staged,
    empty_raw,
    parse_dates,
    stage,
    to_store,
)
from etl.validate import Validation, mask_problem_values, validate_extract
from vocab import Severity

REJECTED_COLUMNS = ["file", "line", "reasons", "raw"]


@dataclass
class Prepared:
    """An extract read, staged and validated: what the load transaction writes."""

    extract: Extract
    extract_date: dt.date
    source_system: str | None
    frames: dict[str, pd.DataFrame]  # table name -> store frame, one row per kept row
    problems: pd.DataFrame  # PROBLEM_COLUMNS, one row per problem, CPR-masked
    rejected_rows: pd.DataFrame  # REJECTED_COLUMNS, one row per rejected row (raw: JSON text)
    rows_loaded: dict[str, int]  # file label -> rows kept
    rows_rejected: dict[str, int]  # file label -> rows rejected


def extract_date_of(
    extract: Extract, as_of: dt.date | None, today: dt.date
) -> tuple[dt.date, str | None, list[Problem]]:
    """The extract date (`as_of`, else the manifest's, else today) and the source system.

    Also the warnings that go with the choice (no date anywhere: today is used). A
    manifest date that is no date, or lies outside the years an extract may hold
    (1990-2100), refuses the extract (unless `as_of` is given: then it is not used).
    """
    manifest = extract.manifest
    source: str | None = None
    manifest_date: dt.date | None = None
    if manifest is not None and len(manifest.frame):
        row = manifest.frame.iloc[0]
        source = str(row.get(contract.MANIFEST_SOURCE, "")) or None
        raw = str(row.get(contract.MANIFEST_DATE, ""))
        if raw and as_of is None:
            manifest_date = _manifest_date(manifest, raw)
    if as_of is not None:
        return as_of, source, []
    if manifest_date is not None:
        return manifest_date, source, []
    warning = Problem(
        "no-extract-date",
        f"Udtrækket har ingen udtræksdato (kolonnen {contract.MANIFEST_DATE}); "
        f"dags dato {today.isoformat()} er brugt",
        file=manifest.label if manifest is not None else "manifest.csv",
        column=contract.MANIFEST_DATE,
        severity=Severity.WARNING,
    )
    return today, source, [warning]


def _manifest_date(manifest: RawFile, raw: str) -> dt.date:
    """The manifest's extract date; raises `ExtractRefused` when it is no usable date."""
    parsed = parse_dates(pd.Series([raw], dtype=str)).iloc[0]
    if pd.isna(parsed):
        rule, why = "date-format", f"er ikke en gyldig dato ({contract.DATE_FORMATS_TEXT})"
    elif parsed < FIRST_DATE:
        rule, why = "date-before-1990", f"ligger før {contract.MIN_YEAR}"
    elif parsed > LAST_DATE:
        rule, why = "date-after-2100", f"ligger efter {contract.MAX_YEAR}"
    else:
        return parsed.date()
    line = manifest.frame[LINE].iloc[0]
    raise ExtractRefused(
        [
            Problem(
                rule,
                f"{contract.MANIFEST_DATE} '{raw}' {why}; udtrækket kan ikke dateres",
                file=manifest.label,
                line=int(line),
                column=contract.MANIFEST_DATE,
                value=raw,
            )
        ]
    )


def rejected_rows_frame(staged: Staged, rejected: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """The rejected rows of one file, one row each: file, line, reasons, raw values (JSON)."""
    raw = staged.raw.frame.loc[rejected.to_numpy()]
    if raw.empty:
        return pd.DataFrame(columns=REJECTED_COLUMNS)
    values = raw.drop(columns=[LINE])
    return pd.DataFrame(
        {
            "file": staged.raw.label,
            "line": raw[LINE].astype("int64").to_numpy(),
            "reasons": reasons.reindex(raw.index).fillna("").astype(str).str[:2000].to_numpy(),
            "raw": [json.dumps(r, ensure_ascii=False) for r in values.to_dict("records")],
        }
    )


def prepare(
    path: Path | str,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    *,
    accept_empty: bool = False,
) -> Prepared:
    """Read, stage and validate an extract (no database). Raises `ExtractRefused`.

    `accept_empty`: a required file with a header and no rows is read (as no rows)
    instead of refused; the load job passes it when an operator forces the load."""
    today = today or dt.date.today()
    extract = read_extract(path, accept_empty=accept_empty)
    extract_date, source, date_problems = extract_date_of(extract, as_of, today)
    staged: dict[str, Staged] = {}
    for spec in contract.FILES:
        raw = extract.files.get(spec.name)
        staged[spec.name] = (
            STAGERS[spec.name](raw) if raw is not None else stage(empty_raw(spec), spec)
        )
    validation: Validation = validate_extract(staged, extract_date)
    frames: dict[str, pd.DataFrame] = {}
    rejected_parts = []
    loaded: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for spec in contract.FILES:
        st = staged[spec.name]
        is_rejected = validation.rejected[spec.name]
        frames[spec.table] = to_store(st, ~is_rejected)
        if spec.name in extract.files:
            loaded[st.raw.label] = int((~is_rejected).sum())
            rejected[st.raw.label] = int(is_rejected.sum())
        rejected_parts.append(rejected_rows_frame(st, is_rejected, validation.reasons[spec.name]))
    reading = problems_frame(extract.problems + date_problems)
    problems = pd.concat(
        [f for f in (reading, validation.problems[PROBLEM_COLUMNS]) if len(f)]
        or [problems_frame()],
        ignore_index=True,
    )
    parts = [p for p in rejected_parts if len(p)]
    rejected_rows = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECTED_COLUMNS)
    )
    return Prepared(
        extract=extract,
        extract_date=extract_date,
        source_system=source,
        frames=frames,
        problems=mask_problem_values(problems),
        rejected_rows=rejected_rows,
        rows_loaded=loaded,
        rows_rejected=rejected,
    )
