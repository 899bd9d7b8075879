"""The web app's URL vocabulary: page paths, the Danish query keys and values, links.

Every link a page or card builds goes through here, and every page reads its
query string through here; no other module spells a query key or value. Links
are shareable: `/sager?kpi=K3&resultat=ikke-opfyldt&center=HCK` opens the cases
behind a KPI card, `/datakvalitet?regel=cpr-format&koersel=12` a run's rows.

Reading a link back (`parse_list`, `parse_page`, `parse_data_quality`) gives a
typed filter and the `key=value` parts it did not understand (a misspelt value,
an unknown key): they are left out of the filter and reported, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from components import format as fmt
from components import labels
from store.case_list import (
    STATUS_SEPARATOR,
    ListFilter,
    ListStatus,
    MemberResult,
    join_statuses,
    split_statuses,
)
from vocab import ALL_CENTERS, Kind

# ------------------------------------------------------------------ page paths
OVERVIEW = "/"
CASES = "/sager"
CALENDAR = "/fristkalender"
TREND = "/udvikling"
PROCESSING = "/sagsbehandlingsfrister"
COMPLAINTS = "/klager"
DATA_QUALITY = "/datakvalitet"
ADMIN = "/admin"
CASE = "/sag"  # one case: /sag/<sag_id>
BOARD = "/direktion"
# The pages of the navigation bar (and of the 404 page), in order: (name, path).
NAV_PAGES: tuple[tuple[str, str], ...] = (
    ("Overblik", OVERVIEW),
    ("Sager", CASES),
    ("Fristkalender", CALENDAR),
    ("Udvikling", TREND),
    ("Direktion", BOARD),
    ("Sagsbehandlingsfrister", PROCESSING),
    ("Klager", COMPLAINTS),
    ("Datakvalitet", DATA_QUALITY),
)
EXPORT_CSV = "/eksport/sager.csv"  # the case list as a file (the Sager filters of the link)
EXPORT_XLSX = "/eksport/sager.xlsx"
EXPORT_TRENDS_PDF = "/eksport/udvikling.pdf"  # every KPI's trend chart, one PDF

# ------------------------------------------------------------------ query keys
# The values of `status=` and `resultat=` are the case list's own filter words
# (store.case_list.ListStatus, MemberResult); `type=` takes vocab.Kind.
KPI = "kpi"
RESULT = "resultat"
CENTER = "center"
TEAM = "team"
CASEWORKER = "sagsbehandler"
KIND = "type"  # values: the obligation kinds of vocab.Kind
STATUS = "status"
DUE_FROM = "forfald_fra"  # ISO dates: 2026-12-01
DUE_TO = "forfald_til"
DONE_FROM = "udfoert_fra"  # done on or after this day (ISO)
RULE = "regel"  # a problem code of vocab.PROBLEM_CODES
FINDING = "fund"  # a data-quality finding's kind (Danish, monitoring FINDING_KINDS)
FINDING_CODE = "kode"  # the finding's code (paragraph, benefit code, caseworker id)
RUN = "koersel"  # an ETL run id
SHOW_ALL = "vis"  # Overblik: `vis=alle` shows every team and caseworker of a center
COMPLAINT_PARAGRAPH = "paragraf"  # Klager: the complaints of a paragraph code ("(uden paragraf)")
COMPLAINT_TYPE = "klagetype"  # realitet | formalitet
COMPLAINT_UPHELD = "medhold"  # ja | nej
COMPLAINT_LIST = "klager-liste"  # the anchor of the complaints behind a number


# The status choices of the case list (its dropdown) and the title of each.
LIST_STATUS_LABELS: dict[ListStatus, str] = {
    ListStatus.OVERDUE: "Overskredet",
    ListStatus.WORK: "Arbejdsliste: overskredet eller forfalder inden for 14 dage",
    ListStatus.DUE_7: "Forfalder inden for 7 dage",
    ListStatus.DUE_14: "Forfalder inden for 14 dage",
    ListStatus.DUE_30: "Forfalder inden for 30 dage",
    ListStatus.OPEN: "Åben",
    ListStatus.DONE: "Opfyldt",
}
LIST_STATUS_TITLES: dict[ListStatus, str] = {
    ListStatus.OVERDUE: "Overskredne frister",
    ListStatus.WORK: "Arbejdsliste",
    ListStatus.DUE_7: "Frister inden for 7 dage",
    ListStatus.DUE_14: "Frister inden for 14 dage",
    ListStatus.DUE_30: "Frister inden for 30 dage",
    ListStatus.OPEN: "Åbne frister",
    ListStatus.DONE: "Opfyldte frister",
}
RESULT_TITLES: dict[MemberResult, str] = {
    MemberResult.MET: "opfyldt",
    MemberResult.NOT_MET: "ikke opfyldt",
}

# ListFilter attribute -> query key, in the order links spell them.
LIST_KEYS: dict[str, str] = {
    "kpi": KPI,
    "result": RESULT,
    "center": CENTER,
    "team": TEAM,
    "caseworker": CASEWORKER,
    "kind": KIND,
    "status": STATUS,
    "due_from": DUE_FROM,
    "due_to": DUE_TO,
    "done_from": DONE_FROM,
}

E = TypeVar("E", bound=StrEnum)
NotUnderstood = tuple[tuple[str, str], ...]  # (key, value) pairs of a link left out


# ------------------------------------------------------------------ building
def _query(params: Mapping[str, Any]) -> str:
    clean = {
        k: v.isoformat() if isinstance(v, dt.date) else str(v)
        for k, v in params.items()
        if v is not None and v != ""
    }
    return "?" + urlencode(clean) if clean else ""


def list_query(flt: ListFilter) -> dict[str, str]:
    """The case list's query parameters of a filter, in link order (empty ones left out).

    The whole administration (`ALL`) is no center filter.
    """
    out: dict[str, str] = {}
    for attr, key in LIST_KEYS.items():
        value = getattr(flt, attr)
        if value is None or value == "" or (attr == "center" and value == ALL_CENTERS):
            continue
        out[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return out


def list_search(flt: ListFilter) -> str:
    """The case list's query string of a filter: '?center=HCK&status=overskredet' or ''."""
    return _query(list_query(flt))


