"""jobs.etl_cli: `python -m etl load|status|demo`, exit codes and the status JSON shape."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

import jobs.refresh
from jobs.etl_cli import main
from store.db import ROOT, get_engine
from store.models import EtlRun
from store.runs import run_lock
from tests.etl.etl_extract_factory import valid_files, write_extract


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
    files["ansoegninger"].append(  # an unknown benefit code: a finding, not a rejection
        {**files["ansoegninger"][0], "ansoegning_id": "A2", "ydelse": "SEL999", "afgjort": ""}
    )
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
        "findings",
    }
    assert out["findings"] == [{"kind": "ukendt ydelseskode", "code": "SEL999", "count": 1}]
    assert out["status"] == "loaded"
    assert out["extract_date"] == "2024-06-30"
    assert out["rows_loaded"]["sager.csv"] == 2
    assert out["rows_rejected"]["sager.csv"] == 1
    cpr = [p for p in out["problems"] if p["rule"] == "cpr-date"]
    assert [{**p, "message": "(validation's)"} for p in cpr] == [
        {
            "file": "sager.csv",
            "line": 2,
            "column": "cpr",
            "value": "310203-XXXX",
            "rule": "cpr-date",
            "message": "(validation's)",
        }
    ]
    assert "cpr" in cpr[0]["message"]
    assert "1234" not in status.stdout

    again = _etl("load", str(good), "--database-url", db_url)
    assert again.returncode == 0, again.stderr
    assert "duplicate" in again.stdout

    del files["ansoegninger"]
    bad = write_extract(tmp_path / "bad", files)
    refused = _etl("load", str(bad), "--database-url", db_url)
    assert refused.returncode == 2
    assert "[missing-file] ansoegninger.csv" in refused.stderr
    text = _etl("status", "--database-url", db_url)
    assert text.returncode == 0 and "refused" in text.stdout


def test_cli_failed_run_exits_1(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs.refresh, "evaluate", boom)
    code = main(["load", str(write_extract(tmp_path / "x")), "--database-url", db_url])
    assert code == 1
    assert "disk full" in capsys.readouterr().err


def test_cli_busy_exits_3_naming_the_running_run(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    engine = get_engine(db_url)
    with run_lock(engine):  # a load in another process holds the lock and its run is recorded
        with engine.begin() as c:
            c.execute(
                insert(EtlRun).values(
                    started_at=dt.datetime(2026, 11, 23, 2, 0, 5),
                    status="running",
                    source_path="other",
                    file_hashes={},
                    rows_loaded={},
                    rows_rejected={},
                )
            )
        code = main(["load", str(write_extract(tmp_path / "x")), "--database-url", db_url])
        assert code == 3
        assert "already running: run 1, started 2026-11-23 02:00:05" in capsys.readouterr().err
        assert main(["prune", "--database-url", db_url]) == 3
        status = main(["status", "--database-url", db_url])
        assert status == 0 and "no process holds" not in capsys.readouterr().out
    # the holder died without finishing its run: status says so, the next load marks it
    assert main(["status", "--database-url", db_url]) == 0
    assert "no process holds the run lock" in capsys.readouterr().out
    assert main(["load", str(write_extract(tmp_path / "x")), "--database-url", db_url]) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--database-url", db_url]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == 2


def test_cli_demo_writes_a_tiny_extract(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--scale", "tiny", "--as-of", "2024-06-30"])
    assert code == 0
    assert f"Demo extract written to {out}" in capsys.readouterr().out
    assert (out / "manifest.csv").exists() and (out / "sager.csv").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--out", str(out), "--scale", "huge"])
    assert exit_.value.code == 2
    assert "choose from 'tiny', 'kbh', 'national'" in capsys.readouterr().err
