"""Test helper: a minimal valid extract as Python dicts, written as a folder.

Tests take `valid_files()`, break one thing, and write it with `write_extract`;
`prepare` reads, stages and validates it (no database). Extract date of the
minimal extract: `AS_OF`.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from etl.prepare import Prepared, prepare

__all__ = ["AS_OF", "Prepared", "Rows", "csv_text", "prepare", "valid_files", "write_extract"]

AS_OF = dt.date(2024, 6, 30)

Rows = list[dict[str, str]]

_VALID: dict[str, Rows] = {
    "medarbejdere": [
        {
            "medarbejder_id": "E1",
            "navn": "Anna Hansen",
            "email": "ah@kk.dk",
            "center_kode": "BFCK",
            "team": "Team Nord",
            "aktiv": "J",
        },
        {
            "medarbejder_id": "E2",
            "navn": "Bo Holm",
            "email": "",
            "center_kode": "SCK",
            "team": "",
            "aktiv": "",
        },
    ],
    "sager": [
        {
            "sag_id": "S1",
            "cpr": "010203-1234",
            "maalgruppe": "born",
            "center_kode": "BFCK",
            "team": "Team Nord",
            "sagsbehandler_id": "E1",
            "oprettet": "2024-01-10",
            "lukket": "",
            "akut": "N",
        },
        {
            "sag_id": "S2",
            "cpr": "0101901234",
            "maalgruppe": "voksen",
            "center_kode": "SCK",
            "team": "",
            "sagsbehandler_id": "E2",
            "oprettet": "2023-05-01",
            "lukket": "",
            "akut": "",
        },
        {
            "sag_id": "S3",
            "cpr": "031185-0123",
            "maalgruppe": "born",
            "center_kode": "BFCK",
            "team": "Team Nord",
            "sagsbehandler_id": "",
            "oprettet": "2022-02-01",
            "lukket": "2023-02-01",
            "akut": "J",
        },
    ],
    "foranstaltninger": [
        {
            "foranstaltning_id": "M1",
            "sag_id": "S1",
            "paragraf": "SEL52.3.7",
            "betegnelse": "Aflastning",
            "bevilget": "2024-01-20",
            "start": "2024-02-01",
            "slut": "",
        },
        {
            "foranstaltning_id": "M2",
            "sag_id": "S2",
            "paragraf": "SEL107",
            "betegnelse": "Botilbud",
            "bevilget": "",
            "start": "2023-06-01",
            "slut": "2024-01-01",
        },
    ],
    "handleplaner": [
        {
            "handleplan_id": "H1",
            "sag_id": "S1",
            "udarbejdet": "2024-02-15",
            "revideret": "",
            "tilbudt": "",
            "afslaaet": "",
        },
        {
            "handleplan_id": "H2",
            "sag_id": "S2",
            "udarbejdet": "",
            "revideret": "",
            "tilbudt": "2023-06-10",
            "afslaaet": "N",
        },
    ],
    "opfoelgninger": [
        {
            "opfoelgning_id": "O1",
            "sag_id": "S1",
            "foranstaltning_id": "M1",
            "dato": "2024-05-01",
            "form": "fremmoede",
            "naeste_frist": "2024-11-01",
        },
        {
            "opfoelgning_id": "O2",
            "sag_id": "S2",
            "foranstaltning_id": "",
            "dato": "2023-12-01",
            "form": "telefon",
            "naeste_frist": "",
        },
    ],
    "undersoegelser": [
        {
            "undersoegelse_id": "U1",
            "sag_id": "S1",
            "startdato": "2024-01-10",
            "afsluttet": "2024-04-01",
        },
    ],
    "ansoegninger": [
        {
            "ansoegning_id": "A1",
            "sag_id": "S2",
            "ydelse": "SEL107",
            "modtaget": "2023-05-01",
            "afgjort": "2023-05-20",
            "underretning_sendt": "",
        },
    ],
    "klager": [
        {
            "klage_id": "K1",
            "sag_id": "S1",
            "paragraf": "SEL52.3.7",
            "klagetype": "realitet",
            "modtaget": "2024-03-01",
            "afgjort": "",
            "udfald": "",
        },
    ],
    "gennemgange": [
        {"sag_id": "S1", "kampagne": "SEL41-42-genopretning", "gennemgaaet": "2024-04-01"},
    ],
    "manifest": [{"udtraeksdato": AS_OF.isoformat(), "kilde": "TestSystem"}],
}


def valid_files() -> dict[str, Rows]:
    """A fresh deep copy of the minimal valid extract (file name -> rows)."""
    return copy.deepcopy(_VALID)


def csv_text(rows: Rows, sep: str = ";", columns: list[str] | None = None) -> str:
    """Rows as CSV text (header first); cells must not contain `sep` or quotes."""
    columns = columns or list(rows[0]) if rows or columns else []
    lines = [sep.join(columns)]
    lines += [sep.join(r.get(c, "") for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def write_extract(
    folder: Path,
    files: dict[str, Rows] | None = None,
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    names: dict[str, str] | None = None,
) -> Path:
    """Write `files` (default: the valid extract) as CSV files in `folder`; returns it.

    `names` overrides a file's name on disk (e.g. {"sager": "SAGER.CSV"}).
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = valid_files() if files is None else files
    names = names or {}
    for name, rows in files.items():
        path = folder / names.get(name, f"{name}.csv")
        path.write_bytes(csv_text(rows, sep).encode(encoding))
    return folder