def list_href(flt: ListFilter | None = None, **changes: Any) -> str:
    """A link into the case list: a filter, with changes to it by attribute name.

    `list_href(kpi="K3", center="HCK", result=MemberResult.NOT_MET)` ->
    `/sager?kpi=K3&resultat=ikke-opfyldt&center=HCK`.
    """
    flt = replace(flt or ListFilter(), **changes)
    return CASES + list_search(flt)


SORT = "sortering"  # the grid's sort model, JSON (export links)
COLUMN_FILTER = "kolonnefilter"  # the grid's column filter model, JSON (export links)


def export_href(
    path: str,
    flt: ListFilter,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
) -> str:
    """The case list as a file (`EXPORT_CSV` / `EXPORT_XLSX`): the list's filter, and
    the grid's sort and column filters as JSON."""
    params: dict[str, Any] = dict(list_query(flt))
    if sort_model:
        params[SORT] = json.dumps(list(sort_model), separators=(",", ":"))
    if filter_model:
        params[COLUMN_FILTER] = json.dumps(dict(filter_model), separators=(",", ":"))
    return path + _query(params)


PERIOD = "periode"  # Udvikling's period: 12, 24 or alle


@dataclass(frozen=True)
class TrendLink:
    """Udvikling's selection read back from its link (None: not given)."""

    kpis: tuple[str, ...] | None
    centers: tuple[str, ...] | None
    period: str | None
    not_understood: NotUnderstood = ()


def trend_search(kpis: Sequence[str], centers: Sequence[str], period: str | None) -> str:
    """Udvikling's selection as its query string: '?kpi=K1,K3&center=HCK,ALL&periode=12'."""
    return _query({KPI: ",".join(kpis) or None, CENTER: ",".join(centers) or None, PERIOD: period})


def parse_trend(
    params: Mapping[str, Any],
    kpis: Collection[str],
    centers: Collection[str],
    periods: Collection[str],
) -> TrendLink:
    """Udvikling's KPIs, centers and period from its link; values it does not know
    (another center, an unknown KPI) are left out and reported."""
    got: dict[str, tuple[str, ...] | str | None] = {"kpi": None, "center": None, "period": None}
    bad: list[tuple[str, str]] = []
    for key, raw in _values(params):
        if key in (KPI, CENTER):
            known = kpis if key == KPI else centers
            parts = [p.strip() for p in raw.split(",") if p.strip()]
            good = tuple(dict.fromkeys(p for p in parts if p in known))
            bad += [(key, p) for p in parts if p not in known]
            got["kpi" if key == KPI else "center"] = good or None
        elif key == PERIOD and raw in periods:
            got["period"] = raw
        else:
            bad.append((key, raw))
    return TrendLink(got["kpi"], got["center"], got["period"], tuple(bad))  # type: ignore[arg-type]


