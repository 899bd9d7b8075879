"""Issue 9, the read and validate side: no extract, however broken, crashes a load or
loads silently wrong. One test (or a few) per fault, each on a small broken extract."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from etl_extract_factory import AS_OF, Rows, csv_text, prepare, valid_files, write_extract
from sqlalchemy import Engine

import etl.parse
import etl.read
from etl import contract
from etl.problems import ExtractRefused
from etl.read import parse_csv, read_extract
from vocab import PROBLEM_CODES

Files = dict[str, Rows]


def _refused(path: Path, **kwargs: object) -> ExtractRefused:
    with pytest.raises(ExtractRefused) as info:
        prepare(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def _found(problems: pd.DataFrame, rule: str | None = None) -> list[tuple[object, ...]]:
    """(file, line, column, rule, message) of the problems (of one rule)."""
    p = problems if rule is None else problems[problems["rule"] == rule]
    return [
        (r.file, None if pd.isna(r.line) else int(r.line), r.column, r.rule, r.message)
        for r in p.itertuples()
    ]


# ----------------------------------------------------------- fault 2: dates
EXTREME_DATES = [
    "9999-12-31",
    "31.12.9999",
    "2101-01-01",
    "2263-01-01",  # past pandas' nanosecond range
    "0001-01-01",
    "01-01-0001",
    "1677-09-21",
    "1989-12-31",
]
DATE_COLUMNS = [(spec, col) for spec in contract.FILES for col in spec.of_type(contract.DATE)]


@pytest.mark.parametrize("value", EXTREME_DATES)
def test_an_extreme_date_in_any_date_column_is_a_row_problem_or_no_end(
    tmp_path: Path, value: str
) -> None:
    files = valid_files()
    for spec, col in DATE_COLUMNS:
        files[spec.name][0][col.danish] = value
    prep = prepare(write_extract(tmp_path, files))  # never raises on a date
    late = int(value[:4] if value[4] == "-" else value[-4:]) > contract.MAX_YEAR
    for spec, col in DATE_COLUMNS:
        label = f"{spec.name}.csv"
        here = prep.problems[
            (prep.problems["file"] == label) & (prep.problems["column"] == col.danish)
        ]
        here = here[here["rule"] != "depends-on-rejected"]
        if late and col.open_end:
            expected = []
        elif late:
            expected = [
                (
                    label,
                    2,
                    col.danish,
                    "date-after-2100",
                    f"{col.danish} '{value}' ligger efter 2100; kun en slutdato må stå så "
                    "langt ude (som 'ingen slut')",
                )
            ]
        else:
            expected = [
                (
                    label,
                    2,
                    col.danish,
                    "date-before-1990",
                    f"{col.danish} '{value}' ligger før 1990",
                )
            ]
        assert _found(here) == expected, (spec.name, col.danish)
        assert here["value"].tolist() == [value] * len(expected)


def test_after_2100_in_an_end_column_means_no_end(tmp_path: Path) -> None:
    files = valid_files()
    files["foranstaltninger"][0]["slut"] = "9999-12-31"
    files["sager"][1]["lukket"] = "31.12.9999"
    prep = prepare(write_extract(tmp_path, files))
    assert prep.problems.empty  # not even a warning: a common way to write "no end"
    measures = prep.frames["measures"].set_index("measure_id")
    cases = prep.frames["cases"].set_index("case_id")
    assert pd.isna(measures.loc["M1", "end_on"])
    assert pd.isna(cases.loc["S2", "closed_on"])
    assert sum(prep.rows_rejected.values()) == 0


def test_a_next_deadline_after_the_extract_date_is_no_problem(tmp_path: Path) -> None:
    files = valid_files()
    files["opfoelgninger"][0]["naeste_frist"] = "2030-06-01"
    files["ansoegninger"][0]["afgjort"] = "2030-06-01"  # an event may not
    prep = prepare(write_extract(tmp_path, files))
    assert _found(prep.problems) == [
        (
            "ansoegninger.csv",
            2,
            "afgjort",
            "date-after-extract",
            "afgjort '2030-06-01' ligger efter udtræksdatoen 2024-06-30",
        )
    ]


def test_an_extract_dated_9999_is_refused_with_its_line(tmp_path: Path) -> None:
    files = valid_files()
    files["manifest"][0]["udtraeksdato"] = "9999-12-31"
    folder = write_extract(tmp_path, files)
    err = _refused(folder)
    assert [(p.file, p.line, p.column, p.rule, p.message) for p in err.problems] == [
        (
            "manifest.csv",
            2,
            "udtraeksdato",
            "date-after-2100",
            "udtraeksdato '9999-12-31' ligger efter 2100; udtrækket kan ikke dateres",
        )
    ]
    assert prepare(folder, as_of=AS_OF).extract_date == AS_OF  # --as-of wins


def test_a_9999_date_loads_through_the_load_job(db_engine: Engine, tmp_path: Path) -> None:
    from jobs.load import load_extract
    from store.db import read_current_data

    files = valid_files()
    files["foranstaltninger"][0]["slut"] = "9999-12-31"
    files["sager"][1]["lukket"] = "9999-12-31"
    files["klager"][0]["afgjort"] = "0001-01-01"  # a row problem, never a crash
    result = load_extract(write_extract(tmp_path / "x", files), engine=db_engine)
    assert result.status == "loaded", result.message
    assert [(p.file, p.line, p.rule) for p in result.problems] == [
        ("klager.csv", 2, "date-before-1990")
    ]
    data = read_current_data(db_engine)
    measures = data["measures"].set_index("measure_id")
    assert pd.isna(measures.loc["M1", "end_on"])
    assert len(data["cases"]) == 3


# ------------------------------------------------------- fault 4: size guard
def _zip(folder: Path, target: Path, big: dict[str, int] | None = None) -> Path:
    """The extract in `folder` as a zip; `big` replaces files by that many zero bytes,
    written as a stream."""
    big = big or {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.name not in big:
                zf.write(p, f"udtraek/{p.name}")
        for name, size in big.items():
            with zf.open(f"udtraek/{name}", "w", force_zip64=True) as f:
                for start in range(0, size, 1 << 20):
                    f.write(bytes(min(1 << 20, size - start)))
    return target


def test_a_zip_bomb_is_refused_from_the_zip_directory_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = _zip(write_extract(tmp_path / "x"), tmp_path / "x.zip", {"sager.csv": 20_000_000})

    def never(*_args: object) -> None:
        raise AssertionError("a file was read")

    monkeypatch.setattr(etl.read, "read_csv_file", never)
    err = _refused(bomb)
    assert [(p.rule, p.file) for p in err.problems] == [("zip-ratio", "sager.csv")]
    message = err.problems[0].message
    assert message.startswith("Filen pakkes ud fra ")
    assert "til 20,0 MB" in message and "grænsen på 100 (EXTRACT_MAX_RATIO)" in message


def test_an_extract_over_the_size_limit_is_refused_naming_its_largest_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_extract(tmp_path / "x")
    largest = max(folder.iterdir(), key=lambda p: p.stat().st_size).name
    monkeypatch.setenv("EXTRACT_MAX_BYTES", "1000")
    for path in (folder, _zip(folder, tmp_path / "x.zip")):
        err = _refused(path)
        assert [(p.rule, p.file) for p in err.problems] == [("extract-too-large", largest)]
        assert "mere end grænsen på 1,0 kB (EXTRACT_MAX_BYTES)" in err.problems[0].message
    monkeypatch.setenv("EXTRACT_MAX_BYTES", "100000")
    assert prepare(folder).rows_loaded["sager.csv"] == 3


def test_a_small_well_packed_entry_is_not_a_bomb(tmp_path: Path) -> None:
    """Below a megabyte the ratio is not checked: a file of empty lines packs very well."""
    folder = write_extract(tmp_path / "x")
    text = csv_text(valid_files()["klager"]) + "\n" * 200_000
    (folder / "klager.csv").write_text(text)
    assert read_extract(_zip(folder, tmp_path / "x.zip")).files["klager"].frame.shape[0] == 1


def test_a_file_is_read_as_a_stream_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines, cells and decoding stay right across chunk boundaries (tiny chunks here)."""
    monkeypatch.setattr(etl.parse, "CHUNK_BYTES", 64)
    lines = ["id;navn"] + [f"{i};Søren {i}" for i in range(2, 200)]  # id i on line i
    lines[119] = '120;"to\nlinjer"'  # a quoted cell spanning lines 120-121
    data = ("\n".join(lines) + "\n").encode()
    data = data.replace("Søren 150".encode(), "Søren 150".encode("cp1252"))  # now line 151
    df = parse_csv(data)
    assert len(df) == 198
    assert df.loc[df["id"] == "2", "_line"].item() == 2
    assert df.loc[df["id"] == "120", ["navn", "_line"]].values.tolist() == [["to\nlinjer", 120]]
    assert df.loc[df["id"] == "121", "_line"].item() == 122
    assert df.loc[df["id"] == "150", ["navn", "_line"]].values.tolist() == [["Søren 150", 151]]
    assert df["navn"].str.contains("Ã").sum() == 0


