"""Layer 1, read: find the extract's files, decode and parse them into raw text frames.

Input: a folder or a `.zip` of a folder. Output: an `Extract` holding one
`RawFile` per known file: a frame of the file's cells as stripped text, with
the header's column names lower-cased and an extra `_line` column (the row's
line in the file: the header is line 1, the first row line 2, and a quoted
cell spanning lines moves the rows after it). Nothing is cast here.

Before anything is read, the extract's sizes are checked against the settings
`EXTRACT_MAX_BYTES` (unpacked total) and `EXTRACT_MAX_RATIO` (a zip entry's
unpacked size per packed byte), from the zip's directory or the folder's file
sizes: a zip bomb is refused without unpacking it. CSV files are then read as
streams (never whole in memory): decoded line by line, so that one Windows-1252
line in a UTF-8 file spoils only itself and is reported (`mixed-encoding`).

Whole-extract refusals are raised as `ExtractRefused` with every file-level
problem found: too large, a missing required file, an empty or header-only
required file, an unreadable file, a missing required or duplicated column,
two files for one name. Warnings (an unknown file or column, a missing
optional file, mixed encodings) go with the extract. Messages are Danish.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd

import settings
from etl import contract
from etl.problems import ExtractRefused, Problem
from vocab import Severity

LINE = "_line"
CHUNK_BYTES = 1 << 20  # bytes read (and decoded) at a time
RATIO_MIN_BYTES = 1_000_000  # smaller zip entries are not ratio-checked: they cannot hurt
MAX_LINE_BYTES = 16_000_000  # a longer line is no CSV line (and would be held whole in memory)
_LINES_LISTED = 5  # lines named in a `mixed-encoding` warning

Opener = Callable[[], BinaryIO]


class FileRefused(ValueError):
    """A file that cannot be loaded, with its problems (Danish messages)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in problems))


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


@dataclass
class ParsedFile:
    """One file parsed: its frame (`RawFile.frame`), the hash of its bytes, its warnings."""

    frame: pd.DataFrame
    sha256: str
    encoding: str
    warnings: list[Problem] = field(default_factory=list)


# ----------------------------------------------------------------- decoding
def _cp1252_table() -> list[str]:
    """Windows-1252 per byte; its five undefined bytes as the C1 control they are in Latin-1
    (so that they show as control characters, not vanish)."""
    out = []
    for b in range(256):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return out


_CP1252 = _cp1252_table()
_FALLBACK = "fristvagt-cp1252"


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return "".join(_CP1252[b] for b in bad), err.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


