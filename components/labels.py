"""Plain Danish labels for the codes in the store: KPIs, kinds, statuses, runs, targets.

The codes themselves come from `vocab` (one spelling each); the KPI labels,
targets and milestones come from the rules file, read again when it changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import settings
from components import format as fmt
from monitoring.rules import Rules, load_rules
from vocab import (
    ALL_CENTERS,
    KIND_LABELS,
    NO_TEAM,
    RUN_STATUS_LABELS,
    STATUS_LABELS,
    UNASSIGNED,
    RunStatus,
    Severity,
    Status,
)

# What a KPI counts (the unit in "372 af 400 sager"); "sag"/"sager" for the others.
KPI_UNITS: dict[str, tuple[str, str]] = {
    "K2": ("foranstaltning", "foranstaltninger"),
    "K4a": ("undersøgelse", "undersøgelser"),
    "K4b": ("undersøgelse", "undersøgelser"),
    "K6": ("ophold", "ophold"),
    "K7a": ("ansøgning", "ansøgninger"),
    "K7b": ("ansøgning", "ansøgninger"),
    "K8": ("ansøgning", "ansøgninger"),
}
# The icon in front of a status in the case list: crossed = needs attention.
STATUS_ICONS: dict[Status, str] = {
    Status.OVERDUE: "✖",
    Status.MISSED: "✖",
    Status.OPEN: "○",
    Status.MET: "✔",
    Status.LATE: "✔",
}
RUN_STATUS_ICONS: dict[RunStatus, str] = {
    RunStatus.LOADED: "✔",
    RunStatus.REFUSED: "✖",
    RunStatus.DUPLICATE: "=",
    RunStatus.FAILED: "✖",
    RunStatus.RUNNING: "…",
    RunStatus.ABORTED: "✖",
}
SEVERITY_LABELS: dict[Severity, str] = {Severity.ERROR: "Fejl", Severity.WARNING: "Advarsel"}
CENTER_LABELS: dict[str, str] = {
    ALL_CENTERS: "Hele forvaltningen",
    "BFCK": "BFCK – Børne- og Familiecenter",
    "HCK": "HCK – Handicapcenter",
    "SCK": "SCK – Center for Socialt Udsatte",
    "RCK": "RCK – Rusmiddelcenter",
}
COMPLAINT_TYPES: dict[str, str] = {"realitet": "Realitet", "formalitet": "Formalitet"}
UNASSIGNED_LABEL = "Ufordelt"
NO_TEAM_LABEL = "Intet team"
CLOSE_MARGIN = 0.03  # within 3 points below the target = "Tæt på"


def rules() -> Rules:
    """The monitoring rules (the file named by RULES_FILE): labels, milestones, targets.

    Read again when the file changes (no restart needed after editing the rules).
    """
    path = Path(settings.RULES_FILE.get())
    return _rules_at(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _rules_at(path: str, _mtime_ns: int) -> Rules:
    return load_rules(Path(path))


def _missing(value: Any) -> bool:
    return value is None or str(value) in ("", "<NA>", "nan", "None")


def kpi_label(code: str) -> str:
    """The KPI's Danish label from the rules; the code itself for a code they lack."""
    item = rules().kpis.get(code)
    return item.label if item else code


def kpi_explanation(code: str) -> str:
    """The rules' one-sentence explanation of a KPI ("" if none)."""
    item = rules().kpis.get(code)
    return item.explanation if item else ""


def kpi_unit(code: str, n: int) -> str:
    """What the KPI counts, singular or plural for n: 'sag'/'sager', 'ansøgning'/..."""
    singular, plural = KPI_UNITS.get(code, ("sag", "sager"))
    return singular if n == 1 else plural


def kind_label(code: Any) -> str:
    """An obligation kind in Danish; an unknown code as it is, none as ''."""
    if _missing(code):
        return ""
    return KIND_LABELS.get(str(code), str(code))


def status_label(code: Any) -> str:
    """An obligation status in Danish; an unknown code as it is, none as ''."""
    if _missing(code):
        return ""
    return STATUS_LABELS.get(str(code), str(code))


def status_text(code: Any) -> str:
    """A status with its icon, as the case list shows it: '✖ Overskredet'."""
    icon = STATUS_ICONS.get(str(code))
    return f"{icon} {status_label(code)}" if icon else status_label(code)


def run_status_label(code: Any) -> str:
    """An ETL run's status with its icon: '✔ Indlæst'; an unknown one as it is."""
    label = RUN_STATUS_LABELS.get(str(code))
    if label is None:
        return str(code)
    return f"{RUN_STATUS_ICONS[RunStatus(str(code))]} {label}"


def severity_label(code: Any) -> str:
    """'Fejl' for an error, 'Advarsel' for a warning."""
    return SEVERITY_LABELS.get(str(code), str(code))


def center_label(code: Any) -> str:
    """A center's full name ('HCK – Handicapcenter'); the whole administration for ALL."""
    return CENTER_LABELS.get(str(code), str(code))


