"""etl.__main__: `python -m etl load|status`, exit codes and the status JSON shape."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from etl_extract_factory import valid_files, write_extract
from sqlalchemy import insert

import store.results
from etl.__main__ import main
from store.db import ROOT, get_engine
from store.models import EtlRun


def _etl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_load_status_and_exit_codes(db_url: str, tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][0]["cpr"] = "3102031234"  # rejected for cpr-date, masked in output
    good = write_extract(tmp_path / "good", files)
    run = _etl("load", str(good), "--database-url", db_url)
    assert run.returncode == 0, run.stderr
    assert "loaded" in run.stdout and "sager.csv" in run.stdout
    assert "1234" not in run.stdout + run.stderr

    status = _etl("status", "--json", "--database-url", db_url)
    assert status.returncode == 0, status.stderr
    out = json.loads(status.stdout)
    assert set(out) == {
        "run_id",
        "status",
        "extract_date",
        "rows_loaded",
        "rows_rejected",
        "problems",
    }
    assert out["status"] == "loaded"
    assert out["extract_date"] == "2024-06-30"
    assert out["rows_loaded"]["sager.csv"] == 2
    assert out["rows_rejected"]["sager.csv"] == 1
    cpr = [p for p in out["problems"] if p["rule"] == "cpr-date"]
    assert cpr == [
        {
            "file": "sager.csv",
            "line": 2,
            "column": "cpr",
            "value": "310203-XXXX",
            "rule": "cpr-date",
            "message": "the date part (DDMMYY) of cpr is not a real date",
        }
    ]
    assert "1234" not in status.stdout

    again = _etl("load", str(good), "--database-url", db_url)
    assert again.returncode == 0, again.stderr
    assert "duplicate" in again.stdout

    del files["ansoegninger"]
    bad = write_extract(tmp_path / "bad", files)
    refused = _etl("load", str(bad), "--database-url", db_url)
    assert refused.returncode == 2
    assert "ansoegninger.csv" in refused.stderr and "missing" in refused.stderr
    text = _etl("status", "--database-url", db_url)
    assert text.returncode == 0 and "refused" in text.stdout


def test_cli_failed_run_exits_1(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store.results, "refresh_monitoring", boom)
    code = main(["load", str(write_extract(tmp_path / "x")), "--database-url", db_url])
    assert code == 1
    assert "disk full" in capsys.readouterr().err


def test_cli_busy_exits_2(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with get_engine(db_url).begin() as c:
        c.execute(
            insert(EtlRun).values(
                started_at=dt.datetime.now(),
                status="running",
                source_path="other",
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        )
    code = main(["load", str(write_extract(tmp_path / "x")), "--database-url", db_url])
    assert code == 2
    assert "in progress" in capsys.readouterr().err
