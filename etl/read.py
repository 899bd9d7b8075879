"""Layer 1, read: find the extract's files, check their sizes, and parse them.

Input: a folder or a `.zip` of a folder. Output: an `Extract` holding one
`RawFile` per known file: a frame of the file's cells as stripped text, with
the header's column names lower-cased and an extra `_line` column (the row's
line in the file: the header is line 1, the first row line 2). Nothing is
cast here; parsing one file (decoding, lines) is `etl.parse`.

Before anything is read, the extract's sizes are checked against the settings
`EXTRACT_MAX_BYTES` (unpacked total) and `EXTRACT_MAX_RATIO` (a zip entry's
unpacked size per packed byte), from the zip's directory or the folder's file
sizes: a zip bomb is refused without unpacking it.

Whole-extract refusals are raised as `ExtractRefused` with every file-level
problem found: too large, a missing required file, an empty or header-only
required file, an unreadable file, a missing required or duplicated column,
two files for one name. Warnings (an unknown file or column, a missing
optional file, mixed encodings) go with the extract. Messages are Danish.
"""

from __future__ import annotations

import contextlib
import hashlib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import settings
from etl import contract
from etl.parse import (
    LINE,
    FileRefused,
    Opener,
    ParsedFile,
    decode,
    detect_delimiter,
    parse_csv,
    read_csv_file,
    read_xlsx_file,
    size_text,
)
from etl.problems import ExtractRefused, Problem
from vocab import Severity

__all__ = [
    "LINE",
    "Extract",
    "RawFile",
    "decode",
    "detect_delimiter",
    "parse_csv",
    "read_extract",
]

RATIO_MIN_BYTES = 1_000_000  # smaller zip entries are not ratio-checked: they cannot hurt


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


def _file_problems(
    raw: RawFile, spec: contract.FileSpec, accept_empty: bool
) -> tuple[list[Problem], list[Problem]]:
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
    if spec.required and raw.frame.empty and not accept_empty:
        errors.append(
            Problem(
                "empty-file",
                "Filen har kun overskriften og ingen rækker (en eksport, der fejlede?); "
                "en påkrævet fil må ikke være tom",
                file=raw.label,
                line=1,
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
    path: Path | str,
    *,
    max_bytes: int | None = None,
    max_ratio: float | None = None,
    accept_empty: bool = False,
) -> Extract:
    """Find, decode and parse every known file of the extract at `path`.

    `max_bytes` and `max_ratio` default to the settings EXTRACT_MAX_BYTES and
    EXTRACT_MAX_RATIO. A required file with a header and no rows is refused
    (`empty-file`) unless `accept_empty` (an operator forced the load). Raises
    `ExtractRefused` listing every whole-extract problem found.
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
        return _read_entries(path, entries, accept_empty)


def _read_entries(path: Path, entries: list[Entry], accept_empty: bool) -> Extract:
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
        file_errors, file_warnings = _file_problems(raw, contract.BY_NAME[name], accept_empty)
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
