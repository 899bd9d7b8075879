"""Layer 2, staging: rename each file's columns to English and cast them, one to one.

One staging function per file; each returns a `Staged` whose frame has one
row per row of the raw file (same index), the English store column names,
and the store's dtypes: text as pandas `string`, dates `datetime64[ns]`,
booleans nullable `boolean` (validation decides what is kept). A cell that
cannot be cast becomes missing (NA/NaT); `etl.validate` finds those by
comparing with the raw text. Nothing is dropped here.

Casts work on the distinct values of a column (dates, paragraphs, flags
repeat a lot), so cost grows with distinct values, not rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl import contract
from etl.contract import FileSpec
from etl.read import RawFile

PARAGRAPH_CODE = re.compile(r"^(?:SEL|BL)\d+[a-z]?(?:\.\d+(?:\.\d+)?)?$")
_LAW = re.compile(
    r"^\s*(servicelovens?|lov\s+om\s+social\s+service|sel|barnets\s*lovs?|bl)\.?\s*(.*)$",
    re.IGNORECASE,
)
_SECTION = re.compile(
    r"^§*\s*(\d+)\s*([a-z](?![a-z]))?"
    r"(?:\s*,?\s*(?:stk\.?|\.)\s*(\d+)"
    r"(?:\s*,?\s*(?:nr\.?|\.)\s*(\d+))?)?"
    r"\s*[.,]?\s*$",
    re.IGNORECASE,
)


@dataclass
class Staged:
    """One file after staging: `frame` (English, cast) and `raw` share their index."""

    spec: FileSpec
    raw: RawFile
    frame: pd.DataFrame


# ------------------------------------------------------------------- casts
def _by_distinct(s: pd.Series, cast: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply `cast` to the distinct values of `s` and spread the result back."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = cast(pd.Series(uniques, dtype="string"))
    values = mapped.to_numpy()
    return pd.Series(values[codes], index=s.index).astype(mapped.dtype)


# The dates an extract may hold (`contract.MIN_YEAR` to `contract.MAX_YEAR`).
FIRST_DATE = pd.Timestamp(contract.MIN_YEAR, 1, 1)
LAST_DATE = pd.Timestamp(contract.MAX_YEAR, 12, 31)


def _dates(u: pd.Series) -> pd.Series:
    """Every real date from year 1 to 9999 (microsecond resolution: no overflow)."""
    first, *others = contract.DATE_FORMATS
    out = pd.to_datetime(u, format=first.pattern, errors="coerce").astype("datetime64[us]")
    for fmt in others:
        todo = out.isna() & (u != "")
        if todo.any():
            out[todo] = pd.to_datetime(u[todo], format=fmt.pattern, errors="coerce").astype(
                "datetime64[us]"
            )
    return out


def parse_dates(s: pd.Series) -> pd.Series:
    """Any of `contract.DATE_FORMATS` to datetime64[us], whatever the year (0001-01-01 and
    9999-12-31 included); empty or not a real date -> NaT. Never raises on a date value."""
    if len(s) == 0:
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    return _by_distinct(s, _dates)


def cast_dates(s: pd.Series) -> pd.Series:
    """Any of `contract.DATE_FORMATS` (YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY) to
    datetime64[ns]; empty, invalid, or outside the contract's years (before 1990,
    after 2100) -> NaT. `etl.validate` tells those apart from the raw text; in an
    end column a date after 2100 is "no end" and NaT is what is stored."""
    dates = parse_dates(s)
    inside = (dates >= FIRST_DATE) & (dates <= LAST_DATE)
    return dates.where(inside).astype("datetime64[ns]")


def cast_bools(s: pd.Series, default: bool | None) -> pd.Series:
    """`contract.BOOLEAN_SPELLINGS` (J/N, ja/nej, 1/0, true/false; any case) to nullable
    boolean; empty -> default."""
    low = s.str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(contract.TRUE_WORDS)] = True
    out[low.isin(contract.FALSE_WORDS)] = False
    if default is not None:
        out[low == ""] = default
    return out


def normalise_cpr(s: pd.Series) -> pd.Series:
    """Any of `contract.CPR_SHAPES` (DDMMYY-SSSS, DDMMYYSSSS) to DDMMYY-SSSS; anything
    else -> NA (date part not checked)."""
    s = s.astype("string")
    ok = s.str.fullmatch(contract.CPR_PATTERN).fillna(False).astype(bool)
    digits = s.str.replace(r"\D", "", regex=True)
    out = pd.Series("", index=s.index, dtype="string")
    start = 0
    for part in contract.cpr_shape_parts(contract.CPR_SHAPES[0]):
        if isinstance(part, int):
            out = out + digits.str.slice(start, start + part)
            start += part
        else:
            out = out + part
    return out.where(ok, pd.NA).astype("string")


def _paragraph_one(text: str) -> str | None:
    law = _LAW.match(text)
    if not law:
        return None
    section = _SECTION.match(law.group(2))
    if not section:
        return None
    name = law.group(1).lower()
    code = "BL" if name.startswith(("b", "bl")) else "SEL"
    num, letter, stk, nr = section.groups()
    code += num + (letter.lower() if letter else "")
    if stk:
        code += "." + stk
        if nr:
            code += "." + nr
    return code


def _paragraphs(u: pd.Series) -> pd.Series:
    return pd.Series([_paragraph_one(v) for v in u.tolist()], index=u.index, dtype="string")


def normalise_paragraph(s: pd.Series) -> pd.Series:
    """Human spellings of a legal basis to the code: `SEL § 52, stk. 3, nr. 7` -> `SEL52.3.7`.

    Accepts SEL/serviceloven(s)/lov om social service and BL/barnets lov, any
    case, with or without §, commas, periods and spaces. Unrecognised -> NA.
    Runs once per distinct value.
    """
    if len(s) == 0:
        return s.astype("string")
    return _by_distinct(s, _paragraphs)


def cast_enum(s: pd.Series, values: tuple[str, ...]) -> pd.Series:
    """Lower-cased value if it is one of `values`; anything else -> NA."""
    low = s.str.lower().astype("string")
    return low.where(low.isin(values), pd.NA).astype("string")


def cast_text(s: pd.Series) -> pd.Series:
    """Text as pandas string; an empty cell -> NA."""
    out = s.astype("string")
    return out.where(out != "", pd.NA)


# ----------------------------------------------------------------- staging
def _cast(col: contract.Column, s: pd.Series) -> pd.Series:
    if col.type == contract.DATE:
        return cast_dates(s)
    if col.type == contract.BOOL:
        return cast_bools(s, col.default)
    if col.type == contract.CPR:
        return normalise_cpr(s)
    if col.type == contract.PARAGRAPH:
        return normalise_paragraph(s)
    if col.type == contract.ENUM:
        return cast_enum(s, col.values)
    return cast_text(s)


def stage(raw: RawFile, spec: FileSpec) -> Staged:
    """Rename and cast one raw file to its store table's columns (one row per raw row).

    A column the file does not have (optional columns only: read refuses a
    missing required one) is staged as all empty.
    """
    df = raw.frame
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        s = df[col.danish] if col.danish in df.columns else pd.Series("", index=df.index, dtype=str)
        out[col.english] = _cast(col, s)
    frame = pd.DataFrame(out, index=df.index)
    return Staged(spec=spec, raw=raw, frame=frame)


def stage_employees(raw: RawFile) -> Staged:
    """employees: one row per row of medarbejdere.csv (one per caseworker)."""
    return stage(raw, contract.BY_NAME["medarbejdere"])


def stage_cases(raw: RawFile) -> Staged:
    """cases: one row per row of sager.csv (one per citizen per center)."""
    return stage(raw, contract.BY_NAME["sager"])


def stage_measures(raw: RawFile) -> Staged:
    """measures: one row per row of foranstaltninger.csv (one per granted measure)."""
    return stage(raw, contract.BY_NAME["foranstaltninger"])


def stage_action_plans(raw: RawFile) -> Staged:
    """action_plans: one row per row of handleplaner.csv (one per action plan)."""
    return stage(raw, contract.BY_NAME["handleplaner"])


def stage_follow_ups(raw: RawFile) -> Staged:
    """follow_ups: one row per row of opfoelgninger.csv (one per follow-up done)."""
    return stage(raw, contract.BY_NAME["opfoelgninger"])


def stage_investigations(raw: RawFile) -> Staged:
    """investigations: one row per row of undersoegelser.csv (one per investigation)."""
    return stage(raw, contract.BY_NAME["undersoegelser"])


def stage_applications(raw: RawFile) -> Staged:
    """applications: one row per row of ansoegninger.csv (one per application)."""
    return stage(raw, contract.BY_NAME["ansoegninger"])


def stage_complaints(raw: RawFile) -> Staged:
    """complaints: one row per row of klager.csv (one per complaint)."""
    return stage(raw, contract.BY_NAME["klager"])


def stage_reviews(raw: RawFile) -> Staged:
    """reviews: one row per row of gennemgange.csv (one per case per campaign)."""
    return stage(raw, contract.BY_NAME["gennemgange"])


STAGERS: dict[str, Callable[[RawFile], Staged]] = {
    "medarbejdere": stage_employees,
    "sager": stage_cases,
    "foranstaltninger": stage_measures,
    "handleplaner": stage_action_plans,
    "opfoelgninger": stage_follow_ups,
    "undersoegelser": stage_investigations,
    "ansoegninger": stage_applications,
    "klager": stage_complaints,
    "gennemgange": stage_reviews,
}


def empty_raw(spec: FileSpec) -> RawFile:
    """A raw file with the spec's columns and no rows (an optional file that is absent)."""
    from etl.read import LINE

    frame = pd.DataFrame({c: pd.Series([], dtype=str) for c in spec.danish_columns})
    frame[LINE] = pd.Series([], dtype=np.int64)
    return RawFile(name=spec.name, label=f"{spec.name}.csv", frame=frame, sha256="")


def to_store(staged: Staged, keep: pd.Series) -> pd.DataFrame:
    """The kept rows in the store's dtypes: text string, dates datetime64[ns], bools bool
    (nullable boolean for a column without a default: empty stays unknown)."""
    df = staged.frame.loc[keep.to_numpy()].reset_index(drop=True)
    for col in staged.spec.columns:
        if col.type == contract.BOOL:
            if col.default is None:
                df[col.english] = df[col.english].astype("boolean")
            else:
                df[col.english] = df[col.english].fillna(col.default).astype(bool)
    return df
