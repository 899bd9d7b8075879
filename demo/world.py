"""The demo's simulated world: caseworkers, cases and every event on them.

One function, `simulate`, draws a believable, entirely fictitious municipality
and returns it as typed frames, one per store table (`World.tables`: English
store column names, dates as datetime64[D], booleans as bool), plus a few
helper columns the text writer ignores. Nothing here knows the extract's
Danish names or text formats: `demo.extract_text` writes the frames in the
contract's spelling.

The story follows the seed documents (`kpis.md`): four centers (BFCK children
and families, HCK disabilities for children and adults, SCK socially
vulnerable adults and shelters, RCK substance abuse); BFCK close to the 95 %
targets, HCK far behind on child follow-up, SCK/RCK in between, and
everything improving over the last 18 months. Every deadline event
(follow-up, action plan, investigation completion, decision, letter) is drawn
as met or missed from a per-center probability that rises over time, then
placed before or after its due date following the rules in `kpis.md`
(calendar months from `monitoring.calendar`, processing deadlines from the
rule file). No event is dated after the extract date; only a follow-up's
`next_due_on` (the next follow-up date the caseworker set) may lie ahead.

Everything is invented: caseworkers have invented `...sen`/`...gaard`
surnames and e-mails at `@demo.fristvagt.invalid`; every CPR number's serial
starts with 9 (9000-9999), so a demo CPR is known at a glance, and its date
part is a real birth date matching the person's age (children 0-17,
after-care 18-22, adults 19-89, born 1937 or later, so the serial also fits
the real century rule for serials 9000-9999).

Scales (`SCALE_FACTORS`, cases relative to `kbh`): `tiny` (a few dozen cases
per center, for end-to-end tests), `kbh` (about 150 caseworkers, 8,000 child
and 15,000 adult cases, 3+ years of history) and `national` (15x `kbh`: every
team replicated per area). Vectorised and deterministic for a given random
generator state and extract date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitoring import calendar
from monitoring.rules import Rules
from vocab import TargetGroup

CHILD, ADULT = TargetGroup.CHILD, TargetGroup.ADULT  # sager.maalgruppe

SCALE_FACTORS: dict[str, float] = {"tiny": 0.01, "kbh": 1.0, "national": 15.0}
_AREAS: dict[str, int] = {"national": 15}  # every team replicated per area
_TINY_TEAM_SIZE = 2  # caseworkers per team at the tiny scale

# (center, target group) -> (teams, caseworkers per team, cases at kbh scale)
_UNITS: dict[tuple[str, str], tuple[tuple[str, ...], int, int]] = {
    ("BFCK", CHILD): (
        ("BFCK Nord", "BFCK Syd", "BFCK Øst", "BFCK Vest", "BFCK Indre By", "BFCK Ungeteam"),
        10,
        6000,
    ),
    ("HCK", CHILD): (("HCK Børn 1", "HCK Børn 2", "HCK Børn 3"), 8, 2000),
    ("HCK", ADULT): (("HCK Voksne 1", "HCK Voksne 2"), 8, 3000),
    ("SCK", ADULT): (
        ("SCK Forsorgshjem", "SCK Herberg", "SCK Hjemløseteam", "SCK Udsatte Voksne", "SCK Krise"),
        6,
        7500,
    ),
    ("RCK", ADULT): (("RCK Ambulant", "RCK Døgn", "RCK Unge 18-25", "RCK Rådgivning"), 5, 4500),
}

# Probability that a deadline is met: (18 months ago and before, now), linear in between.
_P_FOLLOW: dict[tuple[str, str], tuple[float, float]] = {
    ("BFCK", CHILD): (0.76, 0.88),
    ("HCK", CHILD): (0.03, 0.3),
    ("HCK", ADULT): (0.4, 0.62),
    ("SCK", ADULT): (0.38, 0.62),
    ("RCK", ADULT): (0.45, 0.7),
}
# Mean days late when a follow-up is missed: (then, now).
_LATE_FOLLOW: dict[tuple[str, str], tuple[float, float]] = {
    ("BFCK", CHILD): (80.0, 60.0),
    ("HCK", CHILD): (280.0, 160.0),
    ("HCK", ADULT): (170.0, 120.0),
    ("SCK", ADULT): (150.0, 100.0),
    ("RCK", ADULT): (130.0, 90.0),
}
_P_PLAN: dict[str, tuple[float, float]] = {"BFCK": (0.8, 0.89), "HCK": (0.76, 0.87)}
_P_PLAN_MISSING: dict[str, float] = {"BFCK": 0.012, "HCK": 0.05}
_P_INVEST: dict[str, tuple[float, float]] = {"BFCK": (0.8, 0.9), "HCK": (0.78, 0.88)}
_P_SHELTER_PLAN: tuple[float, float] = (0.55, 0.8)
_P_DECISION: tuple[float, float] = (0.78, 0.9)
_P_LETTER: tuple[float, float] = (0.2, 0.45)
_RAMP_DAYS = 548

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
    """`monitoring.calendar.add_months` (month-end clamped) on datetime64[D] arrays."""
    return calendar.add_months(d, n).to_numpy().astype("datetime64[D]")


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


def _benefit_days(rules: Rules, codes: np.ndarray) -> dict[str, float]:
    """Benefit code -> its processing deadline (`rules.deadline`) in calendar days."""
    return {str(code): rules.deadline(str(code)).working_days * 7.0 / 5.0 for code in set(codes)}


def _uniform_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    span = np.maximum((hi - lo).astype("int64"), 0)
    return lo + _days(np.floor(rng.random(len(lo)) * (span + 1)))


# ---------------------------------------------------------------- employees
def _employees(rng: np.random.Generator, scale: str) -> pd.DataFrame:
    """One row per caseworker: teams per center and target group, a few inactive."""
    repl = _AREAS.get(scale, 1)
    parts = []
    for (center, group), (teams, per_team, _n) in _UNITS.items():
        k = _TINY_TEAM_SIZE if scale == "tiny" else per_team
        names = [t if repl == 1 else f"{t}, område {a}" for t in teams for a in range(1, repl + 1)]
        team_col = np.repeat(np.array(names, dtype=object), k)
        parts.append(
            pd.DataFrame(
                {
                    "center": center,
                    "target_group": group,
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
    """One row per case: opened/closed, acute, the citizen's CPR, the caseworker."""
    factor = SCALE_FACTORS[scale]
    parts = []
    for (center, group), (_teams, _k, n_kbh) in _UNITS.items():
        parts.append(
            pd.DataFrame(
                {"center": center, "target_group": group}, index=range(round(n_kbh * factor))
            )
        )
    cases = pd.concat(parts, ignore_index=True)
    n = len(cases)
    center = cases["center"].to_numpy(dtype=object)
    child = cases["target_group"].to_numpy(dtype=object) == CHILD

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
    for (c, g), pool in emp[emp["active"]].groupby(["center", "target_group"]):
        idx = np.flatnonzero((center == c) & (cases["target_group"].to_numpy(dtype=object) == g))
        pick = rng.integers(0, len(pool), len(idx))
        cw[idx] = pool["employee_id"].to_numpy(dtype=object)[pick]
        team[idx] = pool["team"].to_numpy(dtype=object)[pick]
    unassigned = rng.random(n) < 0.03
    cw[unassigned] = None

    cases["case_id"] = _ids("S", n, 7, start=int(rng.integers(1, 90_000)))
    cases["cpr"] = _cpr_digits(birth, rng.integers(9000, 10000, n))
    cases["team"] = team
    cases["caseworker_id"] = cw
    cases["opened_on"] = opened
    cases["closed_on"] = closed
    cases["acute"] = acute
    skill = emp.set_index("employee_id")["skill"]
    cases["skill"] = pd.Series(cw).map(skill).fillna(-0.03).to_numpy(dtype="float64")
    return cases


