"""Layer 1, read: find the extract's files, decode and parse them into raw text frames.

Input: a folder or a `.zip` of a folder. Output: an `Extract` holding one
`RawFile` per known file: a frame of the file's cells as stripped text, with
the header's column names lower-cased and an extra `_line` column (the row's
line in the file; the header is line 1). Nothing is cast here.

Whole-extract refusals are raised as `ExtractRefused` with every file-level
problem found: a missing required file, an empty file (no header), an
unreadable file, a missing required column, two files for one name.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import contract
from etl.problems import WARNING, ExtractRefused, Problem

LINE = "_line"


class EmptyFile(ValueError):
    """The file has no header line."""


@dataclass
class RawFile:
    """One extract file as text: `name` is the contract name (`sager`, `manifest`)."""

    name: str
    label: str  # the file's name as reported in problems, lower case: `sager.csv`
    frame: pd.DataFrame  # text cells, lower-cased header names, plus `_line`
    sha256: str
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class Extract:
    """Every known file of one extract, with the hashes that identify its content."""

    source: str
    files: dict[str, RawFile]
    file_hashes: dict[str, str]  # label -> sha256 of the file's bytes
    content_hash: str  # over the files' bytes: independent of order and of folder vs zip
    problems: list[Problem]  # warnings found while reading

    @property
    def manifest(self) -> RawFile | None:
        return self.files.get(contract.MANIFEST)


# ----------------------------------------------------------------- decoding
def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding used.

    BOM -> utf-8-sig; else strict UTF-8; else Windows-1252 (Danish Excel exports).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(header_line: str) -> str:
    """`;` or `,`, whichever the header line holds more of (`;` on a tie)."""
    return "," if header_line.count(",") > header_line.count(";") else ";"


def _normalise_header(names: list[str]) -> list[str]:
    return [str(n).replace("\ufeff", "").strip().strip('"').strip().lower() for n in names]


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells stripped, missing cells empty, blank rows dropped, `_line` added."""
    df.columns = _normalise_header(list(df.columns))
    for col in df.columns:
        if col == LINE:
            continue
        df[col] = df[col].fillna("").astype(str).str.strip()
    cols = [c for c in df.columns if c != LINE]
    if cols:
        blank = (df[cols] == "").all(axis=1)
        if blank.any():
            df = df.loc[~blank]
    return df.reset_index(drop=True)


def parse_csv(data: bytes) -> pd.DataFrame:
    """A CSV file's cells as text, with `_line`. Raises ValueError when unreadable/empty."""
    text, _encoding = decode(data)
    if not text.strip():
        raise EmptyFile("the file is empty (no header line)")
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    sep = detect_delimiter(header_line)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"the file cannot be parsed as CSV: {exc}") from exc
    df[LINE] = _record_lines(text, sep, len(df))
    del text
    return _finish(df)


def _record_lines(text: str, sep: str, n_rows: int) -> pd.RangeIndex | list[int]:
    """The line in the file where each data row starts (the header is line 1).

    Row i is on line i + 2 unless a quoted cell spans lines; then the lines are
    counted by the csv module (slower, so only then).
    """
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines == n_rows + 1 or '"' not in text:
        return pd.RangeIndex(2, n_rows + 2)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    starts: list[int] = []
    previous_end = 0
    for _record in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    if len(starts) != n_rows + 1:  # counted differently than pandas: keep the simple count
        return pd.RangeIndex(2, n_rows + 2)
    return starts[1:]


