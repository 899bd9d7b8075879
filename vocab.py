"""The project's one vocabulary: the codes stored in the database and passed
between the layers, each spelled once.

This is the bottom floor: it imports nothing of the project, and every other
package (etl, monitoring, store, jobs, the web app) takes its words from here.
Danish labels for users live beside the codes that have a fixed text (problem
rules, run outcomes); labels that depend on the rules file stay in the web app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_SHORT = (
    "jan.",
    "feb.",
    "mar.",
    "apr.",
    "maj",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "okt.",
    "nov.",
    "dec.",
)


def danish_date(day: Any) -> str:
    """'22. nov. 2026' (maj has no dot), from a date, datetime or Timestamp."""
    return f"{day.day}. {MONTHS_SHORT[day.month - 1]} {day.year}"


class Status(StrEnum):
    """An obligation's status at D (kpis.md, Conventions)."""

    OPEN = "open"  # not due yet, or due today: still on time
    OVERDUE = "overdue"  # past its due date, not done
    MET = "met"  # done on or before the due date
    LATE = "late"  # done after the due date
    MISSED = "missed"  # can no longer be done in time (a letter after the decision)


class Kind(StrEnum):
    """The kind of an obligation (what must be done)."""

    HANDLEPLAN = "handleplan"
    FOLLOW_UP = "follow-up"
    INVESTIGATION = "investigation"
    PROCESSING = "processing"
    LETTER = "letter"
    SHELTER_PLAN = "shelter-plan"


class Level(StrEnum):
    """The unit a KPI result is aggregated to."""

    ALL = "all"
    CENTER = "center"
    TEAM = "team"
    CASEWORKER = "caseworker"


class ResultKind(StrEnum):
    """Which computation a stored KPI result row comes from."""

    SNAPSHOT = "snapshot"  # at the extract date of a load
    RECOMPUTED = "recomputed"  # month-end history, recomputed from the current data
    FORECAST = "forecast"  # a month-end ahead, "if nothing more is done"


class RunStatus(StrEnum):
    """An ETL run's outcome in `etl_runs`."""

    RUNNING = "running"
    LOADED = "loaded"
    REFUSED = "refused"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    ABORTED = "aborted"  # its process died during the load (marked by the next load)


class Severity(StrEnum):
    """A problem stops its row (error) or is only reported (warning)."""

    ERROR = "error"
    WARNING = "warning"


class TargetGroup(StrEnum):
    """`sager.maalgruppe`."""

    CHILD = "born"
    ADULT = "voksen"


# A case without a (known, active) caseworker, and a case without a team: one
# stored marker each, shown to users as "Ufordelt" / "Intet team".
# The Danish names of obligation kinds and statuses (the web shows them, the case
# list sorts by them: A-Z is the order of the words a reader sees, not of the codes).
KIND_LABELS: dict[str, str] = {
    Kind.HANDLEPLAN: "Handleplan",
    Kind.FOLLOW_UP: "Opfølgning",
    Kind.INVESTIGATION: "Børnefaglig undersøgelse",
    Kind.PROCESSING: "Sagsbehandlingsfrist",
    Kind.LETTER: "Underretningsbrev",
    Kind.SHELTER_PLAN: "Handleplan tilbudt (forsorg)",
}
STATUS_LABELS: dict[str, str] = {
    Status.OVERDUE: "Overskredet",
    Status.OPEN: "Åben",
    Status.MET: "Opfyldt",
    Status.LATE: "Opfyldt for sent",
    Status.MISSED: "Ikke overholdt",  # can no longer be done (a letter after the decision)
}


class Role(StrEnum):
    """What a user may see and do (issue 11); decided on the server from the session."""

    CASEWORKER = "sagsbehandler"  # own cases; own results
    TEAM_LEAD = "teamleder"  # own team
    CENTER_CHIEF = "centerchef"  # own center
    DIRECTORATE = "direktion"  # every center, lists too
    ADMIN = "admin"  # everything, and users, rules, audit


ROLE_LABELS: dict[str, str] = {
    Role.CASEWORKER: "Sagsbehandler",
    Role.TEAM_LEAD: "Teamleder",
    Role.CENTER_CHIEF: "Centerchef",
    Role.DIRECTORATE: "Direktion",
    Role.ADMIN: "Administrator",
}


class AuditAction(StrEnum):
    """What an audit-log row records."""

    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOGOUT = "logout"
    PAGE = "page"  # a page view: page and its filter
    LIST = "list"  # rows of a case list shown: case ids
    CASE = "case"  # one case's page
    EXPORT = "export"  # a file of rows: format, filter, row count
    CPR_REVEAL = "cpr-reveal"  # one full CPR number shown
    USER_CHANGE = "user-change"  # a user added, disabled, changed
    AUDIT_EXPORT = "audit-export"


AUDIT_LABELS: dict[str, str] = {
    AuditAction.LOGIN: "Login",
    AuditAction.LOGIN_FAILED: "Mislykket login",
    AuditAction.LOGOUT: "Log ud",
    AuditAction.PAGE: "Side vist",
    AuditAction.LIST: "Sagsliste vist",
    AuditAction.CASE: "Sag vist",
    AuditAction.EXPORT: "Eksport",
    AuditAction.CPR_REVEAL: "CPR-nummer vist",
    AuditAction.USER_CHANGE: "Brugerændring",
    AuditAction.AUDIT_EXPORT: "Logudtræk",
}


UNASSIGNED = "ufordelt"
NO_TEAM = "(intet team)"
ALL_CENTERS = "ALL"  # the whole administration in KPI results and forecasts