def _cpr_digits(birth: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """The ten digits of a CPR number: the birth date as DDMMYY, then the serial."""
    iso = pd.Series(np.datetime_as_string(np.asarray(birth, dtype="datetime64[D]"), unit="D"))
    ser = pd.Series(np.asarray(serial, dtype="int64")).astype(str).str.zfill(4)
    return (iso.str[8:10] + iso.str[5:7] + iso.str[2:4] + ser).to_numpy(dtype=object)


# ----------------------------------------------------------- investigations
def _investigations(
    rng: np.random.Generator, cases: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    """One row per child-welfare investigation (about 3 in 4 child cases have one)."""
    kids = cases[cases["target_group"] == CHILD]
    has = rng.random(len(kids)) < 0.75
    kids = kids[has]
    n = len(kids)
    opened = kids["opened_on"].to_numpy(dtype="datetime64[D]")
    closed = kids["closed_on"].to_numpy(dtype="datetime64[D]")
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
            "start_on": start,
            "completed_on": end,
        }
    )


# ----------------------------------------------------------------- measures
def _measures(
    rng: np.random.Generator,
    cases: pd.DataFrame,
    inv: pd.DataFrame,
    rules: Rules,
    as_of: np.datetime64,
) -> pd.DataFrame:
    """One row per granted measure; helper columns: the case's row (`ci`), the measure's
    number within its case (`k`), the case's investigation and caseworker skill, and
    whether the measure counts as acute (`acute_effective`)."""
    child = cases["target_group"].to_numpy(dtype=object) == CHILD
    n_cases = len(cases)
    count = np.where(
        child,
        rng.choice(4, n_cases, p=[0.12, 0.5, 0.27, 0.11]),
        rng.choice(3, n_cases, p=[0.08, 0.7, 0.22]),
    )
    inv_by_case = inv.set_index("case_id")
    inv_start = cases["case_id"].map(inv_by_case["start_on"]).to_numpy(dtype="datetime64[D]")
    inv_end = cases["case_id"].map(inv_by_case["completed_on"]).to_numpy(dtype="datetime64[D]")
    has_inv = ~np.isnat(inv_start)
    acute = cases["acute"].to_numpy()
    opened = cases["opened_on"].to_numpy(dtype="datetime64[D]")
    # Non-acute child cases wait for the investigation; open investigation -> no measure yet.
    eligible = np.where(has_inv & ~acute, inv_end, opened)
    eligible = np.where(acute, opened, eligible)
    case_end = np.where(
        np.isnat(cases["closed_on"].to_numpy(dtype="datetime64[D]")),
        as_of,
        cases["closed_on"].to_numpy(dtype="datetime64[D]"),
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
    sel_era = law_date < np.datetime64(rules.law_switch, "D")
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
    closed = cases["closed_on"].to_numpy(dtype="datetime64[D]")[ci]
    end = np.where(np.isnat(closed), end, np.minimum(end, closed))
    end = np.where(end <= as_of, end, _NAT)
    # foranstaltninger.akut (optional): started in an acute situation. The case system
    # fills it for 7 of 10 measures (no random draw: the rest of the world stays as it
    # was); an empty cell leaves it to the case's flag (kpis.md, K1).
    window = _days(np.full(n, rules.acute_window_days))
    acute_measure = acute[ci] & (start <= opened[ci] + window)
    given = (np.arange(n) % 10) < 7
    acute_cell = pd.array(np.where(given, acute_measure, False), dtype="boolean")
    acute_cell[~given] = pd.NA
    return pd.DataFrame(
        {
            "measure_id": _ids("F", n, 8, start=int(rng.integers(1, 500_000))),
            "case_id": cases["case_id"].to_numpy(dtype=object)[ci],
            "ci": ci,
            "k": k,
            "paragraph": para,
            "title": title,
            "decided_on": decided,
            "start_on": start,
            "end_on": end,
            "acute": acute_cell,
            "acute_effective": acute_measure,  # helper: own flag, else the case's (same here)
            "center": center,
            "target_group": np.where(is_child, CHILD, ADULT),
            "inv_start": inv_start[ci],
            "inv_end": inv_end[ci],
            "skill": cases["skill"].to_numpy()[ci],
        }
    )


# --------------------------------------------------------------- follow-ups
def _follow_ups(rng: np.random.Generator, meas: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    """One row per follow-up done, measure by measure until the measure ends or as_of."""
    n = len(meas)
    start = meas["start_on"].to_numpy(dtype="datetime64[D]")
    stop = meas["end_on"].to_numpy(dtype="datetime64[D]")
    stop = np.where(np.isnat(stop), as_of, stop)
    para = meas["paragraph"].to_numpy(dtype=object)
    child = meas["target_group"].to_numpy(dtype=object) == CHILD
    bl = child & pd.Series(para).str.startswith("BL").to_numpy()
    key = (meas["center"] + "/" + meas["target_group"]).to_numpy(dtype=object)
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
            "done_on": dates,
            "form": form,
            "next_due_on": nxt,
        }
    )


