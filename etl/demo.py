"""Synthetic demo extract: a believable, entirely fictitious case-system extract.

`write_demo_extract(out_dir, scale, seed, as_of, error_rate)` writes one extract
folder in the format of `extract-format.md` (Danish file and column names,
`;`-separated UTF-8, a `manifest.csv` with `udtraeksdato;kilde`). Everything in
it is invented:

- caseworkers have invented surnames ("Fiktivsen", "Demogaard", ...) and
  e-mails at `@demo.fristvagt.invalid`;
- **every demo CPR number has a serial (the four digits after the date part)
  starting with 9, i.e. in 9000-9999**, so a reader can tell a demo CPR at a
  glance; the date part is a real birth date matching the person's age (children
  0-17, after-care 18-22, adults 19-89 at the extract date, born 1937 or later, so
  the serial also fits the real century rule for serials 9000-9999).

Content follows the story of the seed documents (see `kpis.md`): four centers
(BFCK children and families, HCK disabilities for children and adults, SCK
socially vulnerable adults and shelters, RCK substance abuse); BFCK close to
the 95 % targets, HCK far behind on child follow-up, SCK/RCK in between, and
everything improving over the last 18 months. Every deadline event (follow-up,
action plan, investigation completion, decision, letter) is drawn as met or
missed from a per-center probability that rises over time, then placed before or
after its due date following the rules in `kpis.md`. No event is dated after the
extract date; only `opfoelgninger.naeste_frist` (the next follow-up date the
caseworker set, a deadline) may lie in the future.

Scales: `tiny` (about 1/20 of `kbh`, for tests), `kbh` (about 150 caseworkers,
8,000 child and 15,000 adult cases, 3+ years of history) and `national` (15x
`kbh`: every team replicated per area). Generation is vectorised and
deterministic for a given seed and extract date.

A few cells are written in the other formats the contract allows (dates as
`DD-MM-YYYY`/`DD.MM.YYYY`, booleans as `ja`/`nej`/`1`/`0`, CPR without dash).

`error_rate > 0` injects the faults real extracts have, each kind in about
`error_rate` of the rows of the files concerned (at least one row per kind):

- `bad_date`: an impossible or unreadable date (`31-02-2024`, `2024-13-01`,
  `i går`) in `sager.oprettet`, `foranstaltninger.start`, `opfoelgninger.dato`,
  `undersoegelser.startdato`, `ansoegninger.modtaget`;
- `unknown_case`: a `sag_id` not in `sager.csv` in `foranstaltninger`,
  `opfoelgninger`, `handleplaner`, `ansoegninger`;
- `unknown_caseworker`: a `sagsbehandler_id` not in `medarbejdere.csv`;
- `bad_enum`: `maalgruppe` `barn` in `sager`, `form` `sms` in `opfoelgninger`;
- `duplicate_id`: a repeated `foranstaltning_id` / `opfoelgning_id`;
- `end_before_start`: `sager.lukket` before `oprettet`,
  `foranstaltninger.slut` before `start`;
- `bad_cpr`: a CPR whose date part is not a real date (e.g. `310299-9123`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SOURCE_NAME = "DEMO (syntetiske data)"
SCALES: dict[str, float] = {"tiny": 0.05, "kbh": 1.0, "national": 15.0}
ERROR_KINDS: tuple[str, ...] = (
    "bad_date",
    "unknown_case",
    "unknown_caseworker",
    "bad_enum",
    "duplicate_id",
    "end_before_start",
    "bad_cpr",
)

# Columns of every file, in the order written (the contract's names).
COLUMNS: dict[str, list[str]] = {
    "medarbejdere": ["medarbejder_id", "navn", "email", "center_kode", "team", "aktiv"],
    "sager": [
        "sag_id",
        "cpr",
        "maalgruppe",
        "center_kode",
        "team",
        "sagsbehandler_id",
        "oprettet",
        "lukket",
        "akut",
    ],
    "foranstaltninger": [
        "foranstaltning_id",
        "sag_id",
        "paragraf",
        "betegnelse",
        "bevilget",
        "start",
        "slut",
    ],
    "handleplaner": ["handleplan_id", "sag_id", "udarbejdet", "revideret", "tilbudt", "afslaaet"],
    "opfoelgninger": [
        "opfoelgning_id",
        "sag_id",
        "foranstaltning_id",
        "dato",
        "form",
        "naeste_frist",
    ],
    "undersoegelser": ["undersoegelse_id", "sag_id", "startdato", "afsluttet"],
    "ansoegninger": [
        "ansoegning_id",
        "sag_id",
        "ydelse",
        "modtaget",
        "afgjort",
        "underretning_sendt",
    ],
    "klager": ["klage_id", "sag_id", "paragraf", "klagetype", "modtaget", "afgjort", "udfald"],
    "gennemgange": ["sag_id", "kampagne", "gennemgaaet"],
}
DATE_COLUMNS: dict[str, list[str]] = {
    "sager": ["oprettet", "lukket"],
    "foranstaltninger": ["bevilget", "start", "slut"],
    "handleplaner": ["udarbejdet", "revideret", "tilbudt"],
    "opfoelgninger": ["dato", "naeste_frist"],
    "undersoegelser": ["startdato", "afsluttet"],
    "ansoegninger": ["modtaget", "afgjort", "underretning_sendt"],
    "klager": ["modtaget", "afgjort"],
    "gennemgange": ["gennemgaaet"],
}
BOOL_COLUMNS: dict[str, list[str]] = {
    "medarbejdere": ["aktiv"],
    "sager": ["akut"],
    "handleplaner": ["afslaaet"],
}

# (center, target group) -> (teams, caseworkers per team, cases at kbh scale)
_UNITS: dict[tuple[str, str], tuple[tuple[str, ...], int, int]] = {
    ("BFCK", "born"): (
        ("BFCK Nord", "BFCK Syd", "BFCK Øst", "BFCK Vest", "BFCK Indre By", "BFCK Ungeteam"),
        10,
        6000,
    ),
    ("HCK", "born"): (("HCK Børn 1", "HCK Børn 2", "HCK Børn 3"), 8, 2000),
    ("HCK", "voksen"): (("HCK Voksne 1", "HCK Voksne 2"), 8, 3000),
    ("SCK", "voksen"): (
        ("SCK Forsorgshjem", "SCK Herberg", "SCK Hjemløseteam", "SCK Udsatte Voksne", "SCK Krise"),
        6,
        7500,
    ),
    ("RCK", "voksen"): (("RCK Ambulant", "RCK Døgn", "RCK Unge 18-25", "RCK Rådgivning"), 5, 4500),
}

# Probability that a deadline is met: (18 months ago and before, now), linear in between.
_P_FOLLOW: dict[tuple[str, str], tuple[float, float]] = {
    ("BFCK", "born"): (0.76, 0.88),
    ("HCK", "born"): (0.03, 0.3),
    ("HCK", "voksen"): (0.4, 0.62),
    ("SCK", "voksen"): (0.38, 0.62),
    ("RCK", "voksen"): (0.45, 0.7),
}
# Mean days late when a follow-up is missed: (then, now).
_LATE_FOLLOW: dict[tuple[str, str], tuple[float, float]] = {
    ("BFCK", "born"): (80.0, 60.0),
    ("HCK", "born"): (280.0, 160.0),
    ("HCK", "voksen"): (170.0, 120.0),
    ("SCK", "voksen"): (150.0, 100.0),
    ("RCK", "voksen"): (130.0, 90.0),
}
_P_PLAN: dict[str, tuple[float, float]] = {"BFCK": (0.8, 0.89), "HCK": (0.76, 0.87)}
_P_PLAN_MISSING: dict[str, float] = {"BFCK": 0.012, "HCK": 0.05}
_P_INVEST: dict[str, tuple[float, float]] = {"BFCK": (0.8, 0.9), "HCK": (0.78, 0.88)}
_P_SHELTER_PLAN: tuple[float, float] = (0.55, 0.8)
_P_DECISION: tuple[float, float] = (0.78, 0.9)
_P_LETTER: tuple[float, float] = (0.2, 0.45)
_RAMP_DAYS = 548

# Benefit code -> processing deadline in weeks (as in monitoring/rules.yaml's example table).
BENEFIT_WEEKS: dict[str, int] = {
    "SEL41": 8,
    "SEL42": 8,
    "BL86": 8,
    "BL87": 8,
    "BL32": 12,
    "SEL52": 12,
    "SEL83": 6,
    "SEL85": 6,
    "SEL100": 8,
    "SEL107": 12,
    "SEL112": 10,
    "SEL113": 10,
    "SEL114": 12,
}
_BENEFITS: dict[str, tuple[tuple[str, ...], tuple[float, ...], float]] = {
    # center -> (codes, weights, applications per case)
    "BFCK": (("BL32", "SEL41", "SEL42"), (0.6, 0.2, 0.2), 0.15),
    "HCK": (
        ("SEL41", "SEL42", "BL32", "SEL83", "SEL100", "SEL112", "SEL113", "SEL114", "SEL85"),
        (0.2, 0.15, 0.08, 0.12, 0.12, 0.13, 0.06, 0.06, 0.08),
        1.1,
    ),
    "SCK": (("SEL85", "SEL107", "SEL100"), (0.6, 0.3, 0.1), 0.3),
    "RCK": (("SEL85", "SEL107", "SEL100"), (0.5, 0.35, 0.15), 0.3),
}

# Measures: paragraph code -> (title, weight) per (center, group, law).
_CHILD_SEL: dict[str, str] = {
    "SEL52.3.1": "Konsulentbistand",
    "SEL52.3.2": "Praktisk pædagogisk støtte i hjemmet",
    "SEL52.3.3": "Familiebehandling",
    "SEL52.3.4": "Døgnophold for hele familien",
    "SEL52.3.5": "Aflastning",
    "SEL52.3.6": "Fast kontaktperson",
    "SEL52.3.7": "Anbringelse i plejefamilie",
    "SEL52.3.8": "Formidling af praktiktilbud",
    "SEL52.3.9": "Anden hjælp",
}
_CHILD_BL: dict[str, str] = {
    "BL32.1.1": "Praktisk pædagogisk støtte i hjemmet",
    "BL32.1.2": "Familiebehandling",
    "BL32.1.3": "Døgnophold for hele familien",
    "BL32.1.4": "Aflastning",
    "BL32.1.5": "Fast kontaktperson",
    "BL32.1.6": "Formidling af praktiktilbud",
    "BL32.1.7": "Anden hjælp",
    "BL46": "Anbringelse i plejefamilie",
    "BL47": "Anbringelse på døgninstitution uden samtykke",
}
_MEASURE_WEIGHTS: dict[tuple[str, str], dict[str, float]] = {
    ("BFCK", "SEL"): {
        "SEL52.3.1": 0.08,
        "SEL52.3.2": 0.12,
        "SEL52.3.3": 0.22,
        "SEL52.3.4": 0.03,
        "SEL52.3.5": 0.08,
        "SEL52.3.6": 0.17,
        "SEL52.3.7": 0.22,
        "SEL52.3.8": 0.02,
        "SEL52.3.9": 0.06,
    },
    ("HCK", "SEL"): {
        "SEL52.3.1": 0.05,
        "SEL52.3.2": 0.2,
        "SEL52.3.3": 0.08,
        "SEL52.3.5": 0.4,
        "SEL52.3.6": 0.07,
        "SEL52.3.7": 0.15,
        "SEL52.3.9": 0.05,
    },
    ("BFCK", "BL"): {
        "BL32.1.1": 0.12,
        "BL32.1.2": 0.22,
        "BL32.1.3": 0.03,
        "BL32.1.4": 0.08,
        "BL32.1.5": 0.17,
        "BL32.1.6": 0.02,
        "BL32.1.7": 0.06,
        "BL46": 0.22,
        "BL47": 0.08,
    },
    ("HCK", "BL"): {
        "BL32.1.1": 0.22,
        "BL32.1.2": 0.08,
        "BL32.1.4": 0.42,
        "BL32.1.5": 0.07,
        "BL32.1.7": 0.05,
        "BL46": 0.14,
        "BL47": 0.02,
    },
}
_ADULT_MEASURES: dict[str, dict[str, tuple[str, float]]] = {
    "HCK": {
        "SEL85": ("Socialpædagogisk støtte", 0.45),
        "SEL107": ("Midlertidigt botilbud", 0.15),
        "SEL108": ("Længerevarende botilbud", 0.15),
        "SEL103": ("Beskyttet beskæftigelse", 0.1),
        "SEL104": ("Aktivitets- og samværstilbud", 0.15),
    },
    "SCK": {
        "SEL110": ("Forsorgshjem", 0.3),
        "SEL110.H": ("Herberg", 0.15),
        "SEL109": ("Krisecenter", 0.1),
        "SEL85": ("Socialpædagogisk støtte", 0.25),
        "SEL99": ("Støtte- og kontaktperson", 0.1),
        "SEL107": ("Midlertidigt botilbud", 0.1),
    },
    "RCK": {
        "SEL101": ("Ambulant stofmisbrugsbehandling", 0.55),
        "SEL101.D": ("Døgnbehandling for stofmisbrug", 0.15),
        "SEL85": ("Socialpædagogisk støtte", 0.15),
        "SEL107": ("Midlertidigt botilbud", 0.15),
    },
}
_MEAN_MEASURE_DAYS: dict[str, float] = {
    "SEL52.3.7": 1200.0,
    "BL46": 1100.0,
    "BL47": 700.0,
    "SEL108": 2000.0,
    "SEL110": 100.0,
    "SEL110.H": 45.0,
    "SEL109": 80.0,
}

_FIRST_NAMES = [
    "Anne",
    "Mette",
    "Lars",
    "Søren",
    "Camilla",
    "Mads",
    "Louise",
    "Jens",
    "Sofie",
    "Frederik",
    "Ida",
    "Mikkel",
    "Maria",
    "Rasmus",
    "Katrine",
    "Jakob",
    "Line",
    "Thomas",
    "Julie",
    "Peter",
    "Signe",
    "Henrik",
    "Emma",
    "Kasper",
    "Nanna",
    "Anders",
    "Cecilie",
    "Morten",
    "Trine",
    "Niels",
    "Aisha",
    "Omar",
    "Freja",
    "Emil",
    "Astrid",
    "Jonas",
    "Helle",
    "Bo",
    "Pernille",
    "Ulla",
]
_SURNAMES = [
    "Fiktivsen",
    "Eksempelsen",
    "Demogaard",
    "Testrup",
    "Prøvesen",
    "Opdigtsen",
    "Skabelonsen",
    "Attrapsen",
    "Modelgaard",
    "Påskudsen",
    "Forsøgsholm",
    "Prototypsen",
    "Fantasius",
    "Lånegaard",
    "Dummerup",
    "Pseudonymsen",
    "Navnløsgaard",
    "Udkastrup",
    "Opspindsen",
    "Figurholm",
]

_NAT = np.datetime64("NaT", "D")


# ------------------------------------------------------------------ helpers
def _days(n: np.ndarray | int | float) -> np.ndarray:
    """Integer-like numbers as a timedelta64[D] array."""
    return np.asarray(np.round(n), dtype="int64").astype("timedelta64[D]")


def add_months(d: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """Calendar-month arithmetic on datetime64[D] (day clamped to the month's end); NaT-safe."""
    d = np.asarray(d, dtype="datetime64[D]")
    m = d.astype("datetime64[M]")
    day = d - m.astype("datetime64[D]")
    nm = m + np.asarray(n, dtype="int64").astype("timedelta64[M]")
    last = (nm + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(nm.astype("datetime64[D]") + day, last)


def _ramp(d: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """0 up to 18 months before as_of, rising linearly to 1 at as_of (improving trend)."""
    x = (d - (as_of - np.timedelta64(_RAMP_DAYS, "D"))).astype("float64") / _RAMP_DAYS
    return np.clip(np.nan_to_num(x, nan=1.0), 0.0, 1.0)


def _lerp(pair: tuple[float, float], r: np.ndarray) -> np.ndarray:
    return pair[0] + (pair[1] - pair[0]) * r


def _lookup(keys: np.ndarray, table: dict[str, float], default: float = 0.0) -> np.ndarray:
    out = np.full(len(keys), default, dtype="float64")
    for k, v in table.items():
        out[keys == k] = v
    return out


def _ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    nums = pd.Series(np.arange(start, start + n), dtype="int64").astype(str).str.zfill(width)
    return (prefix + nums).to_numpy(dtype=object)


def _uniform_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    span = np.maximum((hi - lo).astype("int64"), 0)
    return lo + _days(np.floor(rng.random(len(lo)) * (span + 1)))


@dataclass
class _Frames:
    """Generated data in typed form (dates as datetime64[D]) before formatting."""

    employees: pd.DataFrame
    cases: pd.DataFrame
    measures: pd.DataFrame
    plans: pd.DataFrame
    follow_ups: pd.DataFrame
    investigations: pd.DataFrame
    applications: pd.DataFrame
    complaints: pd.DataFrame
    reviews: pd.DataFrame


# ---------------------------------------------------------------- employees
def _employees(rng: np.random.Generator, scale: str) -> pd.DataFrame:
    repl = 15 if scale == "national" else 1
    factor = SCALES[scale]
    parts = []
    for (center, group), (teams, per_team, _n) in _UNITS.items():
        k = per_team if scale != "tiny" else max(2, round(per_team * factor * 4))
        names = [t if repl == 1 else f"{t}, område {a}" for t in teams for a in range(1, repl + 1)]
        team_col = np.repeat(np.array(names, dtype=object), k)
        parts.append(
            pd.DataFrame(
                {
                    "center": center,
                    "group": group,
                    "team": team_col,
                    "rank": np.tile(np.arange(k), len(names)),
                }
            )
        )
    emp = pd.concat(parts, ignore_index=True)
    n = len(emp)
    emp["employee_id"] = _ids("sb", n, 4)
    first = np.array(_FIRST_NAMES, dtype=object)[rng.integers(0, len(_FIRST_NAMES), n)]
    sur = np.array(_SURNAMES, dtype=object)[rng.integers(0, len(_SURNAMES), n)]
    middle = np.array(list("ABCDEFGHJKLMNOPRSTV"), dtype=object)[rng.integers(0, 19, n)]
    emp["name"] = first + " " + middle + ". " + sur
    emp["email"] = emp["employee_id"] + "@demo.fristvagt.invalid"
    # A few inactive caseworkers (never the first of a team, so every team keeps one).
    emp["active"] = ~((rng.random(n) < 0.04) & (emp["rank"].to_numpy() > 0))
    emp["skill"] = rng.normal(0.0, 0.04, n)
    return emp.drop(columns="rank")


# -------------------------------------------------------------------- cases
def _cases(
    rng: np.random.Generator, scale: str, emp: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    factor = SCALES[scale]
    parts = []
    for (center, group), (_teams, _k, n_kbh) in _UNITS.items():
        parts.append(
            pd.DataFrame({"center": center, "group": group}, index=range(round(n_kbh * factor)))
        )
    cases = pd.concat(parts, ignore_index=True)
    n = len(cases)
    center = cases["center"].to_numpy(dtype=object)
    child = cases["group"].to_numpy(dtype=object) == "born"

    # Opening dates: 70 % in the last 3 years, 30 % older ongoing stock (3-8 years).
    recent = rng.random(n) < 0.7
    back = np.where(recent, rng.integers(0, 3 * 365, n), rng.integers(3 * 365, 8 * 365, n))
    opened = as_of - _days(back)
    mean_len = np.where(child, 1300.0, np.where(center == "SCK", 450.0, 800.0))
    closed = opened + _days(rng.exponential(mean_len) + 14)
    closed = np.where(closed <= as_of, closed, _NAT)
    acute = child & (rng.random(n) < 0.08) | (~child & (rng.random(n) < 0.01))

    # Birth dates (CPR): real dates matching the person's age at as_of.
    age_days = np.where(
        child,
        np.where(
            rng.random(n) < 0.05,
            rng.integers(18 * 365 + 5, 22 * 365, n),
            rng.integers(0, 18 * 365 - 5, n),
        ),
        np.where(
            np.isin(center, ["SCK", "RCK"]),
            rng.integers(19 * 365, 70 * 365, n),
            rng.integers(19 * 365, 89 * 365, n),
        ),
    )
    birth = as_of - _days(age_days)
    birth = np.where(child, np.minimum(birth, opened - np.timedelta64(1, "D")), birth)
    birth = np.where(~child, np.minimum(birth, add_months(opened, -18 * 12)), birth)
    birth = np.maximum(birth, np.datetime64("1937-01-01"))

    # Caseworker: an active caseworker of the center and group; ~3 % of cases unassigned.
    cw = np.empty(n, dtype=object)
    team = np.empty(n, dtype=object)
    for (c, g), pool in emp[emp["active"]].groupby(["center", "group"]):
        idx = np.flatnonzero((center == c) & (cases["group"].to_numpy(dtype=object) == g))
        pick = rng.integers(0, len(pool), len(idx))
        cw[idx] = pool["employee_id"].to_numpy(dtype=object)[pick]
        team[idx] = pool["team"].to_numpy(dtype=object)[pick]
    unassigned = rng.random(n) < 0.03
    cw[unassigned] = None

    cases["case_id"] = _ids("S", n, 7, start=int(rng.integers(1, 90_000)))
    cases["cpr_birth"] = birth
    cases["cpr_serial"] = rng.integers(9000, 10000, n)
    cases["team"] = team
    cases["caseworker_id"] = cw
    cases["opened"] = opened
    cases["closed"] = closed
    cases["acute"] = acute
    skill = emp.set_index("employee_id")["skill"]
    cases["skill"] = pd.Series(cw).map(skill).fillna(-0.03).to_numpy(dtype="float64")
    return cases


# ----------------------------------------------------------- investigations
def _investigations(
    rng: np.random.Generator, cases: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    kids = cases[cases["group"] == "born"]
    has = rng.random(len(kids)) < 0.75
    kids = kids[has]
    n = len(kids)
    opened = kids["opened"].to_numpy(dtype="datetime64[D]")
    closed = kids["closed"].to_numpy(dtype="datetime64[D]")
    acute = kids["acute"].to_numpy()
    start = np.where(acute, opened, opened + _days(rng.integers(0, 15, n)))
    start = np.minimum(start, as_of)
    start = np.where(np.isnat(closed), start, np.minimum(start, closed))
    center = kids["center"].to_numpy(dtype=object)
    p = np.zeros(n)
    for c, pair in _P_INVEST.items():
        m = center == c
        p[m] = _lerp(pair, _ramp(add_months(start[m], 4), as_of))
    on_time = rng.random(n) < p + kids["skill"].to_numpy()
    end = np.where(
        on_time,
        start + _days(rng.integers(20, 119, n)),
        add_months(start, 4) + _days(1 + rng.exponential(40.0, n)),
    )
    end = np.where(np.isnat(closed), end, np.minimum(end, closed))
    end = np.where(end <= as_of, end, _NAT)
    return pd.DataFrame(
        {
            "investigation_id": _ids("U", n, 7),
            "case_id": kids["case_id"].to_numpy(dtype=object),
            "start": start,
            "end": end,
        }
    )


# ----------------------------------------------------------------- measures
def _measures(
    rng: np.random.Generator, cases: pd.DataFrame, inv: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    child = cases["group"].to_numpy(dtype=object) == "born"
    n_cases = len(cases)
    count = np.where(
        child,
        rng.choice(4, n_cases, p=[0.12, 0.5, 0.27, 0.11]),
        rng.choice(3, n_cases, p=[0.08, 0.7, 0.22]),
    )
    inv_by_case = inv.set_index("case_id")
    inv_start = cases["case_id"].map(inv_by_case["start"]).to_numpy(dtype="datetime64[D]")
    inv_end = cases["case_id"].map(inv_by_case["end"]).to_numpy(dtype="datetime64[D]")
    has_inv = ~np.isnat(inv_start)
    acute = cases["acute"].to_numpy()
    opened = cases["opened"].to_numpy(dtype="datetime64[D]")
    # Non-acute child cases wait for the investigation; open investigation -> no measure yet.
    eligible = np.where(has_inv & ~acute, inv_end, opened)
    eligible = np.where(acute, opened, eligible)
    case_end = np.where(
        np.isnat(cases["closed"].to_numpy(dtype="datetime64[D]")),
        as_of,
        cases["closed"].to_numpy(dtype="datetime64[D]"),
    )

    ci = np.repeat(np.arange(n_cases), count)
    # k = index of the measure within its case (0 for the first)
    k = np.arange(len(ci)) - np.repeat(np.cumsum(count) - count, count)
    n = len(ci)
    lo = eligible[ci]
    hi = case_end[ci]
    span = (hi - lo).astype("float64")
    frac = np.where(k == 0, rng.random(n) * 0.15, rng.random(n))
    start = lo + _days(np.floor(np.nan_to_num(span, nan=-1.0) * frac))
    start = np.where(acute[ci] & (k == 0), opened[ci] + _days(rng.integers(0, 8, n)), start)
    keep = ~np.isnat(start) & (start <= hi) & (start <= as_of)
    ci, k, start = ci[keep], k[keep], start[keep]
    n = len(ci)
    decided = np.maximum(start - _days(rng.integers(0, 22, n)), opened[ci])
    decided = np.where(rng.random(n) < 0.05, _NAT, decided)
    law_date = np.where(np.isnat(decided), start, decided)

    center = cases["center"].to_numpy(dtype=object)[ci]
    is_child = child[ci]
    para = np.empty(n, dtype=object)
    title = np.empty(n, dtype=object)
    sel_era = law_date < np.datetime64("2024-01-01")
    for (c, law), weights in _MEASURE_WEIGHTS.items():
        m = np.flatnonzero(is_child & (center == c) & (sel_era == (law == "SEL")))
        codes = np.array(list(weights), dtype=object)
        w = np.array(list(weights.values()))
        para[m] = codes[rng.choice(len(codes), len(m), p=w / w.sum())]
    names = {**_CHILD_SEL, **_CHILD_BL}
    title[is_child] = pd.Series(para[is_child]).map(names).to_numpy(dtype=object)
    for c, table in _ADULT_MEASURES.items():
        m = np.flatnonzero(~is_child & (center == c))
        codes = np.array(list(table), dtype=object)
        w = np.array([v[1] for v in table.values()])
        pick = rng.choice(len(codes), len(m), p=w / w.sum())
        para[m] = codes[pick]
        title[m] = np.array([v[0] for v in table.values()], dtype=object)[pick]
    # Variants of the same code (herberg / døgn) are written as the plain paragraph.
    mean_days = _lookup(para, _MEAN_MEASURE_DAYS, 500.0)
    para = pd.Series(para).str.replace(r"\.[A-Z]$", "", regex=True).to_numpy(dtype=object)

    end = start + _days(rng.exponential(mean_days) + 7)
    closed = cases["closed"].to_numpy(dtype="datetime64[D]")[ci]
    end = np.where(np.isnat(closed), end, np.minimum(end, closed))
    end = np.where(end <= as_of, end, _NAT)
    return pd.DataFrame(
        {
            "measure_id": _ids("F", n, 8, start=int(rng.integers(1, 500_000))),
            "case_id": cases["case_id"].to_numpy(dtype=object)[ci],
            "ci": ci,
            "k": k,
            "paragraph": para,
            "title": title,
            "decided": decided,
            "start": start,
            "end": end,
            "center": center,
            "group": np.where(is_child, "born", "voksen"),
            "inv_start": inv_start[ci],
            "inv_end": inv_end[ci],
            "skill": cases["skill"].to_numpy()[ci],
        }
    )


# --------------------------------------------------------------- follow-ups
def _follow_ups(rng: np.random.Generator, meas: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    n = len(meas)
    start = meas["start"].to_numpy(dtype="datetime64[D]")
    stop = meas["end"].to_numpy(dtype="datetime64[D]")
    stop = np.where(np.isnat(stop), as_of, stop)
    para = meas["paragraph"].to_numpy(dtype=object)
    child = meas["group"].to_numpy(dtype=object) == "born"
    bl = child & pd.Series(para).str.startswith("BL").to_numpy()
    key = (meas["center"] + "/" + meas["group"]).to_numpy(dtype=object)
    p_then = _lookup(key, {f"{c}/{g}": v[0] for (c, g), v in _P_FOLLOW.items()})
    p_now = _lookup(key, {f"{c}/{g}": v[1] for (c, g), v in _P_FOLLOW.items()})
    l_then = _lookup(key, {f"{c}/{g}": v[0] for (c, g), v in _LATE_FOLLOW.items()})
    l_now = _lookup(key, {f"{c}/{g}": v[1] for (c, g), v in _LATE_FOLLOW.items()})
    skill = meas["skill"].to_numpy()

    due = add_months(start, 3)
    # BL § 95: an investigation open at start and completed before start + 3 months.
    inv_s = meas["inv_start"].to_numpy(dtype="datetime64[D]")
    inv_e = meas["inv_end"].to_numpy(dtype="datetime64[D]")
    parallel = bl & (inv_s <= start) & (np.isnat(inv_e) | (inv_e > start))
    due = np.where(parallel & (inv_e < due), inv_e, due)

    rows_m: list[np.ndarray] = []
    rows_d: list[np.ndarray] = []
    rows_n: list[np.ndarray] = []
    last = start.copy()
    alive = np.arange(n)
    while len(alive):
        d = due[alive]
        r = _ramp(d, as_of)
        p = p_then[alive] + (p_now[alive] - p_then[alive]) * r + skill[alive]
        met = rng.random(len(alive)) < p
        early = d - _days(rng.integers(0, 40, len(alive)))
        late = d + _days(1 + rng.exponential(l_then[alive] + (l_now[alive] - l_then[alive]) * r))
        ev = np.where(met, np.maximum(early, last[alive]), late)
        ok = ev <= stop[alive]
        alive, ev = alive[ok], ev[ok]
        months = rng.choice([3, 4, 6], len(alive), p=[0.35, 0.25, 0.4])
        nxt_set = np.where(
            bl[alive] & (rng.random(len(alive)) < 0.92), add_months(ev, months), _NAT
        )
        rows_m.append(alive)
        rows_d.append(ev)
        rows_n.append(nxt_set)
        interval = np.where(child[alive], 6, 12)
        due[alive] = np.where(np.isnat(nxt_set), add_months(ev, interval), nxt_set)
        last[alive] = ev
    mi = np.concatenate(rows_m) if rows_m else np.array([], dtype="int64")
    dates = np.concatenate(rows_d) if rows_d else np.array([], dtype="datetime64[D]")
    nxt = np.concatenate(rows_n) if rows_n else np.array([], dtype="datetime64[D]")
    order = np.lexsort((dates, mi))
    mi, dates, nxt = mi[order], dates[order], nxt[order]
    m = len(mi)
    measure_id = meas["measure_id"].to_numpy(dtype=object)[mi]
    # ~10 % of SEL/adult follow-ups are recorded on the whole case (empty measure id).
    case_level = (~bl[mi]) & (rng.random(m) < 0.1)
    measure_id = np.where(case_level, None, measure_id)
    form = np.array(["fremmoede", "telefon", "mail"], dtype=object)[
        rng.choice(3, m, p=[0.6, 0.3, 0.1])
    ]
    return pd.DataFrame(
        {
            "follow_up_id": _ids("O", m, 8),
            "case_id": meas["case_id"].to_numpy(dtype=object)[mi],
            "measure_id": measure_id,
            "date": dates,
            "form": form,
            "next_due": nxt,
        }
    )


# -------------------------------------------------------------------- plans
def _plan_rows(case_id: np.ndarray, made: np.ndarray) -> pd.DataFrame:
    n = len(case_id)
    return pd.DataFrame(
        {
            "case_id": case_id,
            "made": made,
            "offered": np.full(n, _NAT),
            "declined": np.zeros(n, dtype=bool),
        }
    )


def _plans(
    rng: np.random.Generator, cases: pd.DataFrame, meas: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    para = pd.Series(meas["paragraph"].to_numpy(dtype=object))
    child = meas["group"].to_numpy(dtype=object) == "born"
    center = meas["center"].to_numpy(dtype=object)
    start = meas["start"].to_numpy(dtype="datetime64[D]")
    decided = meas["decided"].to_numpy(dtype="datetime64[D]")
    opened = cases["opened"].to_numpy(dtype="datetime64[D]")[meas["ci"].to_numpy()]
    acute = cases["acute"].to_numpy()[meas["ci"].to_numpy()]
    skill = meas["skill"].to_numpy()
    parts: list[pd.DataFrame] = []

    # Children: SEL § 52.3 plan before start (acute: 4 months); BL 46/47 within 3 months.
    sel = child & para.str.startswith("SEL52.3").to_numpy()
    place = child & para.isin(["BL46", "BL47"]).to_numpy()
    support = child & para.str.startswith("BL32").to_numpy()
    due = np.where(sel & acute, add_months(start, 4), start)
    due = np.where(place, add_months(np.where(np.isnat(decided), start, decided), 3), due)
    idx = np.flatnonzero(sel | place | (support & (rng.random(len(meas)) < 0.4)))
    n = len(idx)
    d = due[idx]
    p = np.zeros(n)
    for c, pair in _P_PLAN.items():
        m = center[idx] == c
        p[m] = _lerp(pair, _ramp(d[m], as_of))
    met = rng.random(n) < p + skill[idx]
    missing = rng.random(n) < _lookup(center[idx], _P_PLAN_MISSING)
    early = np.minimum(np.maximum(d - _days(rng.integers(1, 45, n)), opened[idx]), d)
    made = np.where(met, early, d + _days(1 + rng.exponential(45.0, n)))
    keep = (met | ~missing) & (made <= as_of)
    parts.append(_plan_rows(meas["case_id"].to_numpy(dtype=object)[idx], made).loc[keep])

    # Shelter stays (SEL 109/110): plan offered (SEL § 141), sometimes declined.
    shelter = ~child & para.isin(["SEL109", "SEL110"]).to_numpy()
    idx = np.flatnonzero(shelter)
    n = len(idx)
    s = start[idx]
    p = _lerp(_P_SHELTER_PLAN, _ramp(add_months(s, 1), as_of)) + skill[idx]
    met = rng.random(n) < p
    never = rng.random(n) < 0.3
    offered = np.where(
        met,
        s + _days(rng.integers(2, 28, n)),
        add_months(s, 1) + _days(1 + rng.exponential(40.0, n)),
    )
    keep = (met | ~never) & (offered <= as_of)
    declined = rng.random(n) < 0.2
    made = np.where(
        ~declined & (rng.random(n) < 0.5), offered + _days(rng.integers(5, 40, n)), _NAT
    )
    made = np.where(made <= as_of, made, _NAT)
    parts.append(
        pd.DataFrame(
            {
                "case_id": meas["case_id"].to_numpy(dtype=object)[idx],
                "made": made,
                "offered": offered,
                "declined": declined,
            }
        ).loc[keep]
    )

    # Other adult measures: a plan (SEL § 141) for some.
    idx = np.flatnonzero(~child & ~shelter & (rng.random(len(meas)) < 0.3))
    made = start[idx] + _days(rng.integers(0, 90, len(idx)))
    parts.append(_plan_rows(meas["case_id"].to_numpy(dtype=object)[idx], made).loc[made <= as_of])
    plans = pd.concat(parts, ignore_index=True)
    n = len(plans)
    made = plans["made"].to_numpy(dtype="datetime64[D]")
    offered = plans["offered"].to_numpy(dtype="datetime64[D]")
    plans["declined"] = plans["declined"].fillna(False).astype(bool)
    base = np.where(np.isnat(made), offered, made)
    revised = base + _days(rng.integers(60, 500, n))
    revised = np.where((rng.random(n) < 0.35) & (revised <= as_of), revised, _NAT)
    revised = np.where(np.isnat(made), _NAT, revised)
    plans["revised"] = revised
    plans.insert(0, "plan_id", _ids("H", n, 7))
    return plans


# ------------------------------------------------------------- applications
def _applications(
    rng: np.random.Generator, cases: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    center = cases["center"].to_numpy(dtype=object)
    rate = _lookup(center, {c: v[2] for c, v in _BENEFITS.items()})
    count = rng.poisson(rate)
    ci = np.repeat(np.arange(len(cases)), count)
    n = len(ci)
    opened = cases["opened"].to_numpy(dtype="datetime64[D]")[ci]
    end = cases["closed"].to_numpy(dtype="datetime64[D]")[ci]
    end = np.where(np.isnat(end), as_of, end)
    lo = np.maximum(opened, as_of - np.timedelta64(3 * 365, "D"))
    keep = lo <= end
    ci, lo, end = ci[keep], lo[keep], end[keep]
    n = len(ci)
    received = _uniform_between(rng, lo, end)
    c = center[ci]
    group = cases["group"].to_numpy(dtype=object)[ci]
    benefit = np.empty(n, dtype=object)
    for code, (codes, w, _r) in _BENEFITS.items():
        m = np.flatnonzero(c == code)
        benefit[m] = np.array(codes, dtype=object)[
            rng.choice(len(codes), len(m), p=np.array(w) / sum(w))
        ]
    # Children's benefits for adults in HCK make no sense: give adults adult codes.
    child_codes = np.isin(benefit, ["SEL41", "SEL42", "BL32"])
    adult_codes = np.isin(benefit, ["SEL83", "SEL100", "SEL112", "SEL113", "SEL114", "SEL85"])
    benefit = np.where((group == "voksen") & child_codes, "SEL100", benefit)
    benefit = np.where((group == "born") & adult_codes & (c == "HCK"), "SEL41", benefit)
    # Children's benefits moved to Barnets Lov on 1 Jan 2024.
    bl_era = received >= np.datetime64("2024-01-01")
    benefit = np.where((benefit == "BL32") & ~bl_era, "SEL52", benefit)
    benefit = np.where((benefit == "SEL41") & bl_era & (group == "born"), "BL86", benefit)
    benefit = np.where((benefit == "SEL42") & bl_era & (group == "born"), "BL87", benefit)
    days = _lookup(benefit, {k: 7.0 * v for k, v in BENEFIT_WEEKS.items()})
    p = _lerp(_P_DECISION, _ramp(received + _days(days), as_of)) + cases["skill"].to_numpy()[ci]
    met = rng.random(n) < p
    decided = np.where(
        met,
        received + _days(days * rng.uniform(0.15, 0.9, n)),
        received + _days(days + 14 + rng.exponential(35.0, n)),
    )
    decided = np.where(decided <= as_of, decided, _NAT)
    late = ~met
    letter_on_time = late & (rng.random(n) < _lerp(_P_LETTER, _ramp(received + _days(days), as_of)))
    letter_late = late & ~letter_on_time & (rng.random(n) < 0.25)
    letter = np.where(
        letter_on_time,
        np.maximum(received + _days(days - rng.integers(3, 20, n)), received),
        np.where(letter_late, received + _days(days + 14 + rng.integers(1, 30, n)), _NAT),
    )
    letter = np.where(~np.isnat(decided) & (letter > decided), _NAT, letter)
    letter = np.where(letter <= as_of, letter, _NAT)
    return pd.DataFrame(
        {
            "application_id": _ids("A", n, 7),
            "case_id": cases["case_id"].to_numpy(dtype=object)[ci],
            "benefit": benefit,
            "received": received,
            "decided": decided,
            "letter": letter,
        }
    )


# --------------------------------------------------------------- complaints
def _complaints(
    rng: np.random.Generator, cases: pd.DataFrame, meas: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    first = meas[meas["k"] == 0]
    with_measure = first["ci"].to_numpy()
    pick = with_measure[rng.random(len(with_measure)) < 0.07]
    n = len(pick)
    para = pd.Series(pick).map(pd.Series(first["paragraph"].to_numpy(), index=with_measure))
    start = pd.Series(pick).map(
        pd.Series(first["start"].to_numpy(dtype="datetime64[D]"), index=with_measure)
    )
    lo = start.to_numpy(dtype="datetime64[D]")
    end = cases["closed"].to_numpy(dtype="datetime64[D]")[pick]
    end = np.where(np.isnat(end), as_of, end)
    received = _uniform_between(rng, lo, end)
    decided = received + _days(rng.integers(14, 200, n))
    decided = np.where(decided <= as_of, decided, _NAT)
    outcome = np.array(["medhold", "delvist", "afvist", "hjemvist"], dtype=object)[
        rng.choice(4, n, p=[0.15, 0.1, 0.6, 0.15])
    ]
    return pd.DataFrame(
        {
            "complaint_id": _ids("K", n, 6),
            "case_id": cases["case_id"].to_numpy(dtype=object)[pick],
            "paragraph": para.to_numpy(dtype=object),
            "type": np.where(rng.random(n) < 0.75, "realitet", "formalitet"),
            "received": received,
            "decided": decided,
            "outcome": np.where(np.isnat(decided), None, outcome),
        }
    )


# ------------------------------------------------------------------ reviews
def _reviews(
    rng: np.random.Generator,
    scale: str,
    cases: pd.DataFrame,
    meas: pd.DataFrame,
    apps: pd.DataFrame,
    as_of: np.datetime64,
) -> pd.DataFrame:
    factor = SCALES[scale]
    parts = []
    # SEL 41/42 remediation: cases with such an application, topped up with HCK child cases.
    cand = pd.unique(apps.loc[apps["benefit"].isin(["SEL41", "SEL42", "BL86", "BL87"]), "case_id"])
    extra = cases.loc[(cases["center"] == "HCK") & (cases["group"] == "born"), "case_id"]
    cand = pd.unique(np.concatenate([cand, extra.to_numpy(dtype=object)]))
    n = min(round(1050 * factor), len(cand))
    chosen = cand[:n]
    begin = as_of - np.timedelta64(320, "D")
    plan_end = as_of + np.timedelta64(40, "D")
    span = (plan_end - begin).astype("float64")
    when = begin + _days(span * rng.random(n) ** 1.15)
    parts.append(
        pd.DataFrame(
            {
                "case_id": chosen,
                "campaign": "SEL41-42-genopretning",
                "reviewed": np.where(when <= as_of, when, _NAT),
            }
        )
    )
    # A recent second campaign: placements under BL 46/47.
    place = pd.unique(meas.loc[meas["paragraph"].isin(["BL46", "BL47"]), "case_id"])
    n = min(round(250 * factor), len(place))
    begin = as_of - np.timedelta64(75, "D")
    when = begin + _days(200 * rng.random(n))
    parts.append(
        pd.DataFrame(
            {
                "case_id": place[:n],
                "campaign": "BL46-47-anbringelser",
                "reviewed": np.where(when <= as_of, when, _NAT),
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


# -------------------------------------------------------------- formatting
def _date_text(
    rng: np.random.Generator, values: np.ndarray | pd.Series, variants: bool
) -> pd.Series:
    """datetime64 -> text `YYYY-MM-DD` ('' for no date); ~0.5 % in DD-MM-YYYY / DD.MM.YYYY."""
    arr = np.asarray(values, dtype="datetime64[D]")
    s = pd.Series(np.datetime_as_string(arr, unit="D"), dtype="str")
    nat = np.isnat(arr)
    if variants and len(arr):
        u = rng.random(len(arr))
        for mask, sep in ((u < 0.003, "-"), ((u >= 0.003) & (u < 0.006), ".")):
            m = mask & ~nat
            if m.any():
                sub = s[m]
                s[m] = sub.str[8:10] + sep + sub.str[5:7] + sep + sub.str[0:4]
    s[nat] = ""
    return s


def _bool_text(rng: np.random.Generator, values: np.ndarray | pd.Series) -> pd.Series:
    """bool -> `J`/`N`, ~1 % as `ja`/`nej` and ~1 % as `1`/`0`."""
    b = np.asarray(values, dtype=bool)
    u = rng.random(len(b))
    out = np.where(b, "J", "N").astype(object)
    out = np.where(u < 0.01, np.where(b, "ja", "nej"), out)
    out = np.where((u >= 0.01) & (u < 0.02), np.where(b, "1", "0"), out)
    return pd.Series(out, dtype="str")


def _cpr_text(rng: np.random.Generator, birth: np.ndarray, serial: np.ndarray) -> pd.Series:
    iso = pd.Series(np.datetime_as_string(np.asarray(birth, dtype="datetime64[D]"), unit="D"))
    ser = pd.Series(np.asarray(serial, dtype="int64")).astype(str)
    dash = np.where(rng.random(len(ser)) < 0.02, "", "-")
    return iso.str[8:10] + iso.str[5:7] + iso.str[2:4] + dash + ser


def _to_text(rng: np.random.Generator, f: _Frames) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    e = f.employees
    out["medarbejdere"] = pd.DataFrame(
        {
            "medarbejder_id": e["employee_id"],
            "navn": e["name"],
            "email": e["email"],
            "center_kode": e["center"],
            "team": e["team"],
            "aktiv": _bool_text(rng, e["active"]),
        }
    )
    c = f.cases
    out["sager"] = pd.DataFrame(
        {
            "sag_id": c["case_id"],
            "cpr": _cpr_text(
                rng, c["cpr_birth"].to_numpy(dtype="datetime64[D]"), c["cpr_serial"].to_numpy()
            ),
            "maalgruppe": c["group"],
            "center_kode": c["center"],
            "team": c["team"],
            "sagsbehandler_id": c["caseworker_id"].fillna(""),
            "oprettet": _date_text(rng, c["opened"], True),
            "lukket": _date_text(rng, c["closed"], True),
            "akut": _bool_text(rng, c["acute"]),
        }
    )
    m = f.measures
    out["foranstaltninger"] = pd.DataFrame(
        {
            "foranstaltning_id": m["measure_id"],
            "sag_id": m["case_id"],
            "paragraf": m["paragraph"],
            "betegnelse": m["title"],
            "bevilget": _date_text(rng, m["decided"], True),
            "start": _date_text(rng, m["start"], True),
            "slut": _date_text(rng, m["end"], True),
        }
    )
    p = f.plans
    out["handleplaner"] = pd.DataFrame(
        {
            "handleplan_id": p["plan_id"],
            "sag_id": p["case_id"],
            "udarbejdet": _date_text(rng, p["made"], True),
            "revideret": _date_text(rng, p["revised"], True),
            "tilbudt": _date_text(rng, p["offered"], True),
            "afslaaet": _bool_text(rng, p["declined"]).where(
                ~np.isnat(p["offered"].to_numpy(dtype="datetime64[D]")), ""
            ),
        }
    )
    o = f.follow_ups
    out["opfoelgninger"] = pd.DataFrame(
        {
            "opfoelgning_id": o["follow_up_id"],
            "sag_id": o["case_id"],
            "foranstaltning_id": o["measure_id"].fillna(""),
            "dato": _date_text(rng, o["date"], True),
            "form": o["form"],
            "naeste_frist": _date_text(rng, o["next_due"], True),
        }
    )
    i = f.investigations
    out["undersoegelser"] = pd.DataFrame(
        {
            "undersoegelse_id": i["investigation_id"],
            "sag_id": i["case_id"],
            "startdato": _date_text(rng, i["start"], True),
            "afsluttet": _date_text(rng, i["end"], True),
        }
    )
    a = f.applications
    out["ansoegninger"] = pd.DataFrame(
        {
            "ansoegning_id": a["application_id"],
            "sag_id": a["case_id"],
            "ydelse": a["benefit"],
            "modtaget": _date_text(rng, a["received"], True),
            "afgjort": _date_text(rng, a["decided"], True),
            "underretning_sendt": _date_text(rng, a["letter"], True),
        }
    )
    k = f.complaints
    out["klager"] = pd.DataFrame(
        {
            "klage_id": k["complaint_id"],
            "sag_id": k["case_id"],
            "paragraf": k["paragraph"],
            "klagetype": k["type"],
            "modtaget": _date_text(rng, k["received"], True),
            "afgjort": _date_text(rng, k["decided"], True),
            "udfald": k["outcome"].fillna(""),
        }
    )
    r = f.reviews
    out["gennemgange"] = pd.DataFrame(
        {
            "sag_id": r["case_id"],
            "kampagne": r["campaign"],
            "gennemgaaet": _date_text(rng, r["reviewed"], True),
        }
    )
    return {name: df.reset_index(drop=True).astype("str") for name, df in out.items()}


# ----------------------------------------------------------- error injection
def _pick(
    rng: np.random.Generator, taken: dict[str, np.ndarray], file: str, n_rows: int, rate: float
) -> np.ndarray:
    """Distinct row positions of a file for one fault kind (never reused by another kind)."""
    want = max(1, round(rate * n_rows))
    free = np.setdiff1d(np.arange(n_rows), taken.get(file, np.array([], dtype="int64")))
    got = np.sort(rng.choice(free, min(want, len(free)), replace=False))
    taken[file] = np.concatenate([taken.get(file, np.array([], dtype="int64")), got])
    return got


def _inject_errors(rng: np.random.Generator, out: dict[str, pd.DataFrame], rate: float) -> None:
    taken: dict[str, np.ndarray] = {}
    bad_dates = np.array(["31-02-2024", "2024-13-01", "i går"], dtype=object)

    def put(file: str, col: str, rows: np.ndarray, values: np.ndarray | str) -> None:
        df = out[file]
        df.loc[rows, col] = values

    # end_before_start (first, on clean ISO dates)
    for file, s_col, e_col in (
        ("sager", "oprettet", "lukket"),
        ("foranstaltninger", "start", "slut"),
    ):
        df = out[file]
        iso = df[s_col].str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy()
        pool = np.flatnonzero(iso)
        want = max(1, round(rate * len(df)))
        rows = np.sort(rng.choice(pool, min(want, len(pool)), replace=False))
        taken[file] = rows
        start = df.loc[rows, s_col].to_numpy(dtype="datetime64[D]")
        put(file, e_col, rows, np.datetime_as_string(start - _days(rng.integers(1, 60, len(rows)))))
    for file, col in (
        ("sager", "oprettet"),
        ("foranstaltninger", "start"),
        ("opfoelgninger", "dato"),
        ("undersoegelser", "startdato"),
        ("ansoegninger", "modtaget"),
    ):
        rows = _pick(rng, taken, file, len(out[file]), rate)
        put(file, col, rows, bad_dates[rng.integers(0, 3, len(rows))])
    n_cases = len(out["sager"])
    for file in ("foranstaltninger", "opfoelgninger", "handleplaner", "ansoegninger"):
        rows = _pick(rng, taken, file, len(out[file]), rate)
        unknown = "S" + pd.Series(rng.integers(9_000_000, 9_999_999, len(rows))).astype(str)
        put(file, "sag_id", rows, unknown.to_numpy(dtype=object))
    rows = _pick(rng, taken, "sager", n_cases, rate)
    put(
        "sager",
        "sagsbehandler_id",
        rows,
        "zz" + pd.Series(rng.integers(1000, 9999, len(rows))).astype(str).to_numpy(dtype=object),
    )
    rows = _pick(rng, taken, "sager", n_cases, rate)
    put("sager", "maalgruppe", rows, "barn")
    rows = _pick(rng, taken, "opfoelgninger", len(out["opfoelgninger"]), rate)
    put("opfoelgninger", "form", rows, "sms")
    rows = _pick(rng, taken, "sager", n_cases, rate)
    yy = pd.Series(rng.integers(0, 100, len(rows))).astype(str).str.zfill(2)
    serial = pd.Series(rng.integers(9000, 10000, len(rows))).astype(str)
    day_month = np.array(["3102", "3002", "3204", "0013", "3111"], dtype=object)[
        rng.integers(0, 5, len(rows))
    ]
    put("sager", "cpr", rows, (day_month + yy + "-" + serial).to_numpy(dtype=object))
    for file in ("foranstaltninger", "opfoelgninger"):
        df = out[file]
        rows = _pick(rng, taken, file, len(df), rate)
        dup = df.loc[rows].copy()
        # The duplicate keeps the id but differs a little (a later correction, say).
        if file == "foranstaltninger":
            dup["betegnelse"] = dup["betegnelse"] + " (rettet)"
        else:
            dup["form"] = np.where(dup["form"] == "telefon", "fremmoede", "telefon")
        key = COLUMNS[file][0]
        both = pd.concat([df, dup], ignore_index=True)
        out[file] = both.sort_values(key, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------- main
def generate_demo_frames(
    scale: str = "kbh",
    seed: int = 1,
    as_of: dt.date | None = None,
    error_rate: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """The demo extract as text DataFrames, file stem -> frame (the contract's columns)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}")
    if not 0.0 <= error_rate < 0.5:
        raise ValueError("error_rate must be in [0, 0.5)")
    as_of = as_of or dt.date.today() - dt.timedelta(days=1)
    d = np.datetime64(as_of, "D")
    rng = np.random.default_rng(seed)
    emp = _employees(rng, scale)
    cases = _cases(rng, scale, emp, d)
    inv = _investigations(rng, cases, d)
    meas = _measures(rng, cases, inv, d)
    fups = _follow_ups(rng, meas, d)
    plans = _plans(rng, cases, meas, d)
    apps = _applications(rng, cases, d)
    compl = _complaints(rng, cases, meas, d)
    revs = _reviews(rng, scale, cases, meas, apps, d)
    frames = _Frames(emp, cases, meas, plans, fups, inv, apps, compl, revs)
    out = _to_text(rng, frames)
    if error_rate > 0:
        _inject_errors(rng, out, error_rate)
    return {name: out[name][cols] for name, cols in COLUMNS.items()}


def write_demo_extract(
    out_dir: Path,
    scale: str = "kbh",
    seed: int = 1,
    as_of: dt.date | None = None,
    error_rate: float = 0.0,
) -> Path:
    """Write a synthetic extract folder (nine CSV files + manifest.csv); return out_dir.

    as_of None means yesterday. Deterministic for (scale, seed, as_of, error_rate).
    """
    as_of = as_of or dt.date.today() - dt.timedelta(days=1)
    frames = generate_demo_frames(scale, seed, as_of, error_rate)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        df.to_csv(
            out_dir / f"{name}.csv", sep=";", index=False, encoding="utf-8", lineterminator="\n"
        )
    manifest = pd.DataFrame({"udtraeksdato": [as_of.isoformat()], "kilde": [SOURCE_NAME]})
    manifest.to_csv(
        out_dir / "manifest.csv", sep=";", index=False, encoding="utf-8", lineterminator="\n"
    )
    return out_dir