class Utf8Stream(io.RawIOBase):
    """A CSV file's bytes as UTF-8, read a chunk at a time from `raw`.

    A chunk (ending at a line end) that is valid UTF-8 passes as it is; otherwise
    each line of it is decoded alone: valid UTF-8 as such, and the bytes that are
    not as Windows-1252 (Danish Excel exports). A BOM is dropped. On the way it
    hashes the bytes read (`sha256`) and counts lines, and records which lines
    needed Windows-1252 (`cp1252_lines`) and whether a line held non-ASCII UTF-8.
    """

    def __init__(self, raw: BinaryIO, label: str = "") -> None:
        self._raw = raw
        self._label = label
        self.sha256 = hashlib.sha256()
        self._out = bytearray()  # UTF-8 bytes ready to be read
        self._pos = 0
        self._tail = b""  # bytes after the last line end read, not decoded yet
        self._eof = False
        self._started = False
        self.bom = False
        self.newlines = 0  # line ends decoded so far
        self._open_last_line = False  # the decoded text does not end with a line end
        self.utf8_text = False  # a line held non-ASCII UTF-8
        self.cp1252_lines: list[int] = []  # the first lines decoded as Windows-1252
        self.cp1252_count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        while len(self._out) - self._pos < want and not self._eof:
            self._fill()
        n = min(want, len(self._out) - self._pos)
        buffer[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        if self._pos >= CHUNK_BYTES:
            del self._out[: self._pos]
            self._pos = 0
        return n

    @property
    def lines(self) -> int:
        """Lines decoded so far (a last line without a line end counts)."""
        return self.newlines + int(self._open_last_line)

    @property
    def encoding(self) -> str:
        """utf-8, utf-8-sig, cp1252, or utf-8+cp1252 (mixed), as far as read."""
        if self.cp1252_count and not self.utf8_text:
            return "cp1252"
        if self.cp1252_count:
            return "utf-8+cp1252"
        return "utf-8-sig" if self.bom else "utf-8"

    def header_line(self) -> tuple[int, str] | None:
        """The first non-blank line (its number and text), left unread; blank lines before
        it are consumed. None when the file has no such line."""
        skipped = 0
        while True:
            end = self._out.find(b"\n", self._pos)
            while end < 0 and not self._eof:
                self._fill()
                end = self._out.find(b"\n", self._pos)
            stop = len(self._out) if end < 0 else end + 1
            line = bytes(self._out[self._pos : stop]).decode("utf-8")
            if line.strip():
                return skipped + 1, line.rstrip("\r\n")
            if stop == self._pos:  # end of file
                return None
            self._pos = stop
            skipped += 1

    def drain(self) -> None:
        """Read to the end (so that the hash and the line count cover the whole file)."""
        while self._fill_and_drop():
            pass

    def _fill_and_drop(self) -> bool:
        if self._eof:
            return False
        self._fill()
        self._out.clear()
        self._pos = 0
        return True

    def _fill(self) -> None:
        data = self._raw.read(CHUNK_BYTES)
        if data:
            self.sha256.update(data)
        else:
            self._eof = True
        data = self._tail + data
        if not self._started:
            if len(data) < len(codecs.BOM_UTF8) and not self._eof:  # too short to tell
                self._tail = data
                return
            self._started = True
            if data.startswith(codecs.BOM_UTF8):
                self.bom = True
                data = data[len(codecs.BOM_UTF8) :]
        if self._eof:
            body, self._tail = data, b""
        else:
            cut = data.rfind(b"\n") + 1
            body, self._tail = data[:cut], data[cut:]
            if len(self._tail) > MAX_LINE_BYTES:
                raise FileRefused(
                    Problem(
                        "unreadable",
                        f"Linjen er længere end {size_text(MAX_LINE_BYTES)}; "
                        "filen er ikke en CSV-fil",
                        file=self._label,
                        line=self.newlines + 1,
                    )
                )
        if body:
            self._out += self._decode(body)
            self._open_last_line = not body.endswith(b"\n")

    def _decode(self, body: bytes) -> bytes:
        first_line = self.newlines + 1
        self.newlines += body.count(b"\n")
        if body.isascii():
            return body
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            self.utf8_text = True
            return body
        out = []
        for i, line in enumerate(body.split(b"\n")):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                out.append(line.decode("utf-8", errors=_FALLBACK).encode("utf-8"))
                self.cp1252_count += 1
                if len(self.cp1252_lines) < _LINES_LISTED:
                    self.cp1252_lines.append(first_line + i)
            else:
                self.utf8_text = self.utf8_text or not line.isascii()
                out.append(line)
        return b"\n".join(out)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file's bytes and the encoding used (see `Utf8Stream.encoding`)."""
    stream = Utf8Stream(io.BytesIO(data))
    text = stream.read().decode("utf-8")
    return text, stream.encoding


def detect_delimiter(header_line: str) -> str:
    """The contract's delimiter (`;` or `,`) the header line holds most of; the first on a tie."""
    return max(contract.DELIMITERS, key=header_line.count)


def _normalise_header(names: list[object]) -> list[str]:
    return [
        "" if n is None else str(n).replace("\ufeff", "").strip().strip('"').strip().lower()
        for n in names
    ]


def _duplicate_columns(names: list[str], original: list[str], label: str, line: int) -> None:
    """Raise `duplicate-column` for every name the header holds twice (in any case)."""
    problems = []
    for name in dict.fromkeys(n for n in names if n and names.count(n) > 1):
        spelled = [o.strip() for o, n in zip(original, names, strict=True) if n == name]
        problems.append(
            Problem(
                "duplicate-column",
                f"Kolonnen {name} står {len(spelled)} gange i overskriften "
                f"({', '.join(spelled)}); filen kan ikke indlæses",
                file=label,
                line=line,
                column=name,
            )
        )
    if problems:
        raise FileRefused(*problems)


def _apply_header(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The frame with the normalised header; a column without a name is dropped when
    empty (a trailing delimiter), else named by its position (an unknown column)."""
    keep, columns = [], []
    for i, name in enumerate(names):
        cells = df.iloc[:, i]
        if not name and (cells.fillna("").astype(str).str.strip() == "").all():
            continue
        keep.append(i)
        columns.append(name or f"(uden navn, kolonne {i + 1})")
    df = df.iloc[:, keep]
    df.columns = columns
    return df


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells stripped, missing cells empty, blank rows dropped."""
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


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parser_problem(exc: Exception, label: str, header_line: int) -> Problem:
    """A pandas parser error as a Danish problem (never the exception's own text)."""
    found = _FIELDS.search(str(exc))
    if found:
        expected, line, saw = (int(g) for g in found.groups())
        line += header_line - 1
        return Problem(
            "unreadable",
            f"Linjen har {saw} felter, men overskriften har {expected}; "
            "filen kan ikke læses som CSV",
            file=label,
            line=line,
        )
    if "EOF inside string" in str(exc):
        message = "Et citationstegn (\") åbner en celle, der aldrig lukkes; filen kan ikke læses"
    else:
        message = "Filen kan ikke læses som CSV (ødelagt opbygning)"
    return Problem("unreadable", message, file=label)


def read_csv_file(open_file: Opener, label: str) -> ParsedFile:
    """A CSV file's cells as text with `_line`, read as a stream. Raises `FileRefused`."""
    with open_file() as raw:
        stream = Utf8Stream(raw, label)
        found = stream.header_line()
        if found is None:
            raise FileRefused(
                Problem("empty-file", "Filen er tom (ingen overskriftslinje)", file=label)
            )
        header_line, header = found
        sep = detect_delimiter(header)
        try:  # the header as a row: no renamed duplicates, and no row wider than it
            df = pd.read_csv(
                io.BufferedReader(stream, CHUNK_BYTES),
                sep=sep,
                header=None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
                quoting=csv.QUOTE_MINIMAL,
                encoding="utf-8",
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise FileRefused(_parser_problem(exc, label, header_line)) from None
        stream.drain()
    original = df.iloc[0].fillna("").astype(str).tolist()
    names = _normalise_header(original)
    _duplicate_columns(names, original, label, header_line)
    df = _apply_header(df.iloc[1:].reset_index(drop=True), names)
    if stream.lines - header_line == len(df):
        df[LINE] = pd.RangeIndex(header_line + 1, header_line + 1 + len(df))
    else:  # a quoted cell spans lines: count the records' lines (slower, so only then)
        df[LINE] = _record_lines(open_file, sep, header_line, len(df))
    warnings = []
    if stream.cp1252_count and stream.utf8_text:
        lines = ", ".join(str(n) for n in stream.cp1252_lines)
        more = ", …" if stream.cp1252_count > len(stream.cp1252_lines) else ""
        warnings.append(
            Problem(
                "mixed-encoding",
                f"Filen er UTF-8, men {stream.cp1252_count} linje(r) har tegn, der ikke er "
                f"UTF-8 (linje {lines}{more}); de er læst som Windows-1252, så æ, ø og å "
                "står rigtigt i resten af filen. Tjek linjerne",
                file=label,
                line=stream.cp1252_lines[0],
                severity=Severity.WARNING,
            )
        )
    return ParsedFile(_finish(df), stream.sha256.hexdigest(), stream.encoding, warnings)


def _record_lines(open_file: Opener, sep: str, header_line: int, n_rows: int) -> pd.Index:
    """The line where each data row starts, counted by the csv module over the file again."""
    simple = pd.RangeIndex(header_line + 1, header_line + 1 + n_rows)
    with open_file() as raw:
        text = io.TextIOWrapper(
            io.BufferedReader(Utf8Stream(raw), CHUNK_BYTES), encoding="utf-8", newline=""
        )
        for _ in range(header_line - 1):  # blank lines before the header
            text.readline()
        reader = csv.reader(text, delimiter=sep)
        starts: list[int] = []
        previous_end = header_line - 1
        for _record in reader:
            starts.append(previous_end + 1)
            previous_end = header_line - 1 + reader.line_num
    if len(starts) != n_rows + 1:  # counted differently than pandas: keep the simple count
        return simple
    return pd.Index(starts[1:])


def parse_csv(data: bytes, label: str = "fil.csv") -> pd.DataFrame:
    """A CSV file's cells as text, with `_line` (for tests and small texts)."""
    return read_csv_file(lambda: io.BytesIO(data), label).frame


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


def read_xlsx_file(open_file: Opener, label: str) -> ParsedFile:
    """The one (non-empty) sheet of an .xlsx workbook as text cells, with `_line` (the
    sheet's row number). The workbook is read into memory (openpyxl needs to seek)."""
    import openpyxl

    with open_file() as raw:
        data = raw.read()
    digest = hashlib.sha256(data).hexdigest()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileRefused(
            Problem("unreadable", "Filen kan ikke åbnes som Excel-projektmappe", file=label)
        ) from None
    del data
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [[_excel_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if any(any(c.strip() for c in r) for r in rows):
                sheets.append(rows)
    finally:
        wb.close()
    if not sheets:
        raise FileRefused(Problem("empty-file", "Projektmappen er tom (intet ark)", file=label))
    if len(sheets) > 1:
        raise FileRefused(
            Problem(
                "unreadable",
                f"Projektmappen har {len(sheets)} ark med indhold; der må kun være ét",
                file=label,
            )
        )
    rows = sheets[0]
    first = next(i for i, r in enumerate(rows) if any(c.strip() for c in r))  # the header
    original = list(rows[first])
    while original and not original[-1].strip():
        original.pop()
    names = _normalise_header(original)
    _duplicate_columns(names, original, label, first + 1)
    width = len(names)
    body = [(r + [""] * width)[:width] for r in rows[first + 1 :]]
    df = _apply_header(pd.DataFrame(body, columns=range(width), dtype=str), names)
    df[LINE] = pd.RangeIndex(first + 2, first + 2 + len(df))
    # A CPR stored as a number loses its leading zero: restore it.
    if "cpr" in df.columns:
        short = df["cpr"].str.fullmatch(r"\d{9}")
        df.loc[short, "cpr"] = "0" + df.loc[short, "cpr"]
    return ParsedFile(_finish(df), digest, "xlsx")


# ------------------------------------------------------------------ finding
@dataclass(frozen=True)
class Entry:
    """One file of the extract (a folder's file or a zip's entry), not yet read."""

    name: str  # base name as in the extract, e.g. "Sager.csv"
    size: int  # bytes unpacked
    packed: int | None  # bytes in the zip (None: a folder's file)
    open: Opener


def _entries(path: Path, stack: contextlib.ExitStack) -> list[Entry]:
    """Every file of the extract (folder or zip; a zip's folders are flattened), from the
    folder listing or the zip's directory: nothing is read."""
    if path.is_dir():
        return [
            Entry(p.name, p.stat().st_size, None, lambda p=p: p.open("rb"))
            for p in sorted(path.iterdir())
            if p.is_file() and not p.name.startswith(".")
        ]
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            zf = stack.enter_context(zipfile.ZipFile(path))
        except (zipfile.BadZipFile, OSError):
            zf = None
        if zf is not None:
            out = []
            for info in zf.infolist():
                base = info.filename.rstrip("/").rsplit("/", 1)[-1]
                if info.is_dir() or base.startswith(".") or "__MACOSX" in info.filename:
                    continue
                out.append(
                    Entry(base, info.file_size, info.compress_size, lambda i=info: zf.open(i))
                )
            return out
    raise ExtractRefused(
        [
            Problem(
                "unreadable",
                "Udtrækket er hverken en mappe eller en læsbar .zip-fil",
                file=path.name,
            )
        ]
    )


def size_text(n: float) -> str:
    """Bytes in Danish: `2,5 GB`, `812 kB`."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            text = f"{n:.0f}" if unit == "B" or n >= 100 else f"{n:.1f}"
            return f"{text.replace('.', ',')} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def check_sizes(entries: list[Entry], max_bytes: int, max_ratio: float) -> list[Problem]:
    """`zip-ratio` for a zip entry that unpacks to more than `max_ratio` times its packed
    size (above `RATIO_MIN_BYTES`), `extract-too-large` when all files together unpack to
    more than `max_bytes` (naming the largest). From sizes only: nothing is unpacked."""
    problems = []
    for e in entries:
        if e.packed is not None and e.size > RATIO_MIN_BYTES and e.size > max_ratio * e.packed:
            ratio = f"{e.size / max(e.packed, 1):,.0f}".replace(",", ".")
            problems.append(
                Problem(
                    "zip-ratio",
                    f"Filen pakkes ud fra {size_text(e.packed)} til {size_text(e.size)}: "
                    f"{ratio} gange, mere end grænsen på {max_ratio:g} (EXTRACT_MAX_RATIO). "
                    "Den er ikke pakket ud; udtrækket er afvist",
                    file=e.name,
                    value=str(e.size),
                )
            )
    total = sum(e.size for e in entries)
    if total > max_bytes:
        largest = max(entries, key=lambda e: e.size)
        problems.append(
            Problem(
                "extract-too-large",
                f"Udtrækket fylder {size_text(total)} udpakket, mere end grænsen på "
                f"{size_text(max_bytes)} (EXTRACT_MAX_BYTES); den største fil er denne, "
                f"{size_text(largest.size)}. Intet er læst; udtrækket er afvist",
                file=largest.name,
                value=str(total),
            )
        )
    return problems


def _known(entry: Entry) -> str | None:
    """The contract name of an entry (`sager`, `manifest`), None for an unknown file."""
    stem, dot, ext = entry.name.rpartition(".")
    known = {f.name for f in contract.FILES} | {contract.MANIFEST}
    if dot and stem.lower() in known and "." + ext.lower() in contract.EXTENSIONS:
        return stem.lower()
    return None


def _read_entry(entry: Entry, label: str) -> ParsedFile:
    """Parse one file; an unreadable one raises `FileRefused` (never the exception's text)."""
    reader = read_xlsx_file if label.endswith(".xlsx") else read_csv_file
    try:
        return reader(entry.open, label)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        message = "Filen er ødelagt i zip-filen og kan ikke pakkes ud"
    except RuntimeError:  # zipfile: an encrypted entry
        message = "Filen er krypteret i zip-filen og kan ikke læses"
    except OSError:
        message = "Filen kan ikke åbnes (ingen adgang, eller den er fjernet)"
    raise FileRefused(Problem("unreadable", message, file=label))


def _file_problems(raw: RawFile, spec: contract.FileSpec) -> tuple[list[Problem], list[Problem]]:
    """The errors and warnings of one parsed extract file (columns, rows)."""
    errors, warnings = [], []
    columns = [c for c in raw.frame.columns if c != LINE]
    for col in spec.required_columns:
        if col not in columns:
            errors.append(
                Problem(
                    "missing-column",
                    f"Den påkrævede kolonne {col} mangler",
                    file=raw.label,
                    line=1,
                    column=col,
                )
            )
    if spec.required and raw.frame.empty:
        errors.append(
            Problem(
                "empty-file",
                "Filen har ingen rækker, kun overskriften; en påkrævet fil må ikke være tom",
                file=raw.label,
            )
        )
    raw.unknown_columns = [c for c in columns if c not in spec.danish_columns]
    for col in raw.unknown_columns:
        warnings.append(
            Problem(
                "unknown-column",
                f"Ukendt kolonne {col!r}; den er ikke indlæst",
                file=raw.label,
                line=1,
                column=col,
                severity=Severity.WARNING,
            )
        )
    return errors, warnings


def read_extract(
    path: Path | str, *, max_bytes: int | None = None, max_ratio: float | None = None
) -> Extract:
    """Find, decode and parse every known file of the extract at `path`.

    `max_bytes` and `max_ratio` default to the settings EXTRACT_MAX_BYTES and
    EXTRACT_MAX_RATIO. Raises `ExtractRefused` listing every whole-extract problem found.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractRefused(
            [Problem("missing-file", f"Udtrækket findes ikke i {path.parent}", file=path.name)]
        )
    max_bytes = settings.EXTRACT_MAX_BYTES.get() if max_bytes is None else max_bytes
    max_ratio = settings.EXTRACT_MAX_RATIO.get() if max_ratio is None else max_ratio
    with contextlib.ExitStack() as stack:
        entries = _entries(path, stack)
        too_large = check_sizes(entries, max_bytes, max_ratio)
        if too_large:
            raise ExtractRefused(too_large)
        return _read_entries(path, entries)


def _read_entries(path: Path, entries: list[Entry]) -> Extract:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    found: dict[str, list[Entry]] = {}
    for entry in entries:
        name = _known(entry)
        if name is None:
            warnings.append(
                Problem(
                    "unknown-file",
                    "Filen hører ikke til udtrækket og er ikke læst (kendte filer: "
                    + ", ".join(f.name for f in contract.FILES)
                    + f", {contract.MANIFEST}; som .csv eller .xlsx)",
                    file=entry.name,
                    severity=Severity.WARNING,
                )
            )
        else:
            found.setdefault(name, []).append(entry)
    for spec in contract.FILES:
        if spec.name in found:
            continue
        if spec.required:
            errors.append(
                Problem(
                    "missing-file",
                    "Den påkrævede fil mangler i udtrækket (som .csv eller .xlsx)",
                    file=f"{spec.name}.csv",
                )
            )
        else:
            warnings.append(
                Problem(
                    "optional-file-missing",
                    f"Filen er ikke med i udtrækket; {spec.name} tømmes ved denne indlæsning "
                    "(0 rækker)",
                    file=f"{spec.name}.csv",
                    severity=Severity.WARNING,
                )
            )
    files: dict[str, RawFile] = {}
    hashes: dict[str, str] = {}
    for name, named in found.items():
        if len(named) > 1:
            errors.append(
                Problem(
                    "duplicate-file",
                    "Der er mere end én fil med samme indhold: " + ", ".join(e.name for e in named),
                    file=name,
                )
            )
            continue
        label = named[0].name.lower()
        try:
            parsed = _read_entry(named[0], label)
        except FileRefused as refused:
            errors += refused.problems
            continue
        hashes[label] = parsed.sha256
        warnings += parsed.warnings
        raw = RawFile(name=name, label=label, frame=parsed.frame, sha256=parsed.sha256)
        files[name] = raw
        if name == contract.MANIFEST:
            if contract.MANIFEST_DATE not in raw.frame.columns:
                errors.append(
                    Problem(
                        "missing-column",
                        f"Kolonnen {contract.MANIFEST_DATE} mangler",
                        file=label,
                        line=1,
                        column=contract.MANIFEST_DATE,
                    )
                )
            continue
        file_errors, file_warnings = _file_problems(raw, contract.BY_NAME[name])
        errors += file_errors
        warnings += file_warnings
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