# ------------------------------------------- fault 6: encodings, headers, files
def test_one_cp1252_line_in_a_utf8_file_spoils_only_itself(tmp_path: Path) -> None:
    files = valid_files()
    files["medarbejdere"][0]["navn"] = "Søren Ærø"
    folder = write_extract(tmp_path, files)
    text = (folder / "medarbejdere.csv").read_bytes()
    (folder / "medarbejdere.csv").write_bytes(
        text.replace(b"Bo Holm", "Bodil Østergård".encode("cp1252"))
    )
    prep = prepare(folder)
    names = prep.frames["employees"].set_index("employee_id")["name"]
    assert names.to_dict() == {"E1": "Søren Ærø", "E2": "Bodil Østergård"}
    assert _found(prep.problems) == [
        (
            "medarbejdere.csv",
            3,
            None,
            "mixed-encoding",
            "Filen er UTF-8, men linjen har tegn, der ikke er UTF-8; de er læst som "
            "Windows-1252, så æ, ø og å står rigtigt. Tjek at teksten er som i fagsystemet",
        )
    ]
    assert prep.problems["severity"].tolist() == ["warning"]


def test_a_whole_cp1252_file_is_no_mixed_encoding(tmp_path: Path) -> None:
    files = valid_files()
    files["medarbejdere"][0]["navn"] = "Søren Ærø"
    files["medarbejdere"][1]["navn"] = "Bodil Østergård"
    folder = write_extract(tmp_path, files, encoding="cp1252")
    prep = prepare(folder)
    assert prep.problems.empty
    assert prep.frames["employees"]["name"].tolist() == ["Søren Ærø", "Bodil Østergård"]


