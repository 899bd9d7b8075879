"""etl.validate: every rule, on a minimal valid extract broken in one place."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from etl_extract_factory import AS_OF, Prepared, Rows, prepare, valid_files, write_extract

from etl import contract
from etl.read import read_extract
from etl.staging import empty_raw, stage
from etl.validate import Validation, cpr_date_valid, validate_extract

Files = dict[str, Rows]


def _prepare(tmp_path: Path, files: Files) -> Prepared:
    return prepare(write_extract(tmp_path / "x", files))


def _errors(prep: Prepared) -> list[tuple[str, int, str, str]]:
    err = prep.problems[prep.problems["severity"] == "error"]
    return [(r.file, int(r.line), r.column, r.rule) for r in err.itertuples()]


def test_valid_extract_has_no_problems(tmp_path: Path) -> None:
    prep = _prepare(tmp_path, valid_files())
    assert prep.problems.empty
    assert sum(prep.rows_rejected.values()) == 0
    assert sum(prep.rows_loaded.values()) == 15


def _set(file: str, i: int, **values: str) -> Callable[[Files], None]:
    def change(f: Files) -> None:
        f[file][i].update(values)

    return change


def _append(file: str, i: int, **values: str) -> Callable[[Files], None]:
    def change(f: Files) -> None:
        f[file].append(dict(f[file][i], **values))

    return change


# (change, expected (file, line, column, rule)) - line 2 is the first row.
CASES = {
    "required": (_set("sager", 0, maalgruppe=""), ("sager.csv", 2, "maalgruppe", "required")),
    "date-format": (
        _set("sager", 1, oprettet="2024-13-01"),
        ("sager.csv", 3, "oprettet", "date-format"),
    ),
    "bool-format": (
        _set("medarbejdere", 1, aktiv="maybe"),
        ("medarbejdere.csv", 3, "aktiv", "bool-format"),
    ),
    "cpr-format": (_set("sager", 2, cpr="03118-50123"), ("sager.csv", 4, "cpr", "cpr-format")),
    "cpr-date": (_set("sager", 2, cpr="310285-0123"), ("sager.csv", 4, "cpr", "cpr-date")),
    "enum-maalgruppe": (
        _set("sager", 0, maalgruppe="barn"),
        ("sager.csv", 2, "maalgruppe", "enum"),
    ),
    "enum-form": (_set("opfoelgninger", 1, form="brev"), ("opfoelgninger.csv", 3, "form", "enum")),
    "enum-klagetype": (
        _set("klager", 0, klagetype="andet"),
        ("klager.csv", 2, "klagetype", "enum"),
    ),
    "enum-udfald": (_set("klager", 0, udfald="vundet"), ("klager.csv", 2, "udfald", "enum")),
    "paragraph-format": (
        _set("foranstaltninger", 1, paragraf="paragraf 107"),
        ("foranstaltninger.csv", 3, "paragraf", "paragraph-format"),
    ),
    "too-long": (
        _set("medarbejdere", 1, team="x" * 101),
        ("medarbejdere.csv", 3, "team", "too-long"),
    ),
    "duplicate-id": (
        _append("handleplaner", 1),
        ("handleplaner.csv", 4, "handleplan_id", "duplicate-id"),
    ),
    "duplicate-review": (
        _append("gennemgange", 0, gennemgaaet="2024-05-01"),
        ("gennemgange.csv", 3, "sag_id/kampagne", "duplicate-id"),
    ),
    "unknown-case": (
        _set("undersoegelser", 0, sag_id="S99"),
        ("undersoegelser.csv", 2, "sag_id", "unknown-case"),
    ),
    "unknown-measure": (
        _set("opfoelgninger", 1, foranstaltning_id="M9"),
        ("opfoelgninger.csv", 3, "foranstaltning_id", "unknown-measure"),
    ),
    "measure-other-case": (
        _set("opfoelgninger", 1, foranstaltning_id="M1"),
        ("opfoelgninger.csv", 3, "foranstaltning_id", "measure-other-case"),
    ),
    "date-after-extract": (
        _set("ansoegninger", 0, afgjort="2024-07-01"),
        ("ansoegninger.csv", 2, "afgjort", "date-after-extract"),
    ),
    "end-before-start": (
        _set("foranstaltninger", 1, slut="2023-05-31"),
        ("foranstaltninger.csv", 3, "slut", "end-before-start"),
    ),
    "end-before-start-investigation": (
        _set("undersoegelser", 0, afsluttet="09.01.2024"),
        ("undersoegelser.csv", 2, "afsluttet", "end-before-start"),
    ),
    "date-before-1990": (
        _set("klager", 0, modtaget="31-12-1989"),
        ("klager.csv", 2, "modtaget", "date-before-1990"),
    ),
    "plan-without-date": (
        _set("handleplaner", 1, tilbudt=""),
        ("handleplaner.csv", 3, "udarbejdet", "plan-without-date"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_rejects_its_row(tmp_path: Path, name: str) -> None:
    change, expected = CASES[name]
    files = valid_files()
    change(files)
    prep = _prepare(tmp_path, files)
    # (cascades to dependent rows are tested separately)
    assert [e for e in _errors(prep) if e[3] != "depends-on-rejected"] == [expected]
    file, line, _col, rule = expected
    rej = prep.rejected_rows[prep.rejected_rows["file"] == file]
    assert rej["line"].tolist() == [line]
    assert rej["reasons"].tolist() == [rule]
    # nothing is lost: loaded + rejected = rows in the file
    rows = len(files[file.removesuffix(".csv")])
    assert prep.rows_loaded[file] + prep.rows_rejected[file] == rows


def test_next_deadline_may_lie_after_the_extract_date(tmp_path: Path) -> None:
    files = valid_files()
    files["opfoelgninger"][0]["naeste_frist"] = "2025-01-01"
    assert _prepare(tmp_path, files).problems.empty


def test_messages_quote_the_cell_that_broke_the_rule(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][1].update(oprettet="2024-13-01", maalgruppe="barn")
    files["medarbejdere"][0]["aktiv"] = "maybe"
    files["foranstaltninger"][0]["paragraf"] = "SEL paragraf"
    prep = _prepare(tmp_path, files)
    err = prep.problems[prep.problems["severity"] == "error"]
    messages = dict(zip(err["rule"], err["message"], strict=True))
    assert messages["date-format"] == (
        "oprettet '2024-13-01' er ikke en gyldig dato (YYYY-MM-DD, DD-MM-YYYY eller DD.MM.YYYY)"
    )
    assert messages["enum"] == "maalgruppe skal være en af born, voksen, ikke 'barn'"
    assert messages["bool-format"] == (
        "aktiv skal være J/N, ja/nej, 1/0 eller true/false, ikke 'maybe'"
    )
    assert messages["paragraph-format"] == (
        "paragraf 'SEL paragraf' er ikke en genkendelig lovhjemmel "
        "(fx SEL52.3.7, 'SEL § 52, stk. 3, nr. 7' eller BL32.1.3)"
    )


def test_every_problem_is_collected_in_one_pass(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][1].update(oprettet="x", maalgruppe="", akut="kanske")
    files["medarbejdere"][0]["aktiv"] = "?"
    prep = _prepare(tmp_path, files)
    assert sorted(_errors(prep)) == sorted(
        [
            ("medarbejdere.csv", 2, "aktiv", "bool-format"),
            ("sager.csv", 3, "akut", "bool-format"),
            ("sager.csv", 3, "maalgruppe", "required"),
            ("sager.csv", 3, "oprettet", "date-format"),
        ]
        + [
            (f, 3 if f != "ansoegninger.csv" else 2, "sag_id", "depends-on-rejected")
            for f in [
                "ansoegninger.csv",
                "foranstaltninger.csv",
                "handleplaner.csv",
                "opfoelgninger.csv",
            ]
        ]
    )


def test_rejected_case_rejects_its_dependents(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][0]["oprettet"] = "2024-02-30"  # case S1 rejected
    prep = _prepare(tmp_path, files)
    dep = prep.problems[prep.problems["rule"] == "depends-on-rejected"]
    assert sorted(dep["file"]) == [
        "foranstaltninger.csv",
        "gennemgange.csv",
        "handleplaner.csv",
        "klager.csv",
        "opfoelgninger.csv",  # via the case, and via its measure M1
        "opfoelgninger.csv",
        "undersoegelser.csv",
    ]
    assert set(dep["value"]) == {"S1", "M1"}
    assert dep[dep["value"] == "S1"]["message"].iloc[0] == (
        "sag 'S1' er afvist (sager.csv linje 2), så denne række afvises også"
    )
    assert prep.frames["cases"]["case_id"].tolist() == ["S2", "S3"]
    assert prep.frames["measures"]["measure_id"].tolist() == ["M2"]
    assert prep.frames["follow_ups"]["follow_up_id"].tolist() == ["O2"]
    assert prep.frames["complaints"].empty
    for file, n in prep.rows_loaded.items():
        assert n + prep.rows_rejected[file] == len(files[file.removesuffix(".csv")])


def test_rejected_measure_rejects_its_follow_ups(tmp_path: Path) -> None:
    files = valid_files()
    files["foranstaltninger"][0]["start"] = ""  # measure M1 rejected (required)
    prep = _prepare(tmp_path, files)
    assert _errors(prep) == [
        ("foranstaltninger.csv", 2, "start", "required"),
        ("opfoelgninger.csv", 2, "foranstaltning_id", "depends-on-rejected"),
    ]
    assert prep.frames["cases"]["case_id"].tolist() == ["S1", "S2", "S3"]


def test_duplicate_keeps_the_first_occurrence(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"].append(dict(files["sager"][0], team="Other"))
    prep = _prepare(tmp_path, files)
    cases = prep.frames["cases"]
    assert cases.loc[cases["case_id"] == "S1", "team"].tolist() == ["Team Nord"]
    assert prep.rows_rejected["sager.csv"] == 1
    # the dependents of S1 still load: its first row was kept
    assert prep.rows_loaded["foranstaltninger.csv"] == 2


def test_cpr_values_are_masked_in_problems_but_kept_raw_in_quarantine(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][0]["cpr"] = "3102031234"
    files["sager"][1]["cpr"] = "01019-1234"
    files["sager"][2]["sagsbehandler_id"] = "0311850123"  # a CPR in the wrong column
    prep = _prepare(tmp_path, files)
    sager = prep.problems[prep.problems["file"] == "sager.csv"]
    values = sager.set_index("line")["value"].to_dict()
    assert values == {2: "310203-XXXX", 3: "010191-XXXX", 4: "031185-XXXX"}
    text = prep.problems.to_string()
    assert "1234" not in text and "0123" not in text
    # an unknown caseworker is a warning: that case is kept
    rej = prep.rejected_rows[prep.rejected_rows["file"] == "sager.csv"]
    raws = [json.loads(r)["cpr"] for r in rej["raw"]]
    assert raws == ["3102031234", "01019-1234"]


@pytest.mark.parametrize(
    ("cpr", "ok"),
    [
        ("290200-1234", True),  # 2000 was a leap year
        ("290296-1234", True),
        ("290201-1234", False),
        ("310485-1234", False),
        ("300485-1234", True),
        ("001085-1234", False),
        ("011385-1234", False),
        ("311299-1234", True),
    ],
)
def test_cpr_date_part(cpr: str, ok: bool) -> None:
    assert cpr_date_valid(pd.Series([cpr], dtype="string")).tolist() == [ok]


# ------------------------------------------------- references from the contract
def _validate_with(tmp_path: Path, files: Files, specs: list[contract.FileSpec]) -> Validation:
    """Read, stage with `specs` (the contract, or a changed copy) and validate."""
    extract = read_extract(write_extract(tmp_path / "x", files))
    staged = {
        spec.name: stage(extract.files.get(spec.name) or empty_raw(spec), spec) for spec in specs
    }
    return validate_extract(staged, AS_OF)


def _declare(name: str, column: contract.Column) -> list[contract.FileSpec]:
    """The contract's files with one more column declared in file `name`."""
    spec = contract.BY_NAME[name]
    changed = dataclasses.replace(spec, columns=(*spec.columns, column))
    return [changed if s.name == name else s for s in contract.FILES]


