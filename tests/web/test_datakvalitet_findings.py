"""Datakvalitet's findings (issue 10, kpis.md "Nothing silently dropped"): kind, code and
count of the current load, each count a link to the records behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

import app  # noqa: F401  (the Dash app first: pages register on it)
from jobs.load import load_extract
from pages import datakvalitet
from store.db import get_engine
from tests.etl.etl_extract_factory import AS_OF, valid_files, write_extract
from tests.web.conftest import find, texts


def test_findings_listed_with_a_drill_down(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = valid_files()
    files["ansoegninger"].append(
        {**files["ansoegninger"][0], "ansoegning_id": "A2", "ydelse": "SEL999", "afgjort": ""}
    )
    load_extract(write_extract(tmp_path / "x", files), engine=get_engine(db_url), today=AS_OF)
    monkeypatch.setenv("DATABASE_URL", db_url)

    table = find(datakvalitet.layout(), datakvalitet.FINDINGS)
    assert "Ukendt ydelseskode SEL999 1" in texts(table)
    assert "/datakvalitet?fund=ukendt+ydelseskode&kode=SEL999" in str(table)

    drill = find(
        datakvalitet.layout(fund="ukendt ydelseskode", kode="SEL999"), datakvalitet.FINDING_DETAIL
    )
    assert "A2 S2" in texts(drill)  # the application and its case
    none = find(
        datakvalitet.layout(fund="ukendt ydelseskode", kode="SEL1"), datakvalitet.FINDING_DETAIL
    )
    assert "Ingen poster" in texts(none)


def test_no_findings_says_so(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_extract(write_extract(tmp_path / "x"), engine=get_engine(db_url), today=AS_OF)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert "Ingen fund" in texts(find(datakvalitet.layout(), datakvalitet.FINDINGS))