def test_duplicate_header_columns_refuse_in_any_case(tmp_path: Path) -> None:
    folder = write_extract(tmp_path)
    header, *rows = (folder / "sager.csv").read_text().splitlines()
    (folder / "sager.csv").write_text(
        "\n".join([header + ";CPR"] + [r + ";0101901234" for r in rows]) + "\n"
    )
    staff = (folder / "medarbejdere.csv").read_text().splitlines()
    (folder / "medarbejdere.csv").write_text(
        "\n".join([staff[0] + "; Team "] + [r + ";x" for r in staff[1:]]) + "\n"
    )
    err = _refused(folder)
    assert [(p.file, p.line, p.column, p.rule, p.message) for p in err.problems] == [
        (
            "medarbejdere.csv",
            1,
            "team",
            "duplicate-column",
            "Kolonnen team står 2 gange i overskriften (team, Team); filen kan ikke indlæses",
        ),
        (
            "sager.csv",
            1,
            "cpr",
            "duplicate-column",
            "Kolonnen cpr står 2 gange i overskriften (cpr, CPR); filen kan ikke indlæses",
        ),
    ]


def test_unknown_files_and_missing_optional_files_are_warnings(tmp_path: Path) -> None:
    files = valid_files()
    del files["gennemgange"]
    folder = write_extract(tmp_path, files)
    (folder / "noter.txt").write_text("x")
    (folder / "sager_gammel.csv").write_text("x")
    (folder / ".DS_Store").write_text("x")  # hidden files are nobody's business
    prep = prepare(folder)
    known = "medarbejdere, sager, foranstaltninger, handleplaner, opfoelgninger, " + (
        "undersoegelser, ansoegninger, klager, gennemgange, manifest"
    )
    unknown = (
        f"Filen hører ikke til udtrækket og er ikke læst (kendte filer: {known}; "
        "som .csv eller .xlsx)"
    )
    assert _found(prep.problems) == [
        ("noter.txt", None, None, "unknown-file", unknown),
        ("sager_gammel.csv", None, None, "unknown-file", unknown),
        (
            "gennemgange.csv",
            None,
            None,
            "optional-file-missing",
            "Filen er ikke med i udtrækket; gennemgange tømmes ved denne indlæsning (0 rækker)",
        ),
    ]
    assert set(prep.problems["severity"]) == {"warning"}
    assert prep.frames["reviews"].empty
    assert prep.rows_loaded["sager.csv"] == 3


