"""Plain Danish labels for codes in the store: KPIs, obligation kinds, statuses."""

from __future__ import annotations

import functools
from typing import Any

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


@functools.cache
def _rules() -> Any | None:
    """The monitoring rule set, if the monitoring package provides one."""
    try:
        from monitoring.rules import load_rules  # type: ignore[import-not-found]

        return load_rules()
    except Exception:
        return None


def _rule_kpi_labels() -> dict[str, str]:
    rules = _rules()
    if rules is None:
        return {}
    kpis = getattr(rules, "kpis", None)
    if kpis is None and isinstance(rules, dict):
        kpis = rules.get("kpis")
    out: dict[str, str] = {}
    try:
        items = kpis.items() if isinstance(kpis, dict) else [(None, k) for k in kpis or []]
        for key, val in items:
            code = key or getattr(val, "code", None) or getattr(val, "kpi", None)
            label = getattr(val, "label", None) or (
                val.get("label") if isinstance(val, dict) else val if isinstance(val, str) else None
            )
            if code and label:
                out[str(code)] = str(label)
    except Exception:
        return {}
    return out


def kpi_label(code: str) -> str:
    """The KPI's Danish label: the rules' own if available, else the built-in one."""
    return _rule_kpi_labels().get(code) or KPI_LABELS.get(code, code)


def kpi_explanation(code: str) -> str:
    """The rules' one-sentence explanation of a KPI ("" if none)."""
    rules = _rules()
    kpis = getattr(rules, "kpis", None) if rules is not None else None
    item = kpis.get(code) if isinstance(kpis, dict) else None
    return str(getattr(item, "explanation", "") or "")


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


def milestones(campaign: str) -> list[tuple[Any, int]]:
    """(date, remaining) milestones of a review campaign from the rules; [] if unknown."""
    rules = _rules()
    if rules is None:
        return []
    try:
        camps = getattr(rules, "campaigns", None)
        if camps is None and isinstance(rules, dict):
            camps = rules.get("campaigns")
        if isinstance(camps, dict):
            camp = camps.get(campaign)
        else:
            camp = next((c for c in camps or () if getattr(c, "name", None) == campaign), None)
        if camp is None:
            return []
        ms = getattr(camp, "milestones", None)
        if ms is None and isinstance(camp, dict):
            ms = camp.get("milestones")
        out: list[tuple[Any, int]] = []
        for m in ms or []:
            if isinstance(m, dict):
                out.append((m.get("date") or m.get("on"), int(m.get("remaining", 0))))
            elif isinstance(m, (tuple, list)):
                out.append((m[0], int(m[1])))
            else:
                out.append((getattr(m, "date", None) or getattr(m, "on", None), int(m.remaining)))
        return [(d, r) for d, r in out if d is not None]
    except Exception:
        return []
