"""jobs.load: atomic, idempotent loads into SQLite and PostgreSQL, and run records."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, insert, select

import jobs.refresh
import monitoring.background
import store.results
import vocab
from jobs.load import EtlBusy, load_extract
from monitoring import history, load_rules
from store import runs
from store.db import read_current_data, read_table
from store.models import EtlRun, RejectedRow
from store.models import Problem as ProblemRow
from store.runs import last_run
from tests.etl.etl_extract_factory import AS_OF, valid_files, write_extract


def _counts(engine: Engine) -> dict[str, int]:
    return {name: len(df) for name, df in read_current_data(engine).items()}


def _runs(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(select(EtlRun.status).order_by(EtlRun.run_id)).scalars())


def test_load_writes_current_data_and_the_run(db_engine: Engine, tmp_path: Path) -> None:
    res = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert res.status == "loaded"
    assert res.extract_date == AS_OF
    assert _counts(db_engine) == {
        "employees": 2,
        "cases": 3,
        "measures": 2,
        "action_plans": 2,
        "follow_ups": 2,
        "investigations": 1,
        "applications": 1,
        "complaints": 1,
        "reviews": 1,
    }
    cases = read_current_data(db_engine)["cases"].set_index("case_id")
    assert cases.loc["S2", "cpr"] == "010190-1234"
    assert cases.loc["S3", "cpr"] == "031185-0123"
    assert pd.isna(cases.loc["S3", "caseworker_id"])
    runs = read_table(db_engine, EtlRun)
    run = runs.iloc[0]
    assert run["status"] == "loaded"
    assert run["source_system"] == "TestSystem"
    assert run["rows_loaded"]["sager.csv"] == 3
    assert set(run["file_hashes"]) == {f"{n}.csv" for n in valid_files()}
    assert pd.notna(run["finished_at"])


def test_a_load_reports_the_seconds_each_step_took(db_engine: Engine, tmp_path: Path) -> None:
    res = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    steps = {"evaluate", "write_results", "history_wait", "write_obligations"}
    assert set(res.timings) == {"prepare", "write", "refresh_monitoring", "commit"} | {
        f"monitoring.{s}" for s in steps
    }
    assert all(seconds >= 0 for seconds in res.timings.values())
    assert res.timings["refresh_monitoring"] == pytest.approx(
        sum(res.timings[f"monitoring.{s}"] for s in steps)
    )


def test_a_first_load_stores_the_history_computed_in_a_second_process(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring.background, "BACKGROUND_MIN_CASES", 1)
    started: list[object] = []
    real = jobs.refresh.start_history

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(jobs.refresh, "start_history", recording)
    res = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert res.status == "loaded"
    assert len(started) == 1 and started[0].background  # type: ignore[attr-defined]
    hist = store.results.read_results(db_engine, kind="recomputed")
    assert hist["as_of"].nunique() == jobs.refresh.HISTORY_MONTHS
    assert set(hist["level"]) == {"all", "center"}
    expected = history(
        read_current_data(db_engine),
        sorted(hist["as_of"].dt.date.unique()),
        load_rules(),
        ["all", "center"],
    )
    got = hist.sort_values(["as_of", "kpi", "level", "center"]).reset_index(drop=True)
    expected = expected.sort_values(["as_of", "kpi", "level", "center"]).reset_index(drop=True)
    assert got["numerator"].tolist() == expected["numerator"].tolist()
    assert got["denominator"].tolist() == expected["denominator"].tolist()
    # the next night finds the history in the store and starts no computation
    nxt = load_extract(
        write_extract(tmp_path / "y"), as_of=AS_OF + dt.timedelta(days=1), engine=db_engine
    )
    assert nxt.status == "loaded" and len(started) == 1


def test_monitoring_gets_the_frames_as_the_store_returns_them(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}
    real_evaluate, real_write = jobs.refresh.evaluate, jobs.refresh.write_results

    def evaluating(data: Mapping[str, pd.DataFrame], as_of: dt.date):  # type: ignore[no-untyped-def]
        seen.update(data=dict(data), as_of=as_of)
        return real_evaluate(data, as_of)

    def writing(conn, monitoring, as_of: dt.date, run_id: int, job, data):  # type: ignore[no-untyped-def]
        seen.update(written_as_of=as_of, run_id=run_id, job=job, written_data=data)
        return real_write(conn, monitoring, as_of, run_id, job, data)

    monkeypatch.setattr(jobs.refresh, "evaluate", evaluating)
    monkeypatch.setattr(jobs.refresh, "write_results", writing)
    res = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert seen["as_of"] == seen["written_as_of"] == AS_OF and seen["run_id"] == res.run_id
    assert seen["job"] is not None  # a first load computes the history (here: inline)
    stored = read_current_data(db_engine)
    data = seen["data"]
    assert set(seen["written_data"]) == set(data)  # findings looked up in the same tables
    assert isinstance(data, dict)
    for table, df in stored.items():
        key = df.columns[0]
        given = data[table].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(given, df.sort_values(key).reset_index(drop=True))


def test_refused_extract_leaves_the_previous_load(db_engine: Engine, tmp_path: Path) -> None:
    load_extract(write_extract(tmp_path / "good"), engine=db_engine)
    before = _counts(db_engine)
    files = valid_files()
    del files["sager"]
    files["medarbejdere"] = files["medarbejdere"][:1]
    res = load_extract(write_extract(tmp_path / "bad", files), engine=db_engine)
    assert res.status == "refused"
    assert [(p.rule, p.file) for p in res.problems] == [("missing-file", "sager.csv")]
    assert _counts(db_engine) == before
    assert _runs(db_engine) == ["loaded", "refused"]
    problems = read_table(db_engine, ProblemRow)
    assert problems[["run_id", "rule", "file"]].values.tolist() == [
        [res.run_id, "missing-file", "sager.csv"]
    ]
    status = last_run(db_engine)
    assert status is not None and status["status"] == "refused"


def test_same_extract_again_is_a_duplicate(db_engine: Engine, tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][0]["oprettet"] = "x"  # some rejected rows too
    folder = write_extract(tmp_path / "x", files)
    first = load_extract(folder, engine=db_engine)
    before = _counts(db_engine)
    with db_engine.connect() as c:
        n_problems = c.execute(select(func.count()).select_from(ProblemRow)).scalar_one()
    zipped = tmp_path / "x.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    res = load_extract(zipped, engine=db_engine)
    assert res.status == "duplicate"
    assert str(first.run_id) in (res.message or "")
    assert _counts(db_engine) == before
    with db_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(ProblemRow)).scalar_one() == n_problems
    assert _runs(db_engine) == ["loaded", "duplicate"]
    # a changed extract loads again
    files["sager"][1]["team"] = "Team Syd"
    assert load_extract(write_extract(tmp_path / "y", files), engine=db_engine).status == "loaded"


def test_rejected_rows_are_quarantined_with_raw_values(db_engine: Engine, tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][0]["cpr"] = "3102031234"  # S1 rejected: cpr-date
    res = load_extract(write_extract(tmp_path / "x", files), engine=db_engine)
    assert res.status == "loaded"
    assert res.rows_rejected["sager.csv"] == 1
    rejected = read_table(db_engine, RejectedRow)
    sager = rejected[rejected["file"] == "sager.csv"]
    assert sager["line"].tolist() == [2]
    assert sager["reasons"].tolist() == ["cpr-date"]
    raw = sager["raw"].iloc[0]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    assert raw["cpr"] == "3102031234" and raw["sag_id"] == "S1"
    assert set(rejected["file"]) == {
        "sager.csv",
        "foranstaltninger.csv",
        "handleplaner.csv",
        "opfoelgninger.csv",
        "undersoegelser.csv",
        "klager.csv",
        "gennemgange.csv",
    }
    problems = read_table(db_engine, ProblemRow)
    assert problems.loc[problems["rule"] == "cpr-date", "value"].tolist() == ["310203-XXXX"]
    assert not problems["value"].astype(str).str.contains("1234").any()
    loaded = _counts(db_engine)
    for file, table in [("sager", "cases"), ("opfoelgninger", "follow_ups")]:
        n_rej = int((rejected["file"] == f"{file}.csv").sum())
        assert loaded[table] + n_rej == len(files[file])


def test_unexpected_error_rolls_back_and_records_failed(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_extract(write_extract(tmp_path / "a"), engine=db_engine)
    before = read_current_data(db_engine)["cases"]

    def boom(*args: object) -> None:
        raise RuntimeError("monitoring broke for 010203-1234")

    monkeypatch.setattr(jobs.refresh, "evaluate", boom)
    files = valid_files()
    files["sager"] = files["sager"][:1]
    files["sager"][0]["team"] = "Changed"
    res = load_extract(write_extract(tmp_path / "b", files), engine=db_engine)
    assert res.status == "failed"
    assert "monitoring broke" in (res.message or "")
    assert "1234" not in (res.message or "")
    pd.testing.assert_frame_equal(read_current_data(db_engine)["cases"], before)
    assert _runs(db_engine) == ["loaded", "failed"]
    with db_engine.connect() as c:
        n = c.execute(
            select(func.count()).select_from(ProblemRow).where(ProblemRow.run_id == res.run_id)
        ).scalar_one()
    assert n == 0


def _running(engine: Engine, started: dt.datetime) -> None:
    with engine.begin() as c:
        c.execute(
            insert(EtlRun).values(
                started_at=started,
                status="running",
                source_path="x",
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        )


def test_only_one_run_at_a_time(db_engine: Engine, tmp_path: Path) -> None:
    started = dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    with runs.run_lock(db_engine):  # as a load in another process holds it
        _running(db_engine, started)
        with pytest.raises(EtlBusy, match=f"already running: run 1, started {started}"):
            load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert _runs(db_engine) == ["running"]  # the refused start records nothing
    assert _counts(db_engine)["cases"] == 0


def test_a_run_left_running_by_a_dead_process_is_marked_aborted(
    db_engine: Engine, tmp_path: Path
) -> None:
    _running(db_engine, dt.datetime.now() - dt.timedelta(minutes=1))  # no process holds the lock
    res = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert res.status == "loaded"
    assert _runs(db_engine) == ["aborted", "loaded"]
    aborted = _outcomes(db_engine)[0]
    assert aborted == {"code": "aborted"}
    assert vocab.run_outcome_text(aborted) == "Afbrudt: processen stoppede under indlæsningen"
    with db_engine.connect() as c:
        message, finished = c.execute(
            select(EtlRun.message, EtlRun.finished_at).where(EtlRun.run_id == 1)
        ).one()
    assert message == f"aborted: the process stopped during the load (found by run {res.run_id})"
    assert finished is not None


def test_as_of_wins_and_date_rules_use_it(db_engine: Engine, tmp_path: Path) -> None:
    res = load_extract(write_extract(tmp_path / "x"), as_of=dt.date(2024, 4, 1), engine=db_engine)
    assert res.extract_date == dt.date(2024, 4, 1)
    after = {(p.file, p.column) for p in res.problems if p.rule == "date-after-extract"}
    assert ("foranstaltninger.csv", "start") not in after  # 2024-02-01
    assert ("opfoelgninger.csv", "dato") in after  # 2024-05-01
    with db_engine.connect() as c:
        assert c.execute(select(EtlRun.extract_date)).scalar_one() == dt.date(2024, 4, 1)


def test_an_older_extract_is_refused_unless_allowed(db_engine: Engine, tmp_path: Path) -> None:
    first = load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    assert first.status == "loaded"
    older = AS_OF - dt.timedelta(days=1)
    before = read_current_data(db_engine)["cases"]
    res = load_extract(write_extract(tmp_path / "y"), as_of=older, engine=db_engine)
    assert res.status == "refused"
    (problem,) = res.problems
    assert (problem.rule, problem.file, problem.column) == ("extract-older", "--as-of", None)
    assert problem.message == (
        f"udtræksdatoen {older.isoformat()} er før den sidste indlæsnings "
        f"({AS_OF.isoformat()}, kørsel {first.run_id}); intet indlæst "
        "(etl load --allow-older indlæser det alligevel)"
    )
    pd.testing.assert_frame_equal(read_current_data(db_engine)["cases"], before)
    allowed = load_extract(
        write_extract(tmp_path / "z"), as_of=older, engine=db_engine, allow_older=True
    )
    assert allowed.status == "loaded"
    snaps = store.results.read_results(db_engine, kind="snapshot")
    assert set(snaps["as_of"].dt.date) == {older}  # the newer figures went with their data


# ------------------------------------------------------------- outcomes as data
def _outcomes(engine: Engine) -> list[dict[str, object] | None]:
    with engine.connect() as c:
        return list(c.execute(select(EtlRun.outcome).order_by(EtlRun.run_id)).scalars())


def test_every_run_outcome_is_stored_as_data(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = valid_files()
    files["sager"][0]["cpr"] = "3102031234"  # one rejected case and its dependants
    loaded = load_extract(write_extract(tmp_path / "a", files), engine=db_engine)
    n_errors = sum(p.severity == "error" for p in loaded.problems)
    assert loaded.outcome == {
        "code": "loaded",
        "rows_rejected": sum(loaded.rows_rejected.values()),
        "problems": len(loaded.problems),
        "errors": n_errors,
    }
    assert loaded.outcome["rows_rejected"] > 0 and n_errors > 0

    duplicate = load_extract(write_extract(tmp_path / "b", files), engine=db_engine)
    assert duplicate.outcome == {"code": "duplicate", "same_as_run": loaded.run_id}

    del files["ansoegninger"]
    refused = load_extract(write_extract(tmp_path / "c", files), engine=db_engine)
    assert refused.outcome == {"code": "refused", "rules": ["missing-file"]}

    def boom(*args: object) -> None:
        raise RuntimeError("monitoring broke for 010203-1234")

    monkeypatch.setattr(jobs.refresh, "evaluate", boom)
    failed = load_extract(write_extract(tmp_path / "d"), engine=db_engine)
    assert failed.outcome == {"code": "failed", "error": "RuntimeError"}

    stored = _outcomes(db_engine)
    assert stored == [loaded.outcome, duplicate.outcome, refused.outcome, failed.outcome]
    assert [vocab.run_outcome_text(o) for o in stored] == [
        f"{loaded.outcome['rows_rejected']} rækker afvist; {len(loaded.problems)} problemer "
        f"({n_errors} fejl)",
        f"Samme udtræk som kørsel {loaded.run_id}: intet indlæst",
        "Afvist: Påkrævet fil mangler; intet indlæst",
        "Uventet fejl (RuntimeError); intet indlæst",
    ]
    # the English message stays for the command line and the logs, CPR-masked
    with db_engine.connect() as c:
        messages = list(c.execute(select(EtlRun.message).order_by(EtlRun.run_id)).scalars())
    assert messages[1] == f"same extract as run {loaded.run_id}: nothing loaded"
    assert messages[3] == "RuntimeError: monitoring broke for 010203-XXXX"


def test_an_older_extract_is_refused_with_its_rule(db_engine: Engine, tmp_path: Path) -> None:
    load_extract(write_extract(tmp_path / "x"), engine=db_engine)
    res = load_extract(
        write_extract(tmp_path / "y"), as_of=AS_OF - dt.timedelta(days=1), engine=db_engine
    )
    assert res.outcome == {"code": "refused", "rules": ["extract-older"]}
    assert _outcomes(db_engine)[-1] == res.outcome


def test_an_older_run_marked_stale_still_reads(db_engine: Engine) -> None:
    # runs marked by the 6-hour rule of earlier versions keep their outcome and text
    assert vocab.run_outcome_text({"code": "stale", "hours": 6}) == (
        "Hang i over 6 timer; markeret som fejlet"
    )