def center_short(code: Any) -> str:
    """A center's code, or 'Hele forvaltningen' for the whole administration (chart legends)."""
    return CENTER_LABELS[ALL_CENTERS] if str(code) == ALL_CENTERS else str(code)


def caseworker_label(worker_id: Any, name: Any = None) -> str:
    """The caseworker's name; the id if the register has no name; 'Ufordelt' for none."""
    if _missing(worker_id) or str(worker_id) == UNASSIGNED:
        return UNASSIGNED_LABEL
    if _missing(name):
        return str(worker_id)
    return str(name)


def team_label(team: Any) -> str:
    """A team's name; 'Intet team' for a case without a team, 'Ufordelt' for the unassigned."""
    if _missing(team) or str(team) == NO_TEAM:
        return NO_TEAM_LABEL
    if str(team) == UNASSIGNED:
        return UNASSIGNED_LABEL
    return str(team)


def target(kpi: str, center: str | None = None) -> float:
    """The rules' target of a KPI (share 0..1), with the center's override if any."""
    return rules().target(kpi, None if center in (None, ALL_CENTERS) else center)


def target_text(kpis: Iterable[str] | None = None) -> str:
    """The rules' targets in one sentence part: '95 %', or '95 % (K2: 90 %; HCK K3: 90 %)'.

    kpis limits the exceptions named to those KPIs (default: all the rules know).
    """
    r = rules()
    shown = set(r.kpis) if kpis is None else set(kpis)
    default = r.default_target
    other = [
        f"{k}: {fmt.percent(v)}"
        for k, v in sorted(r.kpi_targets.items())
        if k in shown and abs(v - default) > 1e-9
    ]
    other += [
        f"{c} {k}: {fmt.percent(v)}"
        for c, by_kpi in sorted(r.center_targets.items())
        for k, v in sorted(by_kpi.items())
        if k in shown and abs(v - r.target(k)) > 1e-9
    ]
    return fmt.percent(default) + (f" ({'; '.join(other)})" if other else "")


def attainment(value: Any, denominator: Any, target: float) -> str:
    """'met' | 'close' | 'missed' | 'empty' for a KPI value against its target."""
    if denominator is None or int(denominator) == 0 or value is None or value != value:
        return "empty"
    if float(value) >= target - 1e-9:
        return "met"
    if float(value) >= target - CLOSE_MARGIN:
        return "close"
    return "missed"


ATTAINMENT_TEXT: dict[str, tuple[str, str, str]] = {
    # attainment -> (icon, text, bootstrap colour)
    "met": ("✔", "Opfyldt", "success"),
    "close": ("▲", "Tæt på", "warning"),
    "missed": ("✖", "Ikke opfyldt", "danger"),
    "empty": ("–", "Ingen sager", "secondary"),
}


def campaign_label(campaign: Any) -> str:
    """A review campaign's Danish name from the rules ("Genopretning af ... (SEL §§ 41-42)");
    one the rules do not name reads as its id with spaces ("SEL41-42 genopretning")."""
    camp = next((c for c in rules().campaigns if c.name == str(campaign)), None)
    if camp and camp.label:
        return camp.label
    head, _, tail = str(campaign).rpartition("-")
    return f"{head} {tail}".strip() if head and tail.isalpha() else str(campaign)


def milestones(campaign: str) -> list[tuple[dt.date, int]]:
    """(date, remaining) milestones of a review campaign from the rules; [] if unknown."""
    camp = next((c for c in rules().campaigns if c.name == campaign), None)
    return list(camp.milestones) if camp else []


def trend_milestones(start: dt.date, end: dt.date) -> list[dt.date]:
    """The rules' yearly trend milestones (e.g. 31 December) between start and end."""
    out = []
    for year in range(start.year, end.year + 1):
        for month, day in rules().trend_milestones:
            d = dt.date(year, month, day)
            if start <= d <= end:
                out.append(d)
    return sorted(out)


LAW_NAMES: dict[str, str] = {"SEL": "Serviceloven", "BL": "Barnets Lov"}


def paragraph_label(code: Any) -> str:
    """A stored paragraph code in plain Danish: 'SEL52.3.7' -> 'Serviceloven § 52, stk. 3,
    nr. 7'; 'BL32.1.1' -> 'Barnets Lov § 32, stk. 1, nr. 1'; anything else as it is."""
    if _missing(code):
        return ""
    text = str(code).strip()
    match = re.fullmatch(r"([A-ZÆØÅ]+)(\d+[a-z]?)(?:\.(\d+))?(?:\.(\d+))?", text)
    if not match or match.group(1) not in LAW_NAMES:
        return text
    law, paragraph, stk, nr = match.groups()
    out = f"{LAW_NAMES[law]} § {paragraph}"
    if stk:
        out += f", stk. {stk}"
    if nr:
        out += f", nr. {nr}"
    return out