def _rules(validation: Validation, file: str) -> list[tuple[int, str, str]]:
    p = validation.problems[validation.problems["file"] == file]
    return sorted(zip(p["line"].astype(int), p["column"], p["rule"], strict=True))


def test_a_reference_declared_in_the_contract_is_checked_without_code(tmp_path: Path) -> None:
    """Complaints refer to a measure only in this test's contract: unknown, other-case and
    depends-on-rejected follow from the declaration alone."""
    specs = _declare(
        "klager",
        contract.Column(
            "foranstaltning_id", "measure_id", contract.ID, references=contract.TO_MEASURE
        ),
    )
    files = valid_files()
    files["foranstaltninger"][0]["start"] = ""  # M1 (case S1) rejected
    complaint = files["klager"][0]
    files["klager"] = [
        dict(complaint, klage_id="K1", foranstaltning_id="M1"),  # depends on rejected M1
        dict(complaint, klage_id="K2", foranstaltning_id="M9"),  # unknown
        dict(complaint, klage_id="K3", foranstaltning_id="M2"),  # M2 is case S2's
        dict(complaint, klage_id="K4", foranstaltning_id=""),  # no measure: fine
    ]
    validation = _validate_with(tmp_path, files, specs)
    assert _rules(validation, "klager.csv") == [
        (2, "foranstaltning_id", "depends-on-rejected"),
        (3, "foranstaltning_id", "unknown-measure"),
        (4, "foranstaltning_id", "measure-other-case"),
    ]
    assert validation.rejected["klager"].tolist() == [True, True, True, False]
    message = validation.problems.set_index("rule").loc["measure-other-case", "message"]
    assert message == "foranstaltning_id 'M2' hører til sag_id 'S2', ikke til rækkens sag_id 'S1'"
    # the same files under the real contract: the column is unknown there, nothing checked
    assert (
        _rules(_validate_with(tmp_path / "real", files, list(contract.FILES)), "klager.csv") == []
    )