# -------------------------------------------------------------------- plans
def _plan_rows(case_id: np.ndarray, made: np.ndarray) -> pd.DataFrame:
    n = len(case_id)
    return pd.DataFrame(
        {
            "case_id": case_id,
            "made_on": made,
            "offered_on": np.full(n, _NAT),
            "declined": np.zeros(n, dtype=bool),
        }
    )


def _plans(
    rng: np.random.Generator, cases: pd.DataFrame, meas: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    """One row per action plan: children's plans (SEL § 52 / BL § 46-47), plans offered
    to shelter users (SEL § 141, sometimes declined), plans for some other adults."""
    para = pd.Series(meas["paragraph"].to_numpy(dtype=object))
    child = meas["target_group"].to_numpy(dtype=object) == CHILD
    center = meas["center"].to_numpy(dtype=object)
    start = meas["start_on"].to_numpy(dtype="datetime64[D]")
    decided = meas["decided_on"].to_numpy(dtype="datetime64[D]")
    opened = cases["opened_on"].to_numpy(dtype="datetime64[D]")[meas["ci"].to_numpy()]
    acute = meas["acute_effective"].to_numpy(dtype=bool)  # per measure (kpis.md, K1)
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
                "made_on": made,
                "offered_on": offered,
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
    made = plans["made_on"].to_numpy(dtype="datetime64[D]")
    offered = plans["offered_on"].to_numpy(dtype="datetime64[D]")
    # Declined or not is known only for a plan that was offered (empty otherwise).
    plans["declined"] = (
        plans["declined"].fillna(False).astype("boolean").mask(np.isnat(offered), pd.NA)
    )
    base = np.where(np.isnat(made), offered, made)
    revised = base + _days(rng.integers(60, 500, n))
    revised = np.where((rng.random(n) < 0.35) & (revised <= as_of), revised, _NAT)
    revised = np.where(np.isnat(made), _NAT, revised)
    plans["revised_on"] = revised
    plans.insert(0, "plan_id", _ids("H", n, 7))
    return plans


# ------------------------------------------------------------- applications
def _applications(
    rng: np.random.Generator, cases: pd.DataFrame, rules: Rules, as_of: np.datetime64
) -> pd.DataFrame:
    """One row per application with a processing deadline (the rule file's, in calendar
    days: a week is 5 working days, 7 days); some decided late, a few letters sent."""
    center = cases["center"].to_numpy(dtype=object)
    rate = _lookup(center, {c: v[2] for c, v in _BENEFITS.items()})
    count = rng.poisson(rate)
    ci = np.repeat(np.arange(len(cases)), count)
    n = len(ci)
    opened = cases["opened_on"].to_numpy(dtype="datetime64[D]")[ci]
    end = cases["closed_on"].to_numpy(dtype="datetime64[D]")[ci]
    end = np.where(np.isnat(end), as_of, end)
    lo = np.maximum(opened, as_of - np.timedelta64(3 * 365, "D"))
    keep = lo <= end
    ci, lo, end = ci[keep], lo[keep], end[keep]
    n = len(ci)
    received = _uniform_between(rng, lo, end)
    c = center[ci]
    group = cases["target_group"].to_numpy(dtype=object)[ci]
    benefit = np.empty(n, dtype=object)
    for code, (codes, w, _r) in _BENEFITS.items():
        m = np.flatnonzero(c == code)
        benefit[m] = np.array(codes, dtype=object)[
            rng.choice(len(codes), len(m), p=np.array(w) / sum(w))
        ]
    # Children's benefits for adults in HCK make no sense: give adults adult codes.
    child_codes = np.isin(benefit, ["SEL41", "SEL42", "BL32"])
    adult_codes = np.isin(benefit, ["SEL83", "SEL100", "SEL112", "SEL113", "SEL114", "SEL85"])
    benefit = np.where((group == ADULT) & child_codes, "SEL100", benefit)
    benefit = np.where((group == CHILD) & adult_codes & (c == "HCK"), "SEL41", benefit)
    # Children's benefits moved to Barnets Lov on 1 Jan 2024.
    bl_era = received >= np.datetime64(rules.law_switch, "D")
    benefit = np.where((benefit == "BL32") & ~bl_era, "SEL52", benefit)
    benefit = np.where((benefit == "SEL41") & bl_era & (group == CHILD), "BL86", benefit)
    benefit = np.where((benefit == "SEL42") & bl_era & (group == CHILD), "BL87", benefit)
    days = _lookup(benefit, _benefit_days(rules, benefit))
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
            "received_on": received,
            "decided_on": decided,
            "letter_sent_on": letter,
        }
    )


