"""Load safety (issue 9): no extract, however broken, empties the store or blocks the next night.

One test per fault with a small broken extract: the exit code, the problem rows
(file, rule, Danish message) and the previous load's counts, unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select

import vocab
from jobs import plausibility
from jobs.etl_cli import main
from jobs.load import load_extract
from jobs.plausibility import Limits
from store.db import ROOT, get_engine, read_current_data
from store.models import EtlRun, Obligation, RejectedRow
from store.models import Problem as ProblemRow
from store.runs import last_run
from tests.etl.etl_extract_factory import AS_OF, Rows, prepare, valid_files, write_extract

N_CASES = 50  # enough rows for the share checks (LOAD_CHECK_MIN_ROWS: 20)


def _files(n_cases: int = N_CASES) -> dict[str, Rows]:
    """The minimal valid extract with `n_cases` cases (the extra ones have no measures)."""
    files = valid_files()
    extra = files["sager"][1]
    files["sager"] += [
        {**extra, "sag_id": f"S{i}", "cpr": f"0101{i % 100:02d}1234"} for i in range(4, n_cases + 1)
    ]
    return files


def _counts(engine: Engine) -> dict[str, int]:
    counts = {name: len(df) for name, df in read_current_data(engine).items()}
    with engine.connect() as c:
        counts["obligations"] = c.execute(select(func.count()).select_from(Obligation)).scalar_one()
    return counts


def _load(db_url: str, folder: Path, *options: str) -> int:
    return main(["load", str(folder), "--database-url", db_url, *options])


def _stored_problems(engine: Engine, run_id: int) -> list[tuple[str, str, str]]:
    with engine.connect() as c:
        rows = c.execute(
            select(ProblemRow.file, ProblemRow.rule, ProblemRow.severity)
            .where(ProblemRow.run_id == run_id)
            .order_by(ProblemRow.problem_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _run(engine: Engine, run_id: int) -> dict[str, object]:
    with engine.connect() as c:
        row = c.execute(
            select(EtlRun.status, EtlRun.outcome, EtlRun.forced).where(EtlRun.run_id == run_id)
        ).one()
    return dict(row._mapping)


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> tuple[Engine, dict[str, int]]:
    """A store with a good load of the 50-case extract; its counts."""
    assert _load(db_url, write_extract(tmp_path / "good", _files())) == 0
    engine = get_engine(db_url)
    return engine, _counts(engine)


# ---------------------------------------------------------------- fault 1: cut short
@pytest.mark.parametrize("file", ["sager", "medarbejdere"])
def test_a_header_only_required_file_is_refused(
    loaded: tuple[Engine, dict[str, int]],
    db_url: str,
    tmp_path: Path,
    file: str,
    capsys: pytest.CaptureFixture,
) -> None:
    engine, before = loaded
    capsys.readouterr()
    folder = write_extract(tmp_path / "bad", _files())
    header = (folder / f"{file}.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / f"{file}.csv").write_text(header + "\n", encoding="utf-8")
    assert _load(db_url, folder) == 2
    assert f"[empty-file] {file}.csv" in capsys.readouterr().err
    run = last_run(engine)
    assert run is not None and run["status"] == "refused"
    assert run["_outcome"] == {"code": "refused", "rules": ["empty-file"]}
    assert [(p["file"], p["rule"]) for p in run["problems"] if p["rule"] == "empty-file"] == [
        (f"{file}.csv", "empty-file")
    ]
    assert vocab.run_outcome_text(run["_outcome"]) == "Afvist: Filen er tom; intet indlæst"
    assert _counts(engine) == before


def test_a_header_only_file_loads_when_the_operator_accepts_it(
    loaded: tuple[Engine, dict[str, int]], db_url: str, tmp_path: Path
) -> None:
    engine, before = loaded
    folder = write_extract(tmp_path / "bad", _files())
    header = (folder / "klager.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "medarbejdere.csv").write_text(
        (folder / "medarbejdere.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    assert header  # the optional file stays as it is
    assert _load(db_url, folder, "--accept-shrink") == 0
    run = last_run(engine)
    assert run is not None and run["status"] == "loaded"
    assert run["_outcome"]["forced"] is True and "empty-file" in run["_outcome"]["accepted"]
    assert _counts(engine)["employees"] == 0 < before["employees"]


def test_plausibility_refuses_a_required_file_without_rows(tmp_path: Path) -> None:
    # the check itself, whatever the reader lets through: 0 rows read of a required file
    prep = prepare(write_extract(tmp_path / "x", valid_files()))
    empty = dataclasses.replace(
        prep,
        rows_loaded={**prep.rows_loaded, "handleplaner.csv": 0},
        rows_rejected={**prep.rows_rejected, "handleplaner.csv": 0},
    )
    (finding,) = plausibility.check(empty, None, AS_OF, Limits())
    assert (finding.rule, finding.file, finding.line, finding.value) == (
        "empty-file",
        "handleplaner.csv",
        1,
        "0",
    )
    assert finding.message == "filen har kun overskriften og ingen rækker: en eksport, der fejlede?"
    # an optional file may be empty
    optional = dataclasses.replace(prep, rows_loaded={**prep.rows_loaded, "klager.csv": 0})
    assert plausibility.check(optional, None, AS_OF, Limits()) == []


def test_a_file_cut_to_40_percent_is_refused_unless_accepted(
    loaded: tuple[Engine, dict[str, int]],
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    engine, before = loaded
    files = _files()
    files["sager"] = files["sager"][:20]  # 40 % of the 50 cases
    folder = write_extract(tmp_path / "cut", files)
    res = load_extract(folder, engine=engine)
    assert res.status == "refused"
    assert res.outcome == {"code": "refused", "rules": ["file-shrunk"]}
    (shrunk,) = res.deciding
    assert (shrunk.file, shrunk.rule, shrunk.value) == ("sager.csv", "file-shrunk", "20")
    assert shrunk.message == (
        "filen har 20 rækker, færre end 50 % af de 50 rækker ved sidste indlæsning (kørsel 1): "
        "en afbrudt eksport?; intet indlæst (etl load --accept-shrink indlæser det alligevel)"
    )
    assert _counts(engine) == before
    assert _run(engine, res.run_id or 0) == {
        "status": "refused",
        "outcome": res.outcome,
        "forced": False,
    }

    capsys.readouterr()
    assert _load(db_url, folder, "--accept-shrink") == 0
    assert "Forced:" in capsys.readouterr().out
    run = last_run(engine)
    assert run is not None and run["status"] == "loaded" and run["_forced"]
    assert run["_outcome"]["forced"] is True and run["_outcome"]["accepted"] == ["file-shrunk"]
    assert _run(engine, run["run_id"])["forced"] is True
    warnings = [p for p in run["problems"] if p["rule"] == "file-shrunk"]
    assert [
        w["message"].endswith("indlæst alligevel (etl load --accept-shrink)") for w in warnings
    ] == [True]
    assert ("sager.csv", "file-shrunk", "warning") in _stored_problems(engine, run["run_id"])
    assert _counts(engine)["cases"] == 20


def test_a_small_file_is_not_checked_for_its_shares(db_engine: Engine, tmp_path: Path) -> None:
    three = write_extract(tmp_path / "three")
    assert load_extract(three, engine=db_engine).status == "loaded"
    files = valid_files()
    files["sager"] = files["sager"][:1]  # 1 of 3 rows: fewer than LOAD_CHECK_MIN_ROWS
    one = write_extract(tmp_path / "one", files)
    assert load_extract(one, engine=db_engine).status == "loaded"
    assert load_extract(write_extract(tmp_path / "x", valid_files()), engine=db_engine).ok
    # with a floor of one row, the same cut is refused (its one application too)
    res = load_extract(one, engine=db_engine, limits=Limits(min_rows=1))
    assert res.outcome["rules"] == ["file-shrunk", "too-many-rejected"]
    assert [p.file for p in res.deciding] == ["sager.csv", "ansoegninger.csv"]


# --------------------------------------------------------- too many rows rejected
def test_too_many_rejected_rows_are_refused(
    loaded: tuple[Engine, dict[str, int]],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, before = loaded
    files = _files()
    for row in files["sager"][20:]:  # 30 of 50 cases: a CPR that cannot be
        row["cpr"] = "3102031234"
    folder = write_extract(tmp_path / "bad", files)
    res = load_extract(folder, engine=engine)
    assert res.status == "refused" and res.outcome["rules"] == ["too-many-rejected"]
    (finding,) = res.deciding
    assert (finding.file, finding.value) == ("sager.csv", "30")
    assert finding.message.startswith(
        "30 af filens 50 rækker (60 %) ville blive afvist; højst 50 % er tilladt; intet indlæst"
    )
    # the rows' own problems are recorded with the refusal: why they would be rejected
    assert {"too-many-rejected", "cpr-date"} <= {p.rule for p in res.problems}
    with engine.connect() as c:
        rejected = c.execute(
            select(func.count()).select_from(RejectedRow).where(RejectedRow.run_id == res.run_id)
        ).scalar_one()
    assert rejected == 0  # a refused run keeps no raw rows
    assert _counts(engine) == before
    monkeypatch.setenv("LOAD_MAX_REJECTED_SHARE", "0.7")  # the setting decides
    assert _load(db_url, folder) == 0
    assert _counts(engine)["cases"] == 20


# ---------------------------------------------------- fault 5: a date in the future
def test_a_future_extract_date_is_refused_unless_accepted(
    loaded: tuple[Engine, dict[str, int]], tmp_path: Path
) -> None:
    engine, before = loaded

    def dated(name: str, date: dt.date) -> Path:
        files = _files()
        files["manifest"][0]["udtraeksdato"] = date.isoformat()
        files["sager"][0]["team"] = name  # a new extract each time
        return write_extract(tmp_path / name, files)

    today = AS_OF + dt.timedelta(days=10)
    res = load_extract(dated("far", today + dt.timedelta(days=2)), engine=engine, today=today)
    assert res.status == "refused" and res.outcome["rules"] == ["extract-future"]
    (finding,) = res.deciding
    assert (finding.file, finding.line, finding.column, finding.value) == (
        "manifest.csv",
        2,
        "udtraeksdato",
        (today + dt.timedelta(days=2)).isoformat(),
    )
    assert finding.message == (
        f"udtræksdatoen {(today + dt.timedelta(days=2)).isoformat()} ligger mere end 1 dag efter "
        f"i dag ({today.isoformat()}); intet indlæst "
        "(etl load --accept-future indlæser det alligevel)"
    )
    assert vocab.run_outcome_text(res.outcome) == (
        "Afvist: Udtræksdatoen ligger i fremtiden; intet indlæst"
    )
    assert _counts(engine) == before
    # tomorrow is fine (a run just after midnight); later only when accepted
    tomorrow = load_extract(dated("next", today + dt.timedelta(days=1)), engine=engine, today=today)
    assert tomorrow.status == "loaded" and not tomorrow.forced
    forced = load_extract(
        dated("forced", today + dt.timedelta(days=30)),
        engine=engine,
        today=today,
        accept_future=True,
    )
    assert forced.status == "loaded" and forced.forced
    assert forced.outcome["accepted"] == ["extract-future"]


def test_cli_refuses_a_future_manifest_with_exit_2(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    files = valid_files()
    files["manifest"][0]["udtraeksdato"] = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    folder = write_extract(tmp_path / "x", files)
    assert _load(db_url, folder) == 2
    assert "[extract-future] manifest.csv" in capsys.readouterr().err
    assert _load(db_url, folder, "--accept-future") == 0


# ------------------------------------------------------------ fault 8: retention
def test_old_runs_problems_and_rejected_rows_are_purged_after_each_load(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.setenv("RETENTION_RUNS", "2")
    files = valid_files()
    files["sager"][0]["cpr"] = "3102031234"  # rows rejected, problems found
    first = load_extract(write_extract(tmp_path / "a", files), engine=db_engine)
    missing = valid_files()
    del missing["ansoegninger"]
    refused = [
        load_extract(write_extract(tmp_path / f"r{i}", missing), engine=db_engine).run_id
        for i in range(2)
    ]

    def kept() -> tuple[set[int], set[int]]:
        with db_engine.connect() as c:
            problems = set(c.execute(select(ProblemRow.run_id).distinct()).scalars())
            rejected = set(c.execute(select(RejectedRow.run_id).distinct()).scalars())
        return problems, rejected

    # the newest two runs, and the current load however old
    assert kept() == ({first.run_id, *refused}, {first.run_id})
    files["sager"][1]["team"] = "Team Syd"
    second = load_extract(write_extract(tmp_path / "b", files), engine=db_engine)
    assert second.status == "loaded"
    assert kept() == ({refused[1], second.run_id}, {second.run_id})
    assert main(["prune", "--keep", "1", "--database-url", db_url]) == 0
    assert kept() == ({second.run_id}, {second.run_id})


# ------------------------------------------- an unwritable or full store: one line
def _etl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_an_unwritable_store_stops_with_one_line(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    (tmp_path / "a-file").write_text("not a folder")
    below_a_file = f"sqlite:///{tmp_path / 'a-file' / 'store.sqlite'}"
    run = _etl("load", str(folder), "--database-url", below_a_file)
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"etl load: cannot use the store {tmp_path / 'a-file'}")

    store = tmp_path / "store.sqlite"
    assert _etl("load", str(folder), "--database-url", f"sqlite:///{store}").returncode == 0
    read_only = f"sqlite:///file:{store}?mode=ro&uri=true"
    files = valid_files()
    files["sager"][0]["team"] = "changed"
    run = _etl("load", str(write_extract(tmp_path / "y", files)), "--database-url", read_only)
    assert run.returncode == 1
    assert run.stderr == (
        f"etl load: cannot use the store {store}: attempt to write a readonly database\n"
    )
    status = _etl("status", "--json", "--database-url", f"sqlite:///{store}")
    assert '"status": "loaded"' in status.stdout  # nothing recorded, nothing changed


def test_a_full_disk_fails_the_run_in_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert _load(url, write_extract(tmp_path / "a")) == 0
    engine = get_engine(url)
    before = _counts(engine)
    with engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar_one()

    def full(dbapi_conn: object, _record: object) -> None:  # the disk holds no more pages
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]

    event.listen(engine, "connect", full)
    engine.dispose()
    capsys.readouterr()
    try:
        assert _load(url, write_extract(tmp_path / "b", _files(2_000))) == 1
    finally:
        event.remove(engine, "connect", full)
        engine.dispose()
    err = capsys.readouterr().err
    assert "The run failed and was rolled back: OperationalError: database or disk is full\n" in err
    assert "[SQL" not in err and "Traceback" not in err
    assert _counts(engine) == before
    run = last_run(engine)
    assert run is not None and run["status"] == "failed"
    assert run["_outcome"] == {"code": "failed", "error": "OperationalError"}
    assert _load(url, write_extract(tmp_path / "b", _files(2_000))) == 0  # room again