def test_control_characters_in_ids_and_texts_are_row_problems(tmp_path: Path) -> None:
    files = valid_files()
    files["ansoegninger"][0]["ansoegning_id"] = "A\x001"
    files["medarbejdere"][1]["navn"] = "Bo\x07 Holm"
    files["foranstaltninger"][0]["betegnelse"] = "Aflastning\tweekend"  # a tab is text
    prep = prepare(write_extract(tmp_path, files))
    assert _found(prep.problems) == [
        (
            "medarbejdere.csv",
            3,
            "navn",
            "control-character",
            "navn 'Bo\\x07 Holm' indeholder et kontroltegn (vist som \\xNN), som ikke må "
            "stå i en tekst",
        ),
        (
            "ansoegninger.csv",
            2,
            "ansoegning_id",
            "control-character",
            "ansoegning_id 'A\\x001' indeholder et kontroltegn (vist som \\xNN), som ikke må "
            "stå i et id",
        ),
    ]
    assert prep.problems["value"].tolist() == ["Bo\\x07 Holm", "A\\x001"]
    assert prep.rows_rejected["ansoegninger.csv"] == 1
    assert prep.rows_rejected["medarbejdere.csv"] == 1
    assert prep.rows_rejected["foranstaltninger.csv"] == 0


# ------------------------------------------------ fault 1: a header-only file
def test_a_header_only_required_file_is_refused(tmp_path: Path) -> None:
    folder = write_extract(tmp_path)
    (folder / "sager.csv").write_text(";".join(contract.BY_NAME["sager"].danish_columns) + "\n")
    err = _refused(folder)
    assert [(p.file, p.line, p.rule, p.message) for p in err.problems] == [
        (
            "sager.csv",
            1,
            "empty-file",
            "Filen har kun overskriften og ingen rækker (en eksport, der fejlede?); "
            "en påkrævet fil må ikke være tom",
        )
    ]
    # an operator may force it (the load job's --accept-shrink): then it is no rows
    prep = prepare(folder, accept_empty=True)
    assert prep.rows_loaded["sager.csv"] == 0
    assert prep.frames["cases"].empty


def test_a_header_only_optional_file_loads_as_no_rows(tmp_path: Path) -> None:
    folder = write_extract(tmp_path)
    (folder / "klager.csv").write_text(";".join(contract.BY_NAME["klager"].danish_columns) + "\n")
    prep = prepare(folder)
    assert prep.problems.empty
    assert prep.frames["complaints"].empty
    assert prep.rows_loaded["klager.csv"] == 0


