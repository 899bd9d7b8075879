"""Layer 1a, parse: one extract file's bytes to a frame of text cells.

A CSV file is read as a stream (`Utf8Stream`), never whole in memory: each
chunk that is valid UTF-8 passes as it is, otherwise its lines are decoded one
by one (UTF-8, and the bytes that are not as Windows-1252), so that one
Windows-1252 line in a UTF-8 file spoils only itself and is reported
(`mixed-encoding`). The header is read as a row (a duplicated column name, in
any case, is `duplicate-column`, never renamed `cpr.1`), and every row gets
`_line`: its line in the file (the header is line 1, the first row line 2,
blank lines before the header and quoted cells spanning lines counted).
An .xlsx workbook is read with openpyxl (its one non-empty sheet).

A file that cannot be parsed raises `FileRefused` with Danish problems; no
exception text goes into a message. `etl.read` finds the files and calls this.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd

from etl import contract
from etl.problems import Problem
from vocab import Severity

LINE = "_line"
CHUNK_BYTES = 1 << 20  # bytes read (and decoded) at a time
MAX_LINE_BYTES = 16_000_000  # a longer line is no CSV line (and would be held whole in memory)
_LINES_LISTED = 5  # lines named in a `mixed-encoding` warning

Opener = Callable[[], BinaryIO]
_LINE_END = re.compile(rb"\r\n?|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FileRefused(ValueError):
    """A file that cannot be loaded, with its problems (Danish messages)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class ParsedFile:
    """One file parsed: its frame (`RawFile.frame`), the hash of its bytes, its warnings."""

    frame: pd.DataFrame
    sha256: str
    encoding: str
    warnings: list[Problem] = field(default_factory=list)


def size_text(n: float) -> str:
    """Bytes in Danish: `2,5 GB`, `812 kB`."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            text = f"{n:.0f}" if unit == "B" or n >= 100 else f"{n:.1f}"
            return f"{text.replace('.', ',')} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


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
            found = _LINE_END.search(self._out, self._pos)
            while (found is None or found.end() == len(self._out)) and not self._eof:
                self._fill()  # (a line end at the end of what is read may be half a \r\n)
                found = _LINE_END.search(self._out, self._pos)
            end, stop = (found.start(), found.end()) if found else (len(self._out),) * 2
            line = bytes(self._out[self._pos : end]).decode("utf-8")
            if line.strip():
                return skipped + 1, line
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
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise FileRefused(
                    Problem(
                        "unreadable",
                        "Filen er gemt som UTF-16 (Unicode-tekst); gem den som CSV i UTF-8 "
                        "eller Windows-1252",
                        file=self._label,
                    )
                )
            if data.startswith(codecs.BOM_UTF8):
                self.bom = True
                data = data[len(codecs.BOM_UTF8) :]
        if self._eof:
            body, self._tail = data, b""
        else:
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1  # old Mac files end lines in \r
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
    """Header names stripped and lower-cased, control characters written out (`\\x00`)."""
    return [
        _CONTROL.sub(
            lambda m: f"\\x{ord(m.group(0)):02x}",
            "" if n is None else str(n).replace("\ufeff", "").strip().strip('"').strip().lower(),
        )
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
        message = 'Et citationstegn (") åbner en celle, der aldrig lukkes; filen kan ikke læses'
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
        warnings.append(_mixed_encoding(stream, label))
    return ParsedFile(_finish(df), stream.sha256.hexdigest(), stream.encoding, warnings)


def _mixed_encoding(stream: Utf8Stream, label: str) -> Problem:
    """The warning for a UTF-8 file with lines that are not UTF-8 (at the first of them)."""
    if stream.cp1252_count == 1:
        which = "linjen har tegn, der ikke er UTF-8; de er"
    else:
        more = ", …" if stream.cp1252_count > len(stream.cp1252_lines) else ""
        listed = ", ".join(str(n) for n in stream.cp1252_lines) + more
        which = f"{stream.cp1252_count} linjer ({listed}) har tegn, der ikke er UTF-8; de er"
    return Problem(
        "mixed-encoding",
        f"Filen er UTF-8, men {which} læst som Windows-1252, så æ, ø og å står rigtigt. "
        "Tjek at teksten er som i fagsystemet",
        file=label,
        line=stream.cp1252_lines[0],
        severity=Severity.WARNING,
    )


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
