"""Tests for the synthetic demo extract (the `demo` package), checked on the written files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from demo import generate_demo_frames, write_demo_extract

AS_OF = dt.date(2026, 11, 21)
D = pd.Timestamp(AS_OF)

# The contract's columns (extract-format.md), written out here on purpose.
CONTRACT = {
    "medarbejdere": {"medarbejder_id", "navn", "email", "center_kode", "team", "aktiv"},
    "sager": {
        "sag_id",
        "cpr",
        "maalgruppe",
        "center_kode",
        "team",
        "sagsbehandler_id",
        "oprettet",
        "lukket",
        "akut",
    },
    "foranstaltninger": {
        "foranstaltning_id",
        "sag_id",
        "paragraf",
        "betegnelse",
        "bevilget",
        "start",
        "slut",
        "akut",
    },
    "handleplaner": {"handleplan_id", "sag_id", "udarbejdet", "revideret", "tilbudt", "afslaaet"},
    "opfoelgninger": {
        "opfoelgning_id",
        "sag_id",
        "foranstaltning_id",
        "dato",
        "form",
        "naeste_frist",
    },
    "undersoegelser": {"undersoegelse_id", "sag_id", "startdato", "afsluttet"},
    "ansoegninger": {
        "ansoegning_id",
        "sag_id",
        "ydelse",
        "modtaget",
        "afgjort",
        "underretning_sendt",
    },
    "klager": {"klage_id", "sag_id", "paragraf", "klagetype", "modtaget", "afgjort", "udfald"},
    "gennemgange": {"sag_id", "kampagne", "gennemgaaet"},
}
DATES = {
    "sager": ["oprettet", "lukket"],
    "foranstaltninger": ["bevilget", "start", "slut"],
    "handleplaner": ["udarbejdet", "revideret", "tilbudt"],
    "opfoelgninger": ["dato"],  # naeste_frist is a deadline and may lie ahead
    "undersoegelser": ["startdato", "afsluttet"],
    "ansoegninger": ["modtaget", "afgjort", "underretning_sendt"],
    "klager": ["modtaget", "afgjort"],
    "gennemgange": ["gennemgaaet"],
}


def parse_dates(s: pd.Series) -> pd.Series:
    """The contract's three date formats; anything else (or empty) -> NaT."""
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%d-%m-%Y", "%d.%m.%Y"):
        out = out.fillna(pd.to_datetime(s, format=fmt, errors="coerce"))
    return out


def read_extract(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
        for name in CONTRACT
    }