def case_href(case_id: str) -> str:
    """One case's page: '/sag/S0001234' (the id quoted as a path segment)."""
    return f"{CASE}/{quote(str(case_id), safe='')}"


def work_list_href(caseworker_id: str) -> str:
    """A caseworker's work list: their overdue cases and those due within 14 days."""
    return list_href(caseworker=caseworker_id, status=ListStatus.WORK)


def page_href(path: str, center: str | None = None, show_all: bool = False) -> str:
    """A page narrowed to a center (Overblik, Fristkalender, Klager): '/?center=HCK';
    show_all: every row of its long tables ('/?center=HCK&vis=alle')."""
    return path + _query(
        {CENTER: None if center == ALL_CENTERS else center, SHOW_ALL: "alle" if show_all else None}
    )


def data_quality_href(
    rule: str | None = None,
    run_id: int | None = None,
    finding: str | None = None,
    code: str | None = None,
) -> str:
    """Datakvalitet opened on a run and a rule: '/datakvalitet?regel=cpr-format&koersel=3',
    or on a finding's records: '/datakvalitet?fund=ukendt+ydelseskode&kode=SEL999'."""
    return DATA_QUALITY + _query({RULE: rule, RUN: run_id, FINDING: finding, FINDING_CODE: code})


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class ListLink:
    """A case-list link read back: the filter, and what was left out of it."""

    filter: ListFilter
    not_understood: NotUnderstood = ()


@dataclass(frozen=True)
class PageLink:
    """A page link narrowed to a center (or not), and what was left out of it."""

    center: str | None
    not_understood: NotUnderstood = ()


@dataclass(frozen=True)
class ComplaintsLink:
    """Klager narrowed to a center, and the complaints behind a number (paragraph,
    type, upheld), and what was left out of the link."""

    center: str | None = None
    paragraph: str | None = None
    complaint_type: str | None = None
    upheld: bool | None = None
    not_understood: NotUnderstood = ()

    @property
    def drilled(self) -> bool:
        """Whether the link asks for the complaints behind a number."""
        return bool(self.paragraph or self.complaint_type or self.upheld is not None)


@dataclass(frozen=True)
class DataQualityLink:
    """Datakvalitet's link: the run and the rule to show, and what was left out."""

    rule: str | None
    run_id: int | None
    not_understood: NotUnderstood = ()
    finding: str | None = None
    finding_code: str | None = None


def _values(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, value) of a query string as Dash passes it; a repeated key once (its first)."""
    out: list[tuple[str, str]] = []
    for key, raw in params.items():
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None or str(raw).strip() == "":
            continue
        out.append((str(key), str(raw).strip()))
    return out


def _member(enum: type[E], raw: str) -> E | None:
    try:
        return enum(raw)
    except ValueError:
        return None


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse_list(params: Mapping[str, Any], centers: Collection[str] | None = None) -> ListLink:
    """The case list's filter from its query parameters.

    Values are checked against the vocabulary: statuses, results, kinds, KPIs of
    the rules, ISO dates, and the centers when `centers` is given. Anything else
    (`status=overdue`, `center=hck`, an unknown key) is left out and reported.
    """
    attrs = {key: attr for attr, key in LIST_KEYS.items()}
    kpis = labels.rules().kpis
    values: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for key, raw in _values(params):
        attr = attrs.get(key)
        value: Any = raw
        if attr is None:
            value = None
        elif attr == "status":
            parts = raw.split(STATUS_SEPARATOR)
            known = [_member(ListStatus, p.strip()) for p in parts]
            value = join_statuses(known) if known and None not in known else None
        elif attr == "result":
            value = _member(MemberResult, raw)
        elif attr == "kind":
            value = _member(Kind, raw)
        elif attr == "kpi":
            value = raw if raw in kpis else None
        elif attr == "center":
            value = raw if centers is None or raw in centers else None
        elif attr in ("due_from", "due_to", "done_from"):
            value = _date(raw)
        if value is None:
            bad.append((key, raw))
        else:
            values[attr] = value
    return ListLink(ListFilter(**values), tuple(bad))


def parse_page(params: Mapping[str, Any], centers: Collection[str]) -> PageLink:
    """A page's center from `center=` (one of `centers`, else none and reported)."""
    center: str | None = None
    bad: list[tuple[str, str]] = []
    for key, raw in _values(params):
        if key == CENTER and raw in centers:
            center = raw
        else:
            bad.append((key, raw))
    return PageLink(center, tuple(bad))