# --------------------------------------------------------------- complaints
def _complaints(
    rng: np.random.Generator, cases: pd.DataFrame, meas: pd.DataFrame, as_of: np.datetime64
) -> pd.DataFrame:
    """One row per complaint, about the first measure of about 7 % of the cases."""
    first = meas[meas["k"] == 0]
    with_measure = first["ci"].to_numpy()
    pick = with_measure[rng.random(len(with_measure)) < 0.07]
    n = len(pick)
    para = pd.Series(pick).map(pd.Series(first["paragraph"].to_numpy(), index=with_measure))
    start = pd.Series(pick).map(
        pd.Series(first["start_on"].to_numpy(dtype="datetime64[D]"), index=with_measure)
    )
    lo = start.to_numpy(dtype="datetime64[D]")
    end = cases["closed_on"].to_numpy(dtype="datetime64[D]")[pick]
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
            "complaint_type": np.where(rng.random(n) < 0.75, "realitet", "formalitet"),
            "received_on": received,
            "decided_on": decided,
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
    """One row per case per review campaign: a SEL 41/42 remediation and BL 46/47 placements."""
    factor = SCALE_FACTORS[scale]
    parts = []
    # SEL 41/42 remediation: cases with such an application, topped up with HCK child cases.
    cand = pd.unique(apps.loc[apps["benefit"].isin(["SEL41", "SEL42", "BL86", "BL87"]), "case_id"])
    extra = cases.loc[(cases["center"] == "HCK") & (cases["target_group"] == CHILD), "case_id"]
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
                "reviewed_on": np.where(when <= as_of, when, _NAT),
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
                "reviewed_on": np.where(when <= as_of, when, _NAT),
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------- world
@dataclass
class World:
    """The simulated municipality: one typed frame per store table (see the module doc)."""

    as_of: dt.date
    tables: dict[str, pd.DataFrame]  # store table name -> one row per extract row


def simulate(rng: np.random.Generator, scale: str, as_of: dt.date, rules: Rules) -> World:
    """Draw the world at `as_of` (the extract date) from `rng`."""
    if scale not in SCALE_FACTORS:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALE_FACTORS)}")
    d = np.datetime64(as_of, "D")
    employees = _employees(rng, scale)
    cases = _cases(rng, scale, employees, d)
    investigations = _investigations(rng, cases, d)
    measures = _measures(rng, cases, investigations, rules, d)
    follow_ups = _follow_ups(rng, measures, d)
    plans = _plans(rng, cases, measures, d)
    applications = _applications(rng, cases, rules, d)
    complaints = _complaints(rng, cases, measures, d)
    reviews = _reviews(rng, scale, cases, measures, applications, d)
    return World(
        as_of=as_of,
        tables={
            "employees": employees,
            "cases": cases,
            "measures": measures,
            "action_plans": plans,
            "follow_ups": follow_ups,
            "investigations": investigations,
            "applications": applications,
            "complaints": complaints,
            "reviews": reviews,
        },
    )
