"""jobs.monitoring_cli: `python -m monitoring` against a small store built in the test
(subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from monitoring.rules import KPIS
from store.db import get_engine, init_db, replace_current_data
from tests.monitoring.rows import make_data

ROOT = Path(__file__).resolve().parents[2]


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = get_engine(url)
    init_db(engine)
    data = make_data(
        cases=[
            {"case_id": "c1"},
            {"case_id": "c2", "center": "HCK", "caseworker_id": None, "cpr": "311299-9876"},
        ],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.7",
                "start_on": "2013-01-15",
            },
            {
                "measure_id": "m2",
                "case_id": "c2",
                "paragraph": "SEL52.3.3",
                "start_on": "2013-01-15",
            },
        ],
        action_plans=[{"plan_id": "p1", "case_id": "c1", "made_on": "2013-01-10"}],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c1", "measure_id": "m1", "done_on": "2013-04-01"}
        ],
    )
    data["employees"] = pd.DataFrame(
        {
            "employee_id": pd.array(["sb1"], dtype="string"),
            "name": pd.array(["Et"], dtype="string"),
            "center": pd.array(["BFCK"], dtype="string"),
            "active": [True],
        }
    )
    with engine.begin() as conn:
        replace_current_data(conn, data)
    engine.dispose()
    return url


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "monitoring", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_kpis_json_shape(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = json.loads(_run(url, "kpis", "--as-of", "2013-06-30", "--json").stdout)
    assert isinstance(out, list)
    assert {tuple(sorted(r)) for r in out} == {
        ("center", "denominator", "kpi", "numerator", "target", "value")
    }
    assert {r["kpi"] for r in out} == set(KPIS)
    assert {"K7a", "K7b"} <= {r["kpi"] for r in out} and "K7" not in {r["kpi"] for r in out}
    assert {r["center"] for r in out} == {"ALL", "BFCK", "HCK"}
    assert len(out) == len(KPIS) * 3
    by = {(r["kpi"], r["center"]): r for r in out}
    assert by[("K3", "ALL")] == {
        "kpi": "K3",
        "center": "ALL",
        "numerator": 1,
        "denominator": 2,
        "value": 0.5,
        "target": 0.95,
    }
    assert by[("K3", "HCK")]["value"] == 0.0
    assert by[("K4a", "ALL")]["value"] is None and by[("K4a", "ALL")]["denominator"] == 0
    assert all(isinstance(r["numerator"], int) and isinstance(r["target"], float) for r in out)


def test_kpis_table_and_obligations(tmp_path: Path) -> None:
    url = _store(tmp_path)
    table = _run(url, "kpis", "--as-of", "2013-06-30").stdout
    assert "K3" in table and "HCK" in table and "50.0%" in table
    res = _run(url, "obligations", "--as-of", "2013-06-30", "--status", "overdue", "--json")
    rows = json.loads(res.stdout)
    assert {r["case_id"] for r in rows} == {"c2"}
    assert {r["kind"] for r in rows} == {"handleplan", "follow-up"}
    assert all(r["cpr_masked"] == "311299-XXXX" and r["caseworker_id"] == "ufordelt" for r in rows)
    assert "9876" not in res.stdout
    fu = next(r for r in rows if r["kind"] == "follow-up")
    assert (fu["due_on"], fu["days_overdue"], fu["rule_id"]) == (
        "2013-04-15",
        76,
        "SEL70-opfoelgning",
    )
    soon = json.loads(
        _run(
            url,
            "obligations",
            "--as-of",
            "2013-06-30",
            "--center",
            "BFCK",
            "--status",
            "due-soon",
            "--json",
        ).stdout
    )
    assert soon == []  # c1's next follow-up is due 1 Oct
    text = _run(url, "obligations", "--as-of", "2013-06-30", "--caseworker", "sb1").stdout
    assert "c1" in text and "c2" not in text


def test_backfill_command(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = _run(url, "backfill", "--months", "3", "--as-of", "2013-06-30").stdout
    assert "3 månedsskift" in out
    from store.results import read_results

    hist = read_results(get_engine(url), kind="recomputed", level="all")
    assert hist["as_of"].nunique() == 3


def test_findings_command(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = json.loads(_run(url, "findings", "--as-of", "2013-06-30", "--json").stdout)
    assert out == []  # the small store is clean
    text = _run(url, "findings", "--as-of", "2013-06-30").stdout
    assert "0 slags fund" in text


def test_forecast_command_json_shape(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = json.loads(_run(url, "forecast", "--as-of", "2013-06-30", "--json").stdout)
    keys = {
        "kpi",
        "center",
        "month_end",
        "numerator",
        "denominator",
        "value",
        "target",
        "needed",
        "reachable",
    }
    assert out and all(set(r) == keys for r in out)
    assert {r["month_end"] for r in out} == {"2013-07-31", "2013-08-31", "2013-09-30"}
    assert {r["center"] for r in out} == {"ALL", "BFCK", "HCK"}
    assert {r["kpi"] for r in out} == set(KPIS)
    assert all((r["needed"] is None) == (not r["reachable"]) for r in out)
    k3 = next(
        r for r in out if (r["kpi"], r["center"], r["month_end"]) == ("K3", "ALL", "2013-07-31")
    )
    assert (k3["numerator"], k3["denominator"], k3["needed"], k3["reachable"]) == (1, 2, 1, True)


def test_obligations_by_kpi_kind_and_status(tmp_path: Path) -> None:
    url = _store(tmp_path)
    args = ("obligations", "--as-of", "2013-06-30", "--json")
    k3 = json.loads(_run(url, *args, "--kpi", "K3", "--status", "overdue").stdout)
    assert [(r["case_id"], r["kind"]) for r in k3] == [("c2", "follow-up")]  # the K3 miss
    plans = json.loads(_run(url, *args, "--kind", "handleplan").stdout)
    assert {r["kind"] for r in plans} == {"handleplan"} and len(plans) == 2
    assert json.loads(_run(url, *args, "--status", "missed").stdout) == []


def test_backfill_waits_for_no_load_and_changes_the_web_cache_key(tmp_path: Path) -> None:
    from store import runs
    from store.results import history_stamp

    url = _store(tmp_path)
    engine = get_engine(url)
    with runs.run_lock(engine):  # a load is running
        busy = subprocess.run(
            [sys.executable, "-m", "monitoring", "backfill", "--months", "2"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert busy.returncode == 3 and "not started" in busy.stderr
    assert history_stamp(engine) is None
    assert _run(url, "backfill", "--months", "2", "--as-of", "2013-06-30").returncode == 0
    first = history_stamp(engine)
    assert first
    assert _run(url, "backfill", "--months", "2", "--as-of", "2013-06-30").returncode == 0
    assert history_stamp(engine) not in (None, first)  # the cached pages read afresh
