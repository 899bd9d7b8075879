"""etl.staging: casts (dates, booleans, CPR, paragraphs, enums) and renaming."""

from __future__ import annotations

import pandas as pd
import pytest

from etl import contract
from etl.read import RawFile, parse_csv
from etl.staging import (
    cast_bools,
    cast_dates,
    cast_enum,
    normalise_cpr,
    normalise_paragraph,
    stage_cases,
)


def _s(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype=str)


def test_three_date_forms_and_empty() -> None:
    out = cast_dates(_s("2024-03-05", "05-03-2024", "05.03.2024", "", "2024-02-30", "5/3/2024"))
    assert out.dtype == "datetime64[ns]"
    assert out[:3].tolist() == [pd.Timestamp(2024, 3, 5)] * 3
    assert out[3:].isna().all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J", True), ("j", True), ("ja", True), ("JA", True), ("1", True), ("true", True),
        ("TRUE", True), ("N", False), ("nej", False), ("Nej", False), ("0", False),
        ("false", False), ("False", False),
    ],
)  # fmt: skip
def test_boolean_spellings(text: str, expected: bool) -> None:
    assert cast_bools(_s(text), default=None).tolist() == [expected]


def test_boolean_defaults_and_invalid() -> None:
    assert cast_bools(_s("", "x"), default=True).tolist() == [True, pd.NA]
    assert cast_bools(_s(""), default=False).tolist() == [False]


def test_cpr_normalised_with_leading_zeros() -> None:
    out = normalise_cpr(_s("0102031234", "010203-1234", "0311850123", "12345-6789", "01020312345"))
    assert out.tolist() == ["010203-1234", "010203-1234", "031185-0123", pd.NA, pd.NA]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SEL52.3.7", "SEL52.3.7"),
        ("SEL § 52, stk. 3, nr. 7", "SEL52.3.7"),
        ("sel §52 stk 3 nr 7", "SEL52.3.7"),
        ("Serviceloven § 52, stk. 3, nr. 7.", "SEL52.3.7"),
        ("Barnets lov § 32 stk. 1 nr. 3", "BL32.1.3"),
        ("BL32.1.3", "BL32.1.3"),
        ("barnets lov §32, stk.1, nr.3", "BL32.1.3"),
        ("SEL §110", "SEL110"),
        ("SEL110", "SEL110"),
        ("servicelovens § 107", "SEL107"),
        ("SEL § 52 a", "SEL52a"),
        ("SEL § 141", "SEL141"),
    ],
)
def test_paragraph_normalisation(text: str, code: str) -> None:
    assert normalise_paragraph(_s(text)).tolist() == [code]


@pytest.mark.parametrize("text", ["foo", "§ 52", "SEL", "SEL § 52 stk. x", "ABC52"])
def test_paragraph_not_recognised(text: str) -> None:
    assert normalise_paragraph(_s(text)).isna().all()


def test_enum_lower_cased_and_checked() -> None:
    assert cast_enum(_s("Born", "voksen", "barn"), ("born", "voksen")).tolist() == [
        "born",
        "voksen",
        pd.NA,
    ]


def test_stage_cases_renames_and_casts_one_to_one() -> None:
    text = (
        "cpr;sag_id;maalgruppe;center_kode;oprettet;akut;sagsbehandler_id\n"
        "0102031234;S1;born;BFCK;01.02.2024;ja;\n"
        "bad;S2;voksen;SCK;;;E1\n"
    )
    raw = RawFile(name="sager", label="sager.csv", frame=parse_csv(text.encode()), sha256="")
    st = stage_cases(raw)
    spec = contract.BY_NAME["sager"]
    assert list(st.frame.columns) == [c.english for c in spec.columns]
    assert len(st.frame) == 2  # nothing dropped at staging
    assert st.frame["cpr"].tolist() == ["010203-1234", pd.NA]
    assert st.frame["opened_on"].tolist()[0] == pd.Timestamp(2024, 2, 1)
    assert st.frame["acute"].tolist() == [True, False]
    assert st.frame["caseworker_id"].tolist() == [pd.NA, "E1"]
    assert st.frame["team"].isna().all()  # absent optional column
