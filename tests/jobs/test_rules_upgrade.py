"""The rules revision in the store (issue 10): findings stored per load and shown, the
stored forecast read back, measures' own acute flag kept, and a store upgraded from the
old engine recomputes its history (no K7 rows left)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select, text

from jobs.load import load_extract
from jobs.refresh import missing_history
from store import data_quality, results
from store.db import ROOT, drop_all, get_engine, init_db, read_table
from store.models import Finding, KpiResult, Measure
from store.scope import Scope
from tests.etl.etl_extract_factory import AS_OF, valid_files, write_extract

ALL = Scope.everything()


def _extract(tmp_path: Path) -> Path:
    """The valid extract with one unknown benefit code (a finding) and the optional
    per-measure acute column: J on M1, empty elsewhere."""
    files = valid_files()
    files["ansoegninger"].append(
        {**files["ansoegninger"][0], "ansoegning_id": "A2", "ydelse": "SEL999", "afgjort": ""}
    )
    for i, m in enumerate(files["foranstaltninger"]):
        m["akut"] = "J" if i == 0 else ""
    return write_extract(tmp_path / "x", files)


def _monitoring(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitoring", "--database-url", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_load_stores_findings_and_measure_acute(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    result = load_extract(_extract(tmp_path), engine=engine, today=AS_OF)
    assert result.status == "loaded"
    with engine.connect() as c:
        rows = c.execute(
            select(Finding.run_id, Finding.kind, Finding.code, Finding.record_id, Finding.case_id)
        ).all()
    assert [tuple(r) for r in rows] == [(result.run_id, "ukendt ydelseskode", "SEL999", "A2", "S2")]
    measures = read_table(engine, Measure).set_index("measure_id")["acute"]
    assert bool(measures.iloc[0])  # J
    assert measures.iloc[1:].isna().all()  # empty cell: not given (the case's flag applies)

    found = data_quality.findings_by_code(engine, ALL)
    assert found.to_dict("records") == [{"kind": "ukendt ydelseskode", "code": "SEL999", "n": 1}]
    records = data_quality.finding_records(engine, ALL, "ukendt ydelseskode", "SEL999")
    assert records[["record_id", "case_id"]].to_dict("records") == [
        {"record_id": "A2", "case_id": "S2"}
    ]
    assert not records["cpr_masked"].str.contains(r"\d{4}$").any()  # masked
    other_center = Scope(centers=frozenset({"NOPE"}))
    assert data_quality.findings_by_code(engine, other_center).empty
    assert data_quality.finding_records(engine, other_center, "ukendt ydelseskode").empty


def test_forecast_command_reads_the_stored_forecast(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    init_db(engine)
    empty = _monitoring(db_url, "forecast", "--json")
    assert empty.returncode == 1 and "No stored forecast" in empty.stderr
    load_extract(_extract(tmp_path), engine=engine, today=AS_OF)
    stored = _monitoring(db_url, "forecast", "--json")
    assert stored.returncode == 0, stored.stderr
    rows = json.loads(stored.stdout)
    computed = json.loads(
        _monitoring(db_url, "forecast", "--as-of", AS_OF.isoformat(), "--json").stdout
    )
    assert rows and rows == computed  # the load stored what the engine computes
    month_ends = sorted({r["month_end"] for r in rows})
    assert month_ends == ["2024-07-31", "2024-08-31", "2024-09-30"]


def _migrate(engine: Engine, revision: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrade_removes_k7_and_the_next_load_recomputes_history(
    db_url: str, tmp_path: Path
) -> None:
    engine = get_engine(db_url)
    drop_all(engine)
    _migrate(engine, "0004")  # a store of the old engine: K7 in snapshot and history
    with engine.begin() as c:
        for kind, as_of in (("snapshot", "2024-05-31"), ("recomputed", "2024-04-30")):
            c.execute(
                text(
                    "INSERT INTO kpi_results (as_of, kind, kpi, level, center, team, "
                    "caseworker_id, numerator, denominator, value, target) VALUES "
                    "(:as_of, :kind, :kpi, 'all', 'ALL', '', '', 1, 2, 0.5, 0.95)"
                ),
                [{"as_of": as_of, "kind": kind, "kpi": kpi} for kpi in ("K7", "K1")],
            )
    init_db(engine)  # alembic upgrade head
    with engine.connect() as c:
        kpis = set(c.execute(select(KpiResult.kpi).distinct()).scalars())
    assert kpis == {"K1"}  # K7 is gone; K1's old history is still there...
    assert results.has_history(engine)
    assert missing_history(engine, dt.date(2024, 6, 30)) is not None  # ...but by old rules

    load_extract(_extract(tmp_path), engine=engine, today=AS_OF)  # the next load recomputes it
    assert missing_history(engine, dt.date(2024, 6, 30)) is None
    hist = results.read_results(engine, kind="recomputed")
    assert {"K7a", "K7b"} <= set(hist["kpi"]) and "K7" not in set(hist["kpi"])
    assert hist["as_of"].nunique() == 36
    with engine.connect() as c:
        assert (
            c.execute(
                select(func.count()).select_from(KpiResult).where(KpiResult.kpi == "K7")
            ).scalar_one()
            == 0
        )
    assert pd.Timestamp("2024-04-30") in set(hist["as_of"])