COMPLAINT_TYPES = ("realitet", "formalitet")
YES_NO = {"ja": True, "nej": False}


def complaints_href(
    center: str | None = None,
    paragraph: str | None = None,
    complaint_type: str | None = None,
    upheld: bool | None = None,
) -> str:
    """Klager opened on the complaints behind a number:
    '/klager?center=HCK&paragraf=SEL52.3.7&medhold=ja#klager-liste'."""
    query = _query(
        {
            CENTER: None if center == ALL_CENTERS else center,
            COMPLAINT_PARAGRAPH: paragraph,
            COMPLAINT_TYPE: complaint_type,
            COMPLAINT_UPHELD: None if upheld is None else ("ja" if upheld else "nej"),
        }
    )
    drilled = paragraph or complaint_type or upheld is not None
    return COMPLAINTS + query + (f"#{COMPLAINT_LIST}" if drilled else "")


def parse_complaints(params: Mapping[str, Any], centers: Collection[str]) -> ComplaintsLink:
    """Klager's center and drill-down from its link; anything else is reported."""
    got: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for key, raw in _values(params):
        if key == CENTER and raw in centers:
            got["center"] = raw
        elif key == COMPLAINT_PARAGRAPH and len(raw) <= 32:
            got["paragraph"] = raw
        elif key == COMPLAINT_TYPE and raw in COMPLAINT_TYPES:
            got["complaint_type"] = raw
        elif key == COMPLAINT_UPHELD and raw in YES_NO:
            got["upheld"] = YES_NO[raw]
        else:
            bad.append((key, raw))
    return ComplaintsLink(**got, not_understood=tuple(bad))


def parse_data_quality(params: Mapping[str, Any]) -> DataQualityLink:
    """Datakvalitet's rule (`regel=`, any code) and run (`koersel=`, a number)."""
    rule: str | None = None
    run_id: int | None = None
    finding: str | None = None
    code: str | None = None
    bad: list[tuple[str, str]] = []
    for key, raw in _values(params):
        if key == RULE:
            rule = raw
        elif key == RUN and raw.isdigit():
            run_id = int(raw)
        elif key == FINDING:
            finding = raw
        elif key == FINDING_CODE:
            code = raw
        else:
            bad.append((key, raw))
    return DataQualityLink(rule, run_id, tuple(bad), finding, code)


def not_understood_text(pairs: NotUnderstood) -> str:
    """'Ikke forstået i linket: status=overdue, center=hck' ('' when all was understood)."""
    if not pairs:
        return ""
    return "Ikke forstået i linket: " + ", ".join(f"{k}={v}" for k, v in pairs)


# ------------------------------------------------------------------ titles
def _period(due_from: dt.date | None, due_to: dt.date | None) -> str | None:
    if due_from and due_to:
        return f"frist {fmt.date(due_from)}–{fmt.date(due_to)}"
    if due_from:
        return f"frist fra {fmt.date(due_from)}"
    if due_to:
        return f"frist til {fmt.date(due_to)}"
    return None


def filter_title(flt: ListFilter, worker_name: str | None = None) -> str:
    """The human Danish title of a case-list filter: 'Overskredne frister – HCK'.

    What is shown (KPI and result, status, kind) comes first, then whose
    (center, team, caseworker), then the period; '' for no filter.
    """
    parts: list[str | None] = []
    if flt.kpi:
        kpi = f"{flt.kpi} {labels.kpi_label(flt.kpi)}"
        result = RESULT_TITLES.get(flt.result) if flt.result else None
        parts.append(f"{kpi}: {result}" if result else kpi)
    if flt.status:
        parts.append(
            " eller ".join(
                LIST_STATUS_TITLES.get(s, str(s)).lower()
                if i
                else LIST_STATUS_TITLES.get(s, str(s))
                for i, s in enumerate(split_statuses(flt.status))
            )
        )
    if flt.kind:
        parts.append(labels.kind_label(flt.kind))
    parts.append(flt.center)
    if flt.team:
        parts.append(labels.team_label(flt.team))
    if flt.caseworker:
        parts.append(labels.caseworker_label(flt.caseworker, worker_name))
    parts.append(_period(flt.due_from, flt.due_to))
    if flt.done_from:
        parts.append(f"udført fra {fmt.date(flt.done_from)}")
    return " – ".join(p for p in parts if p)