def cpr_birth(cpr: pd.Series) -> pd.Series:
    """Birth date from DDMMYY-SSSS using the real century rule for serials 4000-9999."""
    digits = cpr.str.replace("-", "", regex=False)
    yy = digits.str[4:6].astype(int)
    century = (yy <= 36).map({True: "20", False: "19"})
    return pd.to_datetime(
        century + digits.str[4:6] + digits.str[2:4] + digits.str[0:2],
        format="%Y%m%d",
        errors="coerce",
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    folder = write_demo_extract(tmp_path_factory.mktemp("tiny"), scale="tiny", seed=7, as_of=AS_OF)
    return read_extract(folder)


@pytest.fixture(scope="module")
def kbh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    folder = write_demo_extract(tmp_path_factory.mktemp("kbh"), scale="kbh", seed=1, as_of=AS_OF)
    return read_extract(folder)


def test_deterministic_for_a_seed() -> None:
    a = generate_demo_frames("tiny", seed=3, as_of=AS_OF, error_rate=0.02)
    b = generate_demo_frames("tiny", seed=3, as_of=AS_OF, error_rate=0.02)
    c = generate_demo_frames("tiny", seed=4, as_of=AS_OF, error_rate=0.02)
    for name in CONTRACT:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["sager"].equals(c["sager"])


def test_every_file_with_contract_columns_and_manifest(tmp_path: Path) -> None:
    out = write_demo_extract(tmp_path / "x", scale="tiny", seed=1, as_of=AS_OF)
    assert out == tmp_path / "x"
    for name, cols in CONTRACT.items():
        df = pd.read_csv(out / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
        assert set(df.columns) == cols, name
        assert len(df) > 0, name
    manifest = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest == ["udtraeksdato;kilde", "2026-11-21;DEMO (syntetiske data)"]


def test_as_of_defaults_to_yesterday(tmp_path: Path) -> None:
    out = write_demo_extract(tmp_path, scale="tiny", seed=1)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert (out / "manifest.csv").read_text().splitlines()[1].startswith(yesterday.isoformat())


def test_cpr_format_synthetic_serial_and_age(tiny: dict[str, pd.DataFrame]) -> None:
    sager = tiny["sager"]
    assert sager["cpr"].str.fullmatch(r"\d{6}-?9\d{3}").all()
    birth = cpr_birth(sager["cpr"])
    assert birth.notna().all()  # the date part is a real date
    age = (D - birth).dt.days / 365.25
    child = sager["maalgruppe"] == "born"
    assert age[child].between(0, 23).all()
    assert (age[child] >= 18).any()  # some young people in after-care
    assert age[~child].between(18, 90).all()
    assert (birth <= parse_dates(sager["oprettet"])).all()  # born before the case opened


def test_dates_valid_and_never_after_as_of(tiny: dict[str, pd.DataFrame]) -> None:
    variants = 0
    for name, cols in DATES.items():
        for col in cols:
            raw = tiny[name][col]
            parsed = parse_dates(raw)
            assert (parsed.isna() == (raw == "")).all(), (name, col)  # all readable
            assert (parsed.dropna() <= D).all(), (name, col)
            assert (parsed.dropna() >= pd.Timestamp("1990-01-01")).all(), (name, col)
            variants += int((~raw.str.fullmatch(r"(\d{4}-\d{2}-\d{2})?")).sum())
    assert variants > 0  # a few DD-MM-YYYY / DD.MM.YYYY dates exercise the reader
    nf = parse_dates(tiny["opfoelgninger"]["naeste_frist"]).dropna()
    assert len(nf) > 0
    assert (nf > parse_dates(tiny["opfoelgninger"]["dato"])[nf.index]).all()


def test_clean_extract_is_consistent(tiny: dict[str, pd.DataFrame]) -> None:
    cases = set(tiny["sager"]["sag_id"])
    for name in CONTRACT:
        if name not in ("medarbejdere", "sager"):
            assert set(tiny[name]["sag_id"]) <= cases, name
    for name, key in (("sager", "sag_id"), ("foranstaltninger", "foranstaltning_id")):
        assert tiny[name][key].is_unique
    cw = tiny["sager"]["sagsbehandler_id"]
    assert set(cw[cw != ""]) <= set(tiny["medarbejdere"]["medarbejder_id"])
    assert set(tiny["sager"]["maalgruppe"]) == {"born", "voksen"}
    assert set(tiny["opfoelgninger"]["form"]) <= {"fremmoede", "telefon", "mail"}
    meas = tiny["foranstaltninger"]
    fu = tiny["opfoelgninger"]
    fu = fu[fu["foranstaltning_id"] != ""].merge(
        meas[["foranstaltning_id", "sag_id"]], on="foranstaltning_id", suffixes=("", "_m")
    )
    assert (fu["sag_id"] == fu["sag_id_m"]).all()
    assert (parse_dates(meas["slut"]).fillna(D) >= parse_dates(meas["start"])).all()
    s = tiny["sager"]
    assert (parse_dates(s["lukket"]).fillna(D) >= parse_dates(s["oprettet"])).all()
    emp = tiny["medarbejdere"]
    assert emp["email"].str.endswith("@demo.fristvagt.invalid").all()
    assert emp["aktiv"].str.lower().isin(["j", "n", "ja", "nej", "1", "0", "true", "false"]).all()


def test_kbh_counts_and_organisation(kbh: dict[str, pd.DataFrame]) -> None:
    emp = kbh["medarbejdere"]
    assert 130 <= len(emp) <= 170
    assert set(emp["center_kode"]) == {"BFCK", "HCK", "SCK", "RCK"}
    teams = emp.groupby("center_kode")["team"].nunique()
    assert teams.between(4, 8).all()
    inactive = emp["aktiv"].str.lower().isin(["n", "nej", "0", "false"]).sum()
    assert 1 <= inactive <= 15
    sager = kbh["sager"]
    groups = sager["maalgruppe"].value_counts()
    assert 7000 <= groups["born"] <= 9000
    assert 13500 <= groups["voksen"] <= 16500
    assert set(sager.loc[sager["maalgruppe"] == "born", "center_kode"]) == {"BFCK", "HCK"}
    assert set(sager.loc[sager["maalgruppe"] == "voksen", "center_kode"]) == {"HCK", "SCK", "RCK"}
    opened = parse_dates(sager["oprettet"])
    active = parse_dates(sager["lukket"]).isna()
    assert opened.min() <= D - pd.DateOffset(years=3)  # 3+ years of history
    assert 0.2 < active.mean() < 0.8  # some closed
    unassigned = (sager.loc[active, "sagsbehandler_id"] == "").mean()
    assert 0.01 < unassigned < 0.06
    para = kbh["foranstaltninger"].merge(sager[["sag_id", "maalgruppe"]], on="sag_id")
    decided = parse_dates(para["bevilget"]).fillna(parse_dates(para["start"]))
    child = para["maalgruppe"] == "born"
    sel = para["paragraf"].str.startswith("SEL52.3")
    bl = para["paragraf"].str.match(r"BL(32\.1\.[1-7]|46|47)$")
    assert (child == (sel | bl)).all()
    assert (decided[sel] < pd.Timestamp("2024-01-01")).all()
    assert (decided[bl] >= pd.Timestamp("2024-01-01")).all()
    assert {"SEL109", "SEL110", "SEL85", "SEL101"} <= set(para["paragraf"])
    g = kbh["gennemgange"]
    campaign = g[g["kampagne"] == "SEL41-42-genopretning"]
    assert 900 <= len(campaign) <= 1100
    assert 0 < (campaign["gennemgaaet"] != "").sum() < len(campaign)


def rough_follow_up(
    x: dict[str, pd.DataFrame], group: str = "born", t: pd.Timestamp = D
) -> pd.Series:
    """Share of active cases with no overdue follow-up at t, per center (kpis.md K3/K5).

    Rough: follow-ups on a measure or on the whole case (empty measure id, counted
    for measures active that day); first due start + 3 months; then children
    + 6 months (BL: the caseworker's `naeste_frist` if set), adults + 12 months.
    Ignores parallel investigations.
    """
    s = x["sager"]
    opened, closed = parse_dates(s["oprettet"]), parse_dates(s["lukket"])
    s = s[(s["maalgruppe"] == group) & (opened <= t) & (closed.isna() | (closed >= t))]
    m = x["foranstaltninger"].merge(s[["sag_id", "center_kode"]], on="sag_id")
    m["s"] = parse_dates(m["start"])
    m["e"] = parse_dates(m["slut"])
    m = m[(m["s"] <= t) & (m["e"].isna() | (m["e"] >= t))]
    o = x["opfoelgninger"].assign(
        d=lambda f: parse_dates(f["dato"]), nf=lambda f: parse_dates(f["naeste_frist"])
    )
    o = o[o["d"] <= t]
    own = o[o["foranstaltning_id"] != ""].merge(
        m[["foranstaltning_id", "s"]], on="foranstaltning_id"
    )
    case = (
        o[o["foranstaltning_id"] == ""]
        .drop(columns="foranstaltning_id")
        .merge(m[["sag_id", "foranstaltning_id", "s", "e"]], on="sag_id")
    )
    case = case[case["e"].isna() | (case["d"] <= case["e"])]
    fu = pd.concat([own, case])
    fu = fu[fu["d"] >= fu["s"]].sort_values("d", kind="stable")
    fu = fu.drop_duplicates("foranstaltning_id", keep="last").set_index("foranstaltning_id")
    m = m.join(fu[["d", "nf"]], on="foranstaltning_id")
    bl = m["paragraf"].str.startswith("BL")
    after = (m["d"] + pd.DateOffset(months=6 if group == "born" else 12)).where(
        ~bl | m["nf"].isna(), m["nf"]
    )
    due = (m["s"] + pd.DateOffset(months=3)).where(m["d"].isna(), after)
    m["overdue"] = due < t
    per_case = m.groupby(["center_kode", "sag_id"])["overdue"].any()
    return 1 - per_case.groupby(level="center_kode").mean()


def test_hck_follow_up_far_behind_bfck(kbh: dict[str, pd.DataFrame]) -> None:
    k3 = rough_follow_up(kbh)
    assert 0.88 <= k3["BFCK"] <= 0.99
    assert 0.35 <= k3["HCK"] <= 0.7
    assert k3["BFCK"] - k3["HCK"] > 0.25


def test_follow_up_improves_over_the_last_year(kbh: dict[str, pd.DataFrame]) -> None:
    year_ago = D - pd.DateOffset(months=12)
    k5_then = rough_follow_up(kbh, "voksen", year_ago)
    k5_now = rough_follow_up(kbh, "voksen", D)
    assert set(k5_now.index) == {"HCK", "SCK", "RCK"}
    assert (k5_now - k5_then > 0.03).all(), (k5_then, k5_now)
    assert ((k5_now > 0.8) & (k5_now < 0.95)).all()  # adults: between HCK children and target
    k3_then = rough_follow_up(kbh, "born", year_ago)
    assert rough_follow_up(kbh, "born", D)["HCK"] > k3_then["HCK"]


def test_shelter_users_get_plans_offered_some_declined(kbh: dict[str, pd.DataFrame]) -> None:
    h = kbh["handleplaner"]
    offered = h[h["tilbudt"] != ""]
    assert len(offered) > 50
    assert offered["afslaaet"].str.lower().isin(["j", "ja", "1", "true"]).any()
    assert (h["udarbejdet"] != "").sum() + len(offered) >= len(h)  # every row has one


def error_counts(x: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Count each injected fault kind, detected from the files alone."""
    s = x["sager"]
    cases = set(s["sag_id"])
    date_cols = [
        ("sager", "oprettet"),
        ("foranstaltninger", "start"),
        ("opfoelgninger", "dato"),
        ("undersoegelser", "startdato"),
        ("ansoegninger", "modtaget"),
    ]
    child_files = ("foranstaltninger", "opfoelgninger", "handleplaner", "ansoegninger")
    cw = s["sagsbehandler_id"]
    m = x["foranstaltninger"]
    digits = s["cpr"].str.replace("-", "", regex=False)
    real = pd.to_datetime(
        "20" + digits.str[4:6] + digits.str[2:4] + digits.str[0:2], format="%Y%m%d", errors="coerce"
    )
    real = real.fillna(
        pd.to_datetime(
            "19" + digits.str[4:6] + digits.str[2:4] + digits.str[0:2],
            format="%Y%m%d",
            errors="coerce",
        )
    )
    return {
        "bad_date": sum(
            int(((x[f][c] != "") & parse_dates(x[f][c]).isna()).sum()) for f, c in date_cols
        ),
        "unknown_case": sum(int((~x[f]["sag_id"].isin(cases)).sum()) for f in child_files),
        "unknown_caseworker": int(
            ((cw != "") & ~cw.isin(set(x["medarbejdere"]["medarbejder_id"]))).sum()
        ),
        "bad_enum_maalgruppe": int((~s["maalgruppe"].isin(["born", "voksen"])).sum()),
        "bad_enum_form": int(
            (~x["opfoelgninger"]["form"].isin(["fremmoede", "telefon", "mail"])).sum()
        ),
        "duplicate_id": int(m["foranstaltning_id"].duplicated().sum())
        + int(x["opfoelgninger"]["opfoelgning_id"].duplicated().sum()),
        "end_before_start": int(
            (parse_dates(s["lukket"]) < parse_dates(s["oprettet"])).sum()
            + (parse_dates(m["slut"]) < parse_dates(m["start"])).sum()
        ),
        "bad_cpr": int(real.isna().sum()),
    }


def test_error_injection_every_kind(tmp_path: Path) -> None:
    def write(name: str, error_rate: float) -> Path:
        return write_demo_extract(
            tmp_path / name, scale="tiny", seed=5, as_of=AS_OF, error_rate=error_rate
        )

    clean = error_counts(read_extract(write("a", 0.0)))
    assert all(v == 0 for v in clean.values()), clean
    few = error_counts(read_extract(write("b", 0.001)))
    assert all(v >= 1 for v in few.values()), few
    many = read_extract(write("c", 0.03))
    counts = error_counts(many)
    # about error_rate of the rows: e.g. ~3 % of the cases have a wrong maalgruppe
    n_cases = len(many["sager"])
    assert 0.02 * n_cases <= counts["bad_enum_maalgruppe"] <= 0.04 * n_cases
    assert counts["unknown_case"] > counts["bad_enum_maalgruppe"]  # spread over four files


def test_unknown_scale_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_demo_frames("huge", as_of=AS_OF)