# ----------------------------------------------- fault 7: messages and lines
def test_line_numbers_are_the_files_lines(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"] += [dict(files["sager"][1], sag_id=f"S{i}") for i in range(4, 101)]
    files["sager"][99]["oprettet"] = "2024-13-01"  # row 100 is line 101
    folder = write_extract(tmp_path, files)
    header = ";".join(contract.BY_NAME["klager"].danish_columns)
    (folder / "klager.csv").write_text(
        "\n"  # a blank line first: the header is line 2
        + header
        + '\nK0;S1;SEL52.3.7;"real\nitet";2024-03-01;;\n'  # lines 3-4
        + "K1;S1;SEL52.3.7;realitet;x;;\n"  # line 5
    )
    prep = prepare(folder)
    errors = prep.problems[prep.problems["severity"] == "error"]
    assert [(r.file, int(r.line), r.column, r.rule) for r in errors.itertuples()] == [
        ("sager.csv", 101, "oprettet", "date-format"),
        ("klager.csv", 3, "klagetype", "enum"),  # 'real\nitet' is no complaint type
        ("klager.csv", 5, "modtaget", "date-format"),
    ]


def test_messages_are_danish_and_name_their_own_file_only_in_the_file_field(
    tmp_path: Path,
) -> None:
    files = valid_files()
    files["sager"][0].update(maalgruppe="", akut="kanske", cpr="3102031234")
    files["sager"][2]["sagsbehandler_id"] = "E9"
    files["foranstaltninger"][1].update(paragraf="x", slut="2023-01-01")
    files["handleplaner"][1]["tilbudt"] = ""
    files["undersoegelser"][0]["sag_id"] = "S99"
    files["opfoelgninger"][1]["foranstaltning_id"] = "M1"
    files["klager"][0].update(udfald="vundet", modtaget="1989-01-01")
    files["medarbejdere"][1]["team"] = "x" * 101
    files["gennemgange"].append(dict(files["gennemgange"][0]))
    del files["manifest"]
    prep = prepare(write_extract(tmp_path, files), today=dt.date(2024, 6, 30))
    assert set(prep.problems["rule"]) >= {
        "required",
        "bool-format",
        "cpr-date",
        "paragraph-format",
        "end-before-start",
        "plan-without-date",
        "unknown-case",
        "unknown-caseworker",
        "measure-other-case",
        "enum",
        "date-before-1990",
        "too-long",
        "duplicate-id",
        "depends-on-rejected",
        "no-extract-date",
    }
    for p in prep.problems.itertuples():
        assert p.rule in PROBLEM_CODES
        assert p.file not in p.message, p
        for english in (" is ", " not ", " must ", " line ", "Error", "--as-of"):
            assert english not in p.message, p
    by_rule = prep.problems.set_index("rule")["message"]
    assert by_rule["unknown-case"] == "sag_id 'S99' findes ikke i sager.csv"
    assert by_rule["no-extract-date"] == (
        "Udtrækket har ingen udtræksdato (kolonnen udtraeksdato); dags dato 2024-06-30 er brugt"
    )


@pytest.mark.parametrize(
    "text",
    [
        b"\n\nid;navn\n1;a\n2;b\n",  # blank lines before the header
        b"\r\n\r\nid;navn\r\n1;a\r\n2;b",  # Windows line ends, no last line end
        b"\r\rid;navn\r1;a\r2;b\r",  # old Mac line ends
        b"\xef\xbb\xbf\n\nid;navn\n1;a\n2;b\n",  # a BOM
    ],
)
def test_rows_keep_their_lines_whatever_the_line_ends(text: bytes) -> None:
    df = parse_csv(text)
    assert df[["id", "navn", "_line"]].values.tolist() == [["1", "a", 4], ["2", "b", 5]]


def test_a_utf16_file_is_refused_with_advice(tmp_path: Path) -> None:
    folder = write_extract(tmp_path)
    text = (folder / "medarbejdere.csv").read_text()
    (folder / "medarbejdere.csv").write_bytes(text.encode("utf-16"))
    err = _refused(folder)
    assert [(p.file, p.rule, p.message) for p in err.problems] == [
        (
            "medarbejdere.csv",
            "unreadable",
            "Filen er gemt som UTF-16 (Unicode-tekst); gem den som CSV i UTF-8 eller Windows-1252",
        )
    ]


def test_an_unknown_caseworker_is_a_warning_and_the_case_is_kept(tmp_path: Path) -> None:
    files = valid_files()
    files["sager"][1]["sagsbehandler_id"] = "E9"
    prep = prepare(write_extract(tmp_path, files))
    assert _found(prep.problems) == [
        (
            "sager.csv",
            3,
            "sagsbehandler_id",
            "unknown-caseworker",
            "sagsbehandler_id 'E9' findes ikke i medarbejdere.csv; sagen indlæses og tælles "
            "som ufordelt",
        )
    ]
    assert prep.problems["severity"].tolist() == ["warning"]
    assert prep.rows_rejected["sager.csv"] == 0
    cases = prep.frames["cases"].set_index("case_id")
    assert cases.loc["S2", "caseworker_id"] == "E9"  # the engine counts it as unassigned
    assert prep.rows_loaded["foranstaltninger.csv"] == 2  # its measures stay too
