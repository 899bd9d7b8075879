"""The demo follows the extract contract: files, headers, text formats and faults come
from `etl.contract`; the tiny scale loads end to end with only the faults injected."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demo
from demo import extract_text, faults, world
from demo.__main__ import main
from etl import contract
from etl.staging import cast_dates
from monitoring import calendar
from monitoring.rules import Deadline, load_rules
from vocab import PROBLEM_CODES

try:  # the load job's read + stage + validate (no database)
    from etl.prepare import prepare
except ImportError:  # pragma: no cover - before etl.prepare existed
    from etl.pipeline import prepare  # type: ignore[no-redef]

AS_OF = dt.date(2026, 11, 21)
CENTERS = {"BFCK", "HCK", "SCK", "RCK"}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo.write_demo_extract(tmp_path_factory.mktemp("tiny"), scale="tiny", as_of=AS_OF)


@pytest.fixture(scope="module")
def kbh() -> dict[str, pd.DataFrame]:
    return demo.generate_demo_frames("kbh", seed=2, as_of=AS_OF)


def test_scales() -> None:
    assert demo.SCALES == ("tiny", "kbh", "national")


def test_tiny_writes_every_contract_file_with_the_danish_headers(tiny: Path) -> None:
    for spec in contract.FILES:
        header = (tiny / f"{spec.name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(";") == spec.danish_columns, spec.name
        assert len(read(tiny, spec.name)) > 0, spec.name
    manifest = read(tiny, contract.MANIFEST)
    assert manifest[contract.MANIFEST_DATE].tolist() == [AS_OF.isoformat()]
    assert manifest[contract.MANIFEST_SOURCE].tolist() == [demo.SOURCE_NAME]


def test_tiny_has_a_few_dozen_cases_in_each_of_the_four_centers(tiny: Path) -> None:
    per_center = read(tiny, "sager")["center_kode"].value_counts()
    assert set(per_center.index) == CENTERS
    assert per_center.between(24, 100).all(), per_center
    assert set(read(tiny, "medarbejdere")["center_kode"]) == CENTERS


def test_tiny_loads_without_a_problem(tiny: Path) -> None:
    prepared = prepare(tiny)
    assert prepared.problems.empty, prepared.problems.head()
    assert sum(prepared.rows_rejected.values()) == 0
    for spec in contract.FILES:
        assert len(prepared.frames[spec.table]) == len(read(tiny, spec.name)), spec.name


def _collateral(
    problems: pd.DataFrame, log: pd.DataFrame, frames: dict[str, pd.DataFrame]
) -> pd.Series:
    """Problems a fault causes in another row, by the contract's references: rows that
    depend on a rejected row, and same-case checks against a row whose case was broken."""
    same_case = {
        c.references.same_case_rule: c.references.target
        for _spec, c in contract.REFERENCES
        if c.references is not None and c.references.same_case_rule
    }
    broken_ids: set[tuple[str, str]] = set()
    for target in set(same_case.values()):
        spec = contract.BY_NAME[target]
        rows = frames[target]
        lines = set(log.loc[log["file"] == f"{target}.csv", "line"])
        broken = rows.index.to_series().add(2).isin(lines)
        broken_ids |= {(target, i) for i in rows.loc[broken, spec.key[0]]}
    return (problems["rule"] == "depends-on-rejected") | pd.Series(
        [
            rule in same_case and (same_case[rule], value) in broken_ids
            for rule, value in zip(problems["rule"], problems["value"], strict=True)
        ],
        index=problems.index,
    )


def test_faulty_tiny_has_exactly_the_injected_problems(tmp_path: Path) -> None:
    extract = demo.generate_demo_extract("tiny", seed=5, as_of=AS_OF, error_rate=0.03)
    folder = extract_text.write_extract(tmp_path, extract.frames, extract.as_of)
    log = extract.faults
    assert set(log["kind"]) == set(faults.FAULT_KINDS)
    assert set(log["rule"]) <= set(PROBLEM_CODES)

    problems = prepare(folder).problems
    assert set(problems["rule"]) <= set(PROBLEM_CODES)
    # every fault raised the problem it was made for, on its line
    found = set(zip(problems["file"], problems["line"], problems["rule"], strict=True))
    expected = set(zip(log["file"], log["line"], log["rule"], strict=True))
    assert expected <= found, sorted(expected - found)[:5]
    # and every other error is on a broken row, or caused by one through a reference
    errors = problems[problems["severity"] == "error"]
    at_fault = pd.Series(
        [(f, line) in set(zip(log["file"], log["line"], strict=True)) for f, line in
         zip(errors["file"], errors["line"], strict=True)],
        index=errors.index,
    )  # fmt: skip
    stray = errors[~at_fault & ~_collateral(errors, log, extract.frames)]
    assert stray.empty, stray.head().to_string()


def test_faults_follow_the_column_types() -> None:
    extract = demo.generate_demo_extract("tiny", seed=3, as_of=AS_OF, error_rate=0.05)
    kind_of_type = {
        "bad_date": contract.DATE,
        "bad_bool": contract.BOOL,
        "bad_cpr": contract.CPR,
        "bad_enum": contract.ENUM,
        "bad_paragraph": contract.PARAGRAPH,
    }
    for fault in extract.faults.itertuples():
        spec = contract.BY_NAME[fault.file.removesuffix(".csv")]
        if fault.kind in kind_of_type:
            assert spec.column(fault.column).type == kind_of_type[fault.kind], fault
        elif fault.kind in ("unknown_reference", "other_case_reference"):
            assert spec.column(fault.column).references is not None, fault
        elif fault.kind == "end_before_start":
            assert fault.column in {end for _start, end in spec.date_pairs}, fault
    # every declared reference and date pair is broken somewhere
    log = set(zip(extract.faults["file"], extract.faults["column"], strict=True))
    for spec, column in contract.REFERENCES:
        assert (f"{spec.name}.csv", column.danish) in log
    for spec in contract.FILES:
        for _start, end in spec.date_pairs:
            assert (f"{spec.name}.csv", end) in log
    # a bad value is never an accepted one
    assert not set(faults.BAD_BOOLEANS) & set(contract.TRUE_WORDS + contract.FALSE_WORDS)
    every_value = {v for spec in contract.FILES for c in spec.columns for v in c.values}
    assert not set(faults.BAD_ENUM_VALUES) & every_value


def test_text_formats_are_the_contracts(kbh: dict[str, pd.DataFrame]) -> None:
    used_dates: set[str] = set()
    used_booleans: set[tuple[str, str]] = set()
    used_shapes: set[str] = set()
    patterns = {
        f.label: re.compile(
            f.pattern.replace("%Y", r"\d{4}").replace("%m", r"\d{2}").replace("%d", r"\d{2}")
        )
        for f in contract.DATE_FORMATS
    }
    for spec in contract.FILES:
        frame = kbh[spec.name]
        for column in spec.of_type(contract.DATE):
            cells = frame[column.danish][frame[column.danish] != ""]
            matched = pd.Series(False, index=cells.index)
            for label, pattern in patterns.items():
                hits = cells.str.fullmatch(pattern)
                used_dates |= {label} if hits.any() else set()
                matched |= hits
            assert matched.all(), (spec.name, column.danish)
        for column in spec.of_type(contract.BOOL):
            cells = set(frame[column.danish]) - {""}
            for yes, no in contract.BOOLEAN_SPELLINGS:
                if cells & {yes, no}:
                    used_booleans.add((yes, no))
            assert cells <= {w for pair in contract.BOOLEAN_SPELLINGS for w in pair}
        for column in spec.of_type(contract.CPR):
            for shape in contract.CPR_SHAPES:
                if frame[column.danish].str.fullmatch(contract.cpr_shape_regex(shape)).any():
                    used_shapes.add(shape)
            assert frame[column.danish].str.fullmatch(contract.CPR_PATTERN).all()
    assert used_dates == {f.label for f in contract.DATE_FORMATS}
    assert used_booleans == set(contract.BOOLEAN_SPELLINGS)
    assert used_shapes == set(contract.CPR_SHAPES)


def test_processing_deadlines_come_from_the_rule_file() -> None:
    rules = load_rules()
    default = demo.generate_demo_extract("tiny", seed=4, as_of=AS_OF, rules=rules)
    slower = dataclasses.replace(
        rules,
        processing={
            code: Deadline(d.working_days * 3, "x") for code, d in rules.processing.items()
        },
    )
    slow = demo.generate_demo_extract("tiny", seed=4, as_of=AS_OF, rules=slower)
    received = cast_dates(default.frames["ansoegninger"]["modtaget"])
    decided = {
        name: cast_dates(x.frames["ansoegninger"]["afgjort"])
        for name, x in (("default", default), ("slow", slow))
    }
    waited = {name: (d - received).dt.days.mean() for name, d in decided.items()}
    assert waited["slow"] > waited["default"] * 1.5, waited


def test_month_arithmetic_is_the_monitoring_calendar() -> None:
    days = np.array(["2023-10-31", "2024-01-31", "NaT", "2024-03-15"], dtype="datetime64[D]")
    got = world.add_months(days, 4)
    want = calendar.add_months(pd.Series(days), 4).to_numpy().astype("datetime64[D]")
    assert (np.isnat(got) == np.isnat(want)).all()
    assert (got[~np.isnat(got)] == want[~np.isnat(want)]).all()
    assert str(got[0]) == "2024-02-29"


def test_python_m_demo_writes_the_same_extract(tmp_path: Path, capsys) -> None:
    args = ["--scale", "tiny", "--seed", "3", "--as-of", AS_OF.isoformat(), "--errors", "0.01"]
    assert main(["--out", str(tmp_path / "cli"), *args]) == 0
    assert "Demo extract written to" in capsys.readouterr().out
    direct = demo.write_demo_extract(
        tmp_path / "direct", scale="tiny", seed=3, as_of=AS_OF, error_rate=0.01
    )
    for spec in contract.FILES:
        name = f"{spec.name}.csv"
        assert (tmp_path / "cli" / name).read_bytes() == (direct / name).read_bytes()


def test_python_m_demo_refuses_a_bad_error_rate(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path), "--scale", "tiny", "--errors", "0.7"]) == 2
    assert "error_rate" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--scale", "huge"])