def _excel_cell(value: object) -> str:
    """One Excel cell as text: dates as YYYY-MM-DD, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_xlsx(data: bytes) -> pd.DataFrame:
    """The one (non-empty) sheet of an .xlsx workbook as text cells, with `_line`."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValueError(f"the file cannot be opened as an Excel workbook: {exc}") from exc
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [[_excel_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if any(any(c.strip() for c in r) for r in rows):
                sheets.append(rows)
    finally:
        wb.close()
    if not sheets:
        raise EmptyFile("the file is empty (no header line)")
    if len(sheets) > 1:
        raise ValueError(f"the workbook has {len(sheets)} non-empty sheets; expected one")
    rows = sheets[0]
    # Excel's header is the first row; blank leading rows are not expected.
    header = _normalise_header(rows[0])
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    df = pd.DataFrame(body, columns=header, dtype=str)
    df[LINE] = pd.RangeIndex(2, len(df) + 2)
    # A CPR stored as a number loses its leading zero: restore it.
    if "cpr" in df.columns:
        short = df["cpr"].str.fullmatch(r"\d{9}")
        df.loc[short, "cpr"] = "0" + df.loc[short, "cpr"]
    return _finish(df)


# ------------------------------------------------------------------ finding
def _entries(path: Path) -> list[tuple[str, Callable[[], bytes]]]:
    """(base name, loader) of every file at the extract's top level (folder or zip)."""
    if path.is_dir():
        return [(p.name, p.read_bytes) for p in sorted(path.iterdir()) if p.is_file()]
    if path.is_file() and zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        out = []
        for info in zf.infolist():
            base = info.filename.rstrip("/").rsplit("/", 1)[-1]
            if info.is_dir() or base.startswith(".") or "__MACOSX" in info.filename:
                continue
            out.append((base, lambda info=info: zf.read(info)))
        return out
    raise ExtractRefused(
        [Problem("unreadable", f"not a folder or a .zip file: {path}", file=path.name)]
    )


def read_extract(path: Path | str) -> Extract:
    """Find, decode and parse every known file of the extract at `path`.

    Raises `ExtractRefused` listing every whole-extract problem found.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractRefused(
            [Problem("missing-file", f"the extract {path} does not exist", file=path.name)]
        )
    known = {f.name for f in contract.FILES} | {contract.MANIFEST}
    found: dict[str, list[tuple[str, Callable[[], bytes]]]] = {}
    for base, loader in _entries(path):
        stem, dot, ext = base.rpartition(".")
        if dot and stem.lower() in known and "." + ext.lower() in contract.EXTENSIONS:
            found.setdefault(stem.lower(), []).append((base, loader))

    errors: list[Problem] = []
    warnings: list[Problem] = []
    files: dict[str, RawFile] = {}
    hashes: dict[str, str] = {}
    for spec in contract.FILES:
        if spec.required and spec.name not in found:
            errors.append(
                Problem(
                    "missing-file",
                    f"required file {spec.name}.csv (or .xlsx) is missing from the extract",
                    file=f"{spec.name}.csv",
                )
            )
    for name, entries in found.items():
        if len(entries) > 1:
            names = ", ".join(b for b, _ in entries)
            errors.append(
                Problem("duplicate-file", f"more than one file for {name}: {names}", file=name)
            )
            continue
        base, loader = entries[0]
        label = base.lower()
        data = loader()
        digest = hashlib.sha256(data).hexdigest()
        hashes[label] = digest
        try:
            frame = parse_xlsx(data) if label.endswith(".xlsx") else parse_csv(data)
        except ValueError as exc:
            rule = "empty-file" if isinstance(exc, EmptyFile) else "unreadable"
            errors.append(Problem(rule, f"{label}: {exc}", file=label))
            continue
        finally:
            del data
        raw = RawFile(name=name, label=label, frame=frame, sha256=digest)
        columns = [c for c in frame.columns if c != LINE]
        if name == contract.MANIFEST:
            if contract.MANIFEST_DATE not in columns:
                errors.append(
                    Problem(
                        "missing-column",
                        f"{label} lacks the column {contract.MANIFEST_DATE}",
                        file=label,
                        column=contract.MANIFEST_DATE,
                    )
                )
            files[name] = raw
            continue
        spec = contract.BY_NAME[name]
        for col in spec.required_columns:
            if col not in columns:
                errors.append(
                    Problem(
                        "missing-column",
                        f"{label} lacks the required column {col}",
                        file=label,
                        column=col,
                    )
                )
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        for col in dupes:
            errors.append(
                Problem("duplicate-column", f"{label} has the column {col} twice", file=label)
            )
        raw.unknown_columns = [c for c in columns if c not in spec.danish_columns]
        for col in raw.unknown_columns:
            warnings.append(
                Problem(
                    "unknown-column",
                    f"{label} has an unknown column {col!r}; it was not loaded",
                    file=label,
                    line=1,
                    column=col,
                    severity=WARNING,
                )
            )
        files[name] = raw
    if errors:
        raise ExtractRefused(errors + warnings)
    content = "\n".join(f"{label}:{h}" for label, h in sorted(hashes.items()))
    return Extract(
        source=str(path),
        files=files,
        file_hashes=hashes,
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        problems=warnings,
    )