RUN_STATUS_LABELS: dict[RunStatus, str] = {
    RunStatus.RUNNING: "I gang",
    RunStatus.LOADED: "Indlæst",
    RunStatus.REFUSED: "Afvist",
    RunStatus.DUPLICATE: "Allerede indlæst",
    RunStatus.FAILED: "Fejlet",
    RunStatus.ABORTED: "Afbrudt",
}


@dataclass(frozen=True)
class ProblemCode:
    """A validation rule or run outcome: its code and the Danish text users read."""

    code: str
    label: str  # short Danish name, e.g. for Datakvalitet's table
    severity: Severity = Severity.ERROR


def _catalogue(*codes: ProblemCode) -> dict[str, ProblemCode]:
    return {c.code: c for c in codes}


# Every problem code the ETL can raise, once, with its Danish name. A test fails
# when code raises a code that is not here.
PROBLEM_CODES: dict[str, ProblemCode] = _catalogue(
    # reading the extract
    ProblemCode("unreadable", "Filen kan ikke læses"),
    ProblemCode("missing-file", "Påkrævet fil mangler"),
    ProblemCode("empty-file", "Filen er tom"),
    ProblemCode("duplicate-file", "Filen findes flere gange"),
    ProblemCode("missing-column", "Påkrævet kolonne mangler"),
    ProblemCode("duplicate-column", "Kolonnen findes flere gange"),
    ProblemCode("unknown-column", "Ukendt kolonne (ignoreret)", Severity.WARNING),
    ProblemCode("unknown-file", "Ukendt fil (ignoreret)", Severity.WARNING),
    ProblemCode("optional-file-missing", "Valgfri fil mangler (tabellen tømmes)", Severity.WARNING),
    ProblemCode("mixed-encoding", "Blandet tegnsæt (UTF-8 og Windows-1252)", Severity.WARNING),
    ProblemCode("extract-too-large", "Udtrækket er for stort"),
    ProblemCode("zip-ratio", "Mistænkeligt stærkt pakket fil (zip-bombe?)"),
    ProblemCode("no-extract-date", "Ingen udtræksdato (dags dato brugt)", Severity.WARNING),
    ProblemCode("extract-older", "Udtrækket er ældre end sidste indlæsning"),
    # plausibility of the whole extract (refused unless an operator accepts it)
    ProblemCode("extract-future", "Udtræksdatoen ligger i fremtiden"),
    ProblemCode("file-shrunk", "Filen har langt færre rækker end ved sidste indlæsning"),
    ProblemCode("too-many-rejected", "For stor en andel af filens rækker er afvist"),
    # one row
    ProblemCode("required", "Påkrævet værdi mangler"),
    ProblemCode("date-format", "Ugyldig dato"),
    ProblemCode("bool-format", "Ugyldig ja/nej-værdi"),
    ProblemCode("cpr-format", "Ugyldigt CPR-nummer"),
    ProblemCode("cpr-date", "CPR-nummerets dato findes ikke"),
    ProblemCode("enum", "Ukendt værdi"),
    ProblemCode("paragraph-format", "Ugyldig paragrafkode"),
    ProblemCode("too-long", "Værdien er for lang"),
    ProblemCode("duplicate-id", "Id'et findes flere gange"),
    ProblemCode("date-before-1990", "Dato før 1990"),
    ProblemCode("date-after-2100", "Dato efter 2100"),
    ProblemCode("date-after-extract", "Dato efter udtræksdatoen"),
    ProblemCode("end-before-start", "Slutdato før startdato"),
    ProblemCode("plan-without-date", "Handleplan uden dato"),
    ProblemCode("control-character", "Kontroltegn i værdien"),
    # across files
    ProblemCode("unknown-case", "Ukendt sag"),
    ProblemCode("unknown-caseworker", "Ukendt sagsbehandler", Severity.WARNING),
    ProblemCode("unknown-measure", "Ukendt foranstaltning"),
    ProblemCode("measure-other-case", "Foranstaltningen hører til en anden sag"),
    ProblemCode("depends-on-rejected", "Afhænger af en afvist række"),
)


def problem_label(code: str) -> str:
    """The Danish name of a problem code; an unknown code is shown as it is."""
    entry = PROBLEM_CODES.get(code)
    return entry.label if entry is not None else code


# A run's outcome is stored as data (`etl_runs.outcome`: {"code": ..., params}) and
# rendered in Danish here, never parsed back from a sentence.
RUN_OUTCOMES: dict[str, str] = {
    "loaded": "{rows_rejected} rækker afvist; {problems} problemer ({errors} fejl)",
    "duplicate": "Samme udtræk som kørsel {same_as_run}: intet indlæst",
    "refused": "Afvist: {rules}; intet indlæst",
    "stale": "Hang i over {hours} timer; markeret som fejlet",  # runs of older versions
    "failed": "Uventet fejl ({error}); intet indlæst",
    "aborted": "Afbrudt: processen stoppede under indlæsningen",
}


def _danish_number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    return f"{value:,}".replace(",", ".")


def run_outcome_text(outcome: Mapping[str, Any] | None) -> str:
    """A stored run outcome as the Danish sentence users read ("" for none)."""
    if not outcome or outcome.get("code") not in RUN_OUTCOMES:
        return ""
    params = {k: _danish_number(v) for k, v in outcome.items() if k != "code"}
    if "rules" in outcome:
        params["rules"] = ", ".join(problem_label(str(r)) for r in outcome["rules"] or [])
    try:
        text = RUN_OUTCOMES[str(outcome["code"])].format(**params)
    except KeyError:  # a parameter missing from an older row
        text = RUN_OUTCOMES[str(outcome["code"])].split(":")[0]
    if outcome.get("forced"):
        accepted = ", ".join(problem_label(str(r)) for r in outcome.get("accepted") or [])
        text += f" (indlæst alligevel trods: {accepted})" if accepted else " (indlæst alligevel)"
    return text