def test_a_reference_without_dependency_keeps_the_row(tmp_path: Path) -> None:
    """Like the caseworker reference: an unknown id is reported, a rejected target is not
    passed on."""
    loose = contract.Reference("sager", "unknown-case", depends=False)
    specs = _declare(
        "gennemgange", contract.Column("anden_sag", "other_case_id", contract.ID, references=loose)
    )
    files = valid_files()
    files["sager"][0]["oprettet"] = "x"  # S1 rejected
    files["gennemgange"][0].update(anden_sag="S1")
    files["gennemgange"].append(dict(files["gennemgange"][0], kampagne="B", anden_sag="S7"))
    validation = _validate_with(tmp_path, files, specs)
    assert _rules(validation, "gennemgange.csv") == [
        (2, "sag_id", "depends-on-rejected"),  # the declared sag_id reference still depends
        (3, "anden_sag", "unknown-case"),
        (3, "sag_id", "depends-on-rejected"),
    ]


def test_cross_file_rules_follow_the_declared_references(tmp_path: Path) -> None:
    """Every declared reference produces its unknown-id rule, in any file order."""
    files = valid_files()
    for spec, column in contract.REFERENCES:
        files[spec.name][0][column.danish] = "NOPE"
    extract = read_extract(write_extract(tmp_path / "x", files))
    staged = {spec.name: stage(extract.files[spec.name], spec) for spec in reversed(contract.FILES)}
    problems = validate_extract(staged, AS_OF).problems
    found = set(zip(problems["file"], problems["column"], problems["rule"], strict=True))
    for spec, column in contract.REFERENCES:
        assert column.references is not None
        assert (f"{spec.name}.csv", column.danish, column.references.unknown_rule) in found
