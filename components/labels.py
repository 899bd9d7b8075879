"""Plain Danish labels for codes in the store: KPIs, obligation kinds, statuses."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import settings
from monitoring.rules import Rules, load_rules

KPI_LABELS: dict[str, str] = {
    "K1": "Handleplan foreligger",
    "K2": "Handleplan rettidig",
    "K3": "Rettidig opfølgning (børn)",
    "K4a": "Igangværende undersøgelser under 4 mdr.",
    "K4b": "Afsluttede undersøgelser inden 4 mdr.",
    "K5": "Opfølgning voksne",
    "K6": "Handleplan tilbudt (forsorg)",
    "K7": "Afgjort inden sagsbehandlingsfrist",
    "K8": "Underretning sendt rettidigt",
}
# What a KPI counts (the unit in "372 af 400 sager").
KPI_UNITS: dict[str, tuple[str, str]] = {
    "K2": ("foranstaltning", "foranstaltninger"),
    "K4a": ("undersøgelse", "undersøgelser"),
    "K4b": ("undersøgelse", "undersøgelser"),
    "K6": ("ophold", "ophold"),
    "K7": ("ansøgning", "ansøgninger"),
    "K8": ("ansøgning", "ansøgninger"),
}
KIND_LABELS: dict[str, str] = {
    "handleplan": "Handleplan",
    "follow-up": "Opfølgning",
    "investigation": "Børnefaglig undersøgelse",
    "processing": "Sagsbehandlingsfrist",
    "letter": "Underretningsbrev",
    "shelter-plan": "Handleplan tilbudt (forsorg)",
}
STATUS_LABELS: dict[str, str] = {
    "overdue": "Overskredet",
    "open": "Åben",
    "met": "Opfyldt",
    "late": "Opfyldt for sent",
    "missed": "Ikke overholdt",  # can no longer be done (a letter after the decision)
}
LIST_STATUS_LABELS: dict[str, str] = {
    "overskredet": "Overskredet",
    "forfalder-7": "Forfalder inden for 7 dage",
    "forfalder-14": "Forfalder inden for 14 dage",
    "forfalder-30": "Forfalder inden for 30 dage",
    "aaben": "Åben",
    "opfyldt": "Opfyldt",
}
CENTER_LABELS: dict[str, str] = {
    "ALL": "Hele forvaltningen",
    "BFCK": "BFCK – Børne- og Familiecenter",
    "HCK": "HCK – Handicapcenter",
    "SCK": "SCK – Center for Socialt Udsatte",
    "RCK": "RCK – Rusmiddelcenter",
}
COMPLAINT_TYPES: dict[str, str] = {"realitet": "Realitet", "formalitet": "Formalitet"}
UNASSIGNED_LABEL = "Ufordelt"
TARGET = 0.95
CLOSE_MARGIN = 0.03  # within 3 points below target = "Tæt på"


def rules() -> Rules:
    """The monitoring rules (the file named by RULES_FILE): labels, milestones, targets.

    Read again when the file changes (no restart needed after editing the rules).
    """
    path = Path(settings.RULES_FILE.get())
    return _rules_at(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _rules_at(path: str, _mtime_ns: int) -> Rules:
    return load_rules(Path(path))


def kpi_label(code: str) -> str:
    """The KPI's Danish label from the rules; the built-in one for a code they lack."""
    item = rules().kpis.get(code)
    return item.label if item else KPI_LABELS.get(code, code)


def kpi_explanation(code: str) -> str:
    """The rules' one-sentence explanation of a KPI ("" if none)."""
    item = rules().kpis.get(code)
    return item.explanation if item else ""


def kpi_unit(code: str, n: int) -> str:
    singular, plural = KPI_UNITS.get(code, ("sag", "sager"))
    return singular if n == 1 else plural


def kind_label(code: Any) -> str:
    return KIND_LABELS.get(str(code), "" if code is None else str(code))


def status_label(code: Any) -> str:
    return STATUS_LABELS.get(str(code), "" if code is None else str(code))


def center_label(code: Any) -> str:
    return CENTER_LABELS.get(str(code), str(code))


def caseworker_label(worker_id: Any, name: Any = None) -> str:
    if worker_id is None or str(worker_id) in ("", "ufordelt", "<NA>"):
        return UNASSIGNED_LABEL
    if name is None or str(name) in ("", "<NA>", "nan"):
        return str(worker_id)
    return str(name)


def team_label(team: Any) -> str:
    if team is None or str(team) in ("", "<NA>", "ufordelt"):
        return "Uden team"
    return str(team)


def attainment(value: Any, denominator: Any, target: float = TARGET) -> str:
    """'met' | 'close' | 'missed' | 'empty' for a KPI value against its target."""
    if denominator is None or int(denominator) == 0 or value is None or value != value:
        return "empty"
    if float(value) >= target - 1e-9:
        return "met"
    if float(value) >= target - CLOSE_MARGIN:
        return "close"
    return "missed"


ATTAINMENT_TEXT: dict[str, tuple[str, str, str]] = {
    # status -> (icon, text, bootstrap colour)
    "met": ("✔", "Opfyldt", "success"),
    "close": ("▲", "Tæt på", "warning"),
    "missed": ("✖", "Ikke opfyldt", "danger"),
    "empty": ("–", "Ingen sager", "secondary"),
}


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
