"""etl.contract: consistent with the store's models, its references and its text formats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import String

from etl import contract
from store.models import DATA_MODELS
from vocab import PROBLEM_CODES

TABLES = {model.__tablename__: model.__table__ for model in DATA_MODELS}


def test_every_file_loads_into_a_store_table_in_load_order() -> None:
    assert [spec.table for spec in contract.FILES] == list(TABLES)


@pytest.mark.parametrize("spec", contract.FILES, ids=lambda s: s.name)
def test_english_names_are_the_store_columns(spec: contract.FileSpec) -> None:
    assert [c.english for c in spec.columns] == [c.name for c in TABLES[spec.table].columns]


@pytest.mark.parametrize("spec", contract.FILES, ids=lambda s: s.name)
def test_max_lengths_are_the_store_lengths(spec: contract.FileSpec) -> None:
    store = {
        c.name: c.type.length
        for c in TABLES[spec.table].columns
        if isinstance(c.type, String) and c.type.length
    }
    assert contract.max_lengths()[spec.table] == store


def test_contract_does_not_import_the_store() -> None:
    """etl is floor 1, store floor 2: the contract must load without the store."""
    code = (
        "import sys, etl.contract; print(sorted(m for m in sys.modules if m.startswith('store')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"


def test_references_point_at_one_column_keys_and_catalogued_rules() -> None:
    assert contract.REFERENCES, "the contract declares its cross-file rules"
    for spec, column in contract.REFERENCES:
        ref = column.references
        assert ref is not None
        target = contract.BY_NAME[ref.target]
        assert len(target.key) == 1, (spec.name, column.danish)
        assert column.type == target.column(target.key[0]).type == contract.ID
        assert ref.unknown_rule in PROBLEM_CODES
        if ref.same_case_rule is not None:
            assert ref.same_case_rule in PROBLEM_CODES
            assert spec.case_column is not None and target.case_column is not None


def test_every_file_but_the_staff_and_the_cases_refers_to_its_case() -> None:
    for spec in contract.FILES:
        has_case = spec.case_column is not None
        assert has_case == (spec.name not in ("medarbejdere", "sager")), spec.name


def test_load_order_puts_referred_files_first() -> None:
    for specs in (contract.FILES, tuple(reversed(contract.FILES))):
        order = [s.name for s in contract.load_order(specs)]
        for spec in specs:
            for target in spec.targets:
                assert order.index(target) < order.index(spec.name)


def test_date_formats_parse_their_own_output() -> None:
    day = pd.Timestamp(2024, 2, 29)
    for fmt in contract.DATE_FORMATS:
        assert pd.to_datetime(day.strftime(fmt.pattern), format=fmt.pattern) == day
    assert contract.DATE_FORMATS_TEXT == "YYYY-MM-DD, DD-MM-YYYY eller DD.MM.YYYY"


def test_boolean_spellings_and_cpr_shapes() -> None:
    assert contract.TRUE_WORDS == ("j", "ja", "1", "true")
    assert contract.FALSE_WORDS == ("n", "nej", "0", "false")
    assert contract.BOOLEAN_TEXT == "J/N, ja/nej, 1/0 eller true/false"
    for shape in contract.CPR_SHAPES:
        digits = sum(p for p in contract.cpr_shape_parts(shape) if isinstance(p, int))
        assert digits == contract.CPR_DIGITS
    assert contract.cpr_shape_parts("DDMMYY-SSSS") == [6, "-", 4]
    cells = pd.Series(["010203-1234", "0102031234", "010203 1234", "01020-31234"])
    assert cells.str.fullmatch(contract.CPR_PATTERN).tolist() == [True, True, False, False]
