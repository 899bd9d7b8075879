"""etl.read: finding, decoding and parsing extract files (format rules)."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from etl_extract_factory import csv_text, prepare, valid_files, write_extract

from etl.problems import ExtractRefused
from etl.read import decode, detect_delimiter, parse_csv, read_extract


def test_decode_utf8_bom_and_cp1252() -> None:
    assert decode("Søren".encode("utf-8-sig")) == ("Søren", "utf-8-sig")
    assert decode("Søren".encode()) == ("Søren", "utf-8")
    assert decode("Søren Æblø".encode("cp1252")) == ("Søren Æblø", "cp1252")


def test_detect_delimiter() -> None:
    assert detect_delimiter("a;b;c") == ";"
    assert detect_delimiter("a,b,c") == ","
    assert detect_delimiter("a;b,c") == ";"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_encodings_and_delimiters_load_the_same(tmp_path: Path, encoding: str, sep: str) -> None:
    files = valid_files()
    files["medarbejdere"][0]["navn"] = "Søren Ærø"
    files["foranstaltninger"][0]["paragraf"] = "SEL § 52 stk. 3 nr. 7"
    write_extract(tmp_path, files, sep=sep, encoding=encoding)
    prep = prepare(tmp_path)
    assert prep.frames["measures"]["paragraph"].tolist() == ["SEL52.3.7", "SEL107"]
    emp = prep.frames["employees"]
    assert emp.loc[emp["employee_id"] == "E1", "name"].item() == "Søren Ærø"
    assert list(emp.columns)[0] == "employee_id"  # BOM not glued to the first header
    assert prep.rows_rejected["sager.csv"] == 0
    assert prep.rows_loaded["sager.csv"] == 3


def test_line_numbers_and_blank_lines() -> None:
    text = "a;b\n1;x\n\n2;y\n"
    df = parse_csv(text.encode())
    assert df["_line"].tolist() == [2, 4]
    assert df["a"].tolist() == ["1", "2"]


def test_line_numbers_after_a_quoted_cell_that_spans_lines() -> None:
    text = 'a;b\n1;"første linje\nanden linje"\n\n2;y\n3;"x\r\ny\r\nz"\n4;w\n'
    df = parse_csv(text.encode())
    assert df["a"].tolist() == ["1", "2", "3", "4"]
    assert df.loc[0, "b"] == "første linje\nanden linje"
    assert df["_line"].tolist() == [2, 5, 6, 9]


def test_cells_are_text_and_stripped() -> None:
    df = parse_csv(b"id;cpr;n\n 007 ;0102031234;1.50\n")
    assert df.loc[0, "id"] == "007"
    assert df.loc[0, "cpr"] == "0102031234"
    assert df.loc[0, "n"] == "1.50"


def test_column_order_and_file_name_case(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"] = [dict(reversed(list(r.items()))) for r in files["sager"]]
    write_extract(tmp_path, files, names={"sager": "SAGER.CSV", "klager": "Klager.Csv"})
    prep = prepare(tmp_path)
    cases = prep.frames["cases"].set_index("case_id")
    assert cases.loc["S3", "cpr"] == "031185-0123"
    assert prep.rows_loaded["sager.csv"] == 3
    assert prep.rows_loaded["klager.csv"] == 1


def test_folder_and_zip_have_the_same_content_hash(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    zipped = tmp_path / "x.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for p in sorted(folder.iterdir(), reverse=True):
            zf.write(p, f"extract/{p.name}")
    a, b = read_extract(folder), read_extract(zipped)
    assert a.content_hash == b.content_hash
    assert set(b.files) == set(a.files)
    assert len(b.files["sager"].frame) == 3


def test_content_hash_changes_with_content(tmp_path: Path) -> None:
    a = read_extract(write_extract(tmp_path / "a"))
    files = valid_files()
    files["sager"][0]["team"] = "Team Syd"
    b = read_extract(write_extract(tmp_path / "b", files))
    assert a.content_hash != b.content_hash


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_xlsx_file_with_date_cells_and_numeric_cpr(tmp_path: Path) -> None:
    write_extract(tmp_path)
    (tmp_path / "sager.csv").unlink()
    _write_xlsx(
        tmp_path / "Sager.xlsx",
        [
            ["sag_id", "cpr", "maalgruppe", "center_kode", "oprettet", "akut"],
            ["S1", "010203-1234", "born", "BFCK", dt.datetime(2024, 1, 10), "J"],
            ["S2", 101901234, "voksen", "SCK", "01.05.2023", None],  # CPR as a number
            ["S3", "0311850123", "born", "BFCK", dt.date(2022, 2, 1), 1],
        ],
    )
    prep = prepare(tmp_path)
    cases = prep.frames["cases"].set_index("case_id")
    assert prep.rows_rejected["sager.xlsx"] == 0
    assert cases.loc["S1", "opened_on"] == dt.datetime(2024, 1, 10)
    assert cases.loc["S2", "opened_on"] == dt.datetime(2023, 5, 1)
    assert cases.loc["S2", "cpr"] == "010190-1234"
    assert bool(cases.loc["S1", "acute"]) is True
    assert bool(cases.loc["S3", "acute"]) is True


def test_manifest_gives_extract_date_and_source(tmp_path: Path) -> None:
    write_extract(tmp_path)
    prep = prepare(tmp_path)
    assert prep.extract_date == dt.date(2024, 6, 30)
    assert prep.source_system == "TestSystem"
    # --as-of wins over the manifest
    assert prepare(tmp_path, as_of=dt.date(2024, 7, 1)).extract_date == dt.date(2024, 7, 1)


def test_no_manifest_means_today_with_a_warning(tmp_path: Path) -> None:
    files = valid_files()
    del files["manifest"]
    write_extract(tmp_path, files)
    prep = prepare(tmp_path, today=dt.date(2024, 7, 5))
    assert prep.extract_date == dt.date(2024, 7, 5)
    warn = prep.problems[prep.problems["rule"] == "no-extract-date"]
    assert warn["severity"].tolist() == ["warning"]
    assert prep.rows_rejected["sager.csv"] == 0


def test_unknown_column_is_a_warning_once_per_file(tmp_path: Path) -> None:
    files = valid_files()
    for r in files["sager"]:
        r["noter"] = "fritekst"
    write_extract(tmp_path, files)
    prep = prepare(tmp_path)
    unknown = prep.problems[prep.problems["rule"] == "unknown-column"]
    assert unknown[["file", "column", "severity"]].values.tolist() == [
        ["sager.csv", "noter", "warning"]
    ]
    assert "noter" not in prep.frames["cases"].columns
    assert prep.rows_loaded["sager.csv"] == 3


def test_optional_files_may_be_missing_with_a_warning(tmp_path: Path) -> None:
    files = valid_files()
    del files["klager"], files["gennemgange"]
    write_extract(tmp_path, files)
    prep = prepare(tmp_path)
    assert prep.frames["complaints"].empty
    assert list(prep.frames["complaints"].columns)[:2] == ["complaint_id", "case_id"]
    assert "klager.csv" not in prep.rows_loaded
    warned = prep.problems[prep.problems["rule"] == "optional-file-missing"]
    assert warned[["file", "severity"]].values.tolist() == [
        ["klager.csv", "warning"],
        ["gennemgange.csv", "warning"],
    ]
    assert warned["message"].iloc[0] == (
        "Filen er ikke med i udtrækket; klager tømmes ved denne indlæsning (0 rækker)"
    )


def _refusal(tmp_path: Path) -> ExtractRefused:
    with pytest.raises(ExtractRefused) as info:
        read_extract(tmp_path)
    return info.value


def test_missing_required_file_refuses(tmp_path: Path) -> None:
    files = valid_files()
    del files["handleplaner"]
    write_extract(tmp_path, files)
    err = _refusal(tmp_path)
    assert [(p.rule, p.file) for p in err.problems] == [("missing-file", "handleplaner.csv")]
    assert err.problems[0].message == "Den påkrævede fil mangler i udtrækket (som .csv eller .xlsx)"
    assert "handleplaner.csv" in str(err)


def test_empty_file_refuses(tmp_path: Path) -> None:
    write_extract(tmp_path)
    (tmp_path / "sager.csv").write_bytes(b"")
    err = _refusal(tmp_path)
    assert [(p.rule, p.file) for p in err.problems] == [("empty-file", "sager.csv")]


def test_missing_required_column_refuses(tmp_path: Path) -> None:
    files = valid_files()
    for r in files["foranstaltninger"]:
        del r["paragraf"]
    write_extract(tmp_path, files)
    err = _refusal(tmp_path)
    assert [(p.rule, p.file, p.column) for p in err.problems] == [
        ("missing-column", "foranstaltninger.csv", "paragraf")
    ]


def test_missing_optional_column_is_fine(tmp_path: Path) -> None:
    files = valid_files()
    for r in files["sager"]:
        del r["akut"]
    write_extract(tmp_path, files)
    prep = prepare(tmp_path)
    assert prep.frames["cases"]["acute"].tolist() == [False, False, False]


def test_unreadable_file_refuses(tmp_path: Path) -> None:
    write_extract(tmp_path)
    (tmp_path / "sager.csv").unlink()
    (tmp_path / "sager.xlsx").write_bytes(b"this is not a workbook")
    err = _refusal(tmp_path)
    assert [(p.rule, p.file) for p in err.problems] == [("unreadable", "sager.xlsx")]


def test_ragged_csv_refuses_as_unreadable(tmp_path: Path) -> None:
    write_extract(tmp_path)
    text = csv_text(valid_files()["medarbejdere"]) + "E3;x;y;z;t;J;extra;more\n"
    (tmp_path / "medarbejdere.csv").write_text(text)
    err = _refusal(tmp_path)
    assert [(p.rule, p.file, p.line) for p in err.problems] == [
        ("unreadable", "medarbejdere.csv", 4)
    ]
    # Danish, without the parser's own text
    assert err.problems[0].message == (
        "Linjen har 8 felter, men overskriften har 6; filen kan ikke læses som CSV"
    )


def test_refusal_lists_every_file_problem(tmp_path: Path) -> None:
    src = write_extract(tmp_path / "src")
    dst = tmp_path / "dst"
    shutil.copytree(src, dst)
    (dst / "sager.csv").unlink()
    (dst / "ansoegninger.csv").write_bytes(b"\xef\xbb\xbf\n")
    err = _refusal(dst)
    assert sorted((p.rule, p.file) for p in err.problems) == [
        ("empty-file", "ansoegninger.csv"),
        ("missing-file", "sager.csv"),
    ]


def test_two_files_for_one_name_refuse(tmp_path: Path) -> None:
    write_extract(tmp_path)
    _write_xlsx(tmp_path / "sager.xlsx", [["sag_id"], ["S1"]])
    err = _refusal(tmp_path)
    assert [(p.rule, p.file) for p in err.problems] == [("duplicate-file", "sager")]


def test_workbook_with_two_filled_sheets_refuses(tmp_path: Path) -> None:
    write_extract(tmp_path)
    (tmp_path / "klager.csv").unlink()
    wb = openpyxl.Workbook()
    wb.active.append(["klage_id"])
    wb.create_sheet("Ark2").append(["x"])
    wb.create_sheet("Ark3")  # an empty extra sheet is fine
    wb.save(tmp_path / "klager.xlsx")
    err = _refusal(tmp_path)
    assert [(p.rule, p.file) for p in err.problems] == [("unreadable", "klager.xlsx")]
    assert err.problems[0].message == "Projektmappen har 2 ark med indhold; der må kun være ét"
