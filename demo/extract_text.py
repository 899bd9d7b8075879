"""The simulated world as the extract's text files, spelled as the contract says.

`extract_frames` turns `World.tables` (English store names, typed values)
into one text frame per extract file (Danish file and column names from
`etl.contract`, one row per row of the file). Values are written in the
contract's canonical formats (first of `DATE_FORMATS`, `BOOLEAN_SPELLINGS`,
`CPR_SHAPES`), and a few cells in each of the other accepted formats, so the
reader is exercised: about `DATE_VARIANT_SHARE` of the dates per other date
format, `BOOLEAN_VARIANT_SHARE` of the yes/no cells per other spelling and
`CPR_VARIANT_SHARE` of the CPR numbers per other shape. An empty cell is "".

`write_extract` writes the frames and `manifest.csv` as an extract folder
(`;`-separated UTF-8, the contract's first delimiter).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from demo.world import World
from etl import contract

SOURCE_NAME = "DEMO (syntetiske data)"  # the manifest's `kilde`

DATE_VARIANT_SHARE = 0.003
BOOLEAN_VARIANT_SHARE = 0.01
CPR_VARIANT_SHARE = 0.02
_DATE_TEXT = "<U32"  # numpy text wide enough for a date in any format


def _variant(u: np.ndarray, share: float, n_variants: int) -> np.ndarray:
    """Per cell: 0 for the canonical form, i for the i-th other form (`share` of cells each)."""
    out = np.zeros(len(u), dtype="int64")
    for i in range(1, n_variants + 1):
        out[(u >= (i - 1) * share) & (u < i * share)] = i
    return out


def _format_dates(days: np.ndarray, pattern: str) -> np.ndarray:
    if pattern == "%Y-%m-%d":  # the common case, fast (a numpy text array)
        return np.datetime_as_string(days, unit="D")
    return np.array(pd.DatetimeIndex(days).strftime(pattern), dtype=str)


def date_text(rng: np.random.Generator, values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as text in the contract's date formats ('' for no date)."""
    days = np.asarray(values, dtype="datetime64[D]")
    first, *others = contract.DATE_FORMATS
    text = _format_dates(days, first.pattern).astype(_DATE_TEXT)  # room for any format
    missing = np.isnat(days)
    if len(days):
        variant = _variant(rng.random(len(days)), DATE_VARIANT_SHARE, len(others))
        for i, fmt in enumerate(others, start=1):
            cells = (variant == i) & ~missing
            if cells.any():
                text[cells] = _format_dates(days[cells], fmt.pattern)
    text[missing] = ""
    return text


def bool_text(rng: np.random.Generator, values: pd.Series | np.ndarray) -> np.ndarray:
    """Yes/no values as text in the contract's spellings ('' for a missing value)."""
    flags = pd.array(values, dtype="boolean")
    missing = np.asarray(flags.isna())
    yes = np.asarray(flags.fillna(False), dtype=bool)
    variant = _variant(
        rng.random(len(yes)), BOOLEAN_VARIANT_SHARE, len(contract.BOOLEAN_SPELLINGS) - 1
    )
    spellings = np.array(contract.BOOLEAN_SPELLINGS, dtype=object)  # (spelling, yes/no)
    text = spellings[variant, np.where(yes, 0, 1)]
    text[missing] = ""
    return text


def in_shape(digits: pd.Series, shape: str) -> pd.Series:
    """Ten CPR digits written in one of the contract's shapes."""
    out = pd.Series("", index=digits.index, dtype=object)
    start = 0
    for part in contract.cpr_shape_parts(shape):
        if isinstance(part, int):
            out = out + digits.str.slice(start, start + part)
            start += part
        else:
            out = out + part
    return out


def cpr_text(rng: np.random.Generator, digits: pd.Series) -> np.ndarray:
    """CPR numbers (ten digits each) as text in the contract's shapes."""
    digits = pd.Series(np.asarray(digits, dtype=object), dtype=object)
    first, *others = contract.CPR_SHAPES
    text = np.array(in_shape(digits, first), dtype=object)
    variant = _variant(rng.random(len(digits)), CPR_VARIANT_SHARE, len(others))
    for i, shape in enumerate(others, start=1):
        cells = variant == i
        if cells.any():
            text[cells] = in_shape(digits[cells], shape).to_numpy(dtype=object)
    return text


def plain_text(values: pd.Series) -> np.ndarray:
    """Ids, texts, codes as they are ('' for a missing value)."""
    values = pd.Series(values, dtype=object)
    return values.where(values.notna(), "").to_numpy(dtype=object)


def column_text(rng: np.random.Generator, column: contract.Column, values: pd.Series) -> np.ndarray:
    """One column of the world as the text of its extract column (by contract type)."""
    if column.type == contract.DATE:
        return date_text(rng, values)
    if column.type == contract.BOOL:
        return bool_text(rng, values)
    if column.type == contract.CPR:
        return cpr_text(rng, values)
    return plain_text(values)


def extract_frames(rng: np.random.Generator, world: World) -> dict[str, pd.DataFrame]:
    """Every contract file as a text frame: Danish file name -> one row per row of the file.

    Columns in the contract's order; an optional column the world does not
    simulate is left out of its file (the contract allows that).
    """
    out: dict[str, pd.DataFrame] = {}
    for spec in contract.FILES:
        table = world.tables[spec.table]
        cells: dict[str, np.ndarray] = {}
        for column in spec.columns:
            if column.english not in table.columns:
                if column.required:
                    raise ValueError(f"demo world lacks {spec.table}.{column.english}")
                continue
            cells[column.danish] = column_text(rng, column, table[column.english])
        out[spec.name] = pd.DataFrame(cells).astype("str")
    return out


def manifest_frame(as_of: dt.date) -> pd.DataFrame:
    """`manifest.csv`: the extract date (canonical format) and the source system."""
    return pd.DataFrame(
        {
            contract.MANIFEST_DATE: [as_of.strftime(contract.DATE_FORMATS[0].pattern)],
            contract.MANIFEST_SOURCE: [SOURCE_NAME],
        }
    )


def write_extract(out_dir: Path, frames: dict[str, pd.DataFrame], as_of: dt.date) -> Path:
    """Write the files and the manifest as an extract folder; return the folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extension = contract.EXTENSIONS[0]  # .csv
    for name, frame in {**frames, contract.MANIFEST: manifest_frame(as_of)}.items():
        frame.to_csv(
            out_dir / f"{name}{extension}",
            sep=contract.DELIMITERS[0],
            index=False,
            encoding="utf-8",
            lineterminator="\n",
        )
    return out_dir
