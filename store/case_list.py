"""The case list (Sager): which obligations, or a KPI's members, the viewer sees.

One row per obligation (or, with a KPI chosen, one row per KPI member: a case
counted by the KPI, with the obligation that decided it). The list is filtered
by `ListFilter` (the controls and links of the page) and by AG Grid's own
column filters and sorts (translated by `store.grid_filter` through the
allow-list of `LIST_COLUMNS`), paged and counted in SQL: only one page of rows,
or the whole list for an export, leaves the database. Also the values of the
filter controls, read from the small employee register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, and_, case, false, func, or_, select

from store.frames import select_frame
from store.grid_filter import (
    BadFilter,
    ColumnType,
    GridColumn,
    describe_filter_model,
    grid_filter_clauses,
    grid_order_by,
)
from store.models import Case, Employee, KpiMember, Obligation
from store.runs import current_as_of
from store.scope import Scope, employees_where
from vocab import KIND_LABELS, STATUS_LABELS, UNASSIGNED, Kind, Status


class ListStatus(StrEnum):
    """`ListFilter.status`: a group of statuses, or open and due within a number of days."""

    OVERDUE = "overskredet"
    WORK = "arbejdsliste"  # a caseworker's work list: overdue, or open and due within 14 days
    DUE_7 = "forfalder-7"
    DUE_14 = "forfalder-14"
    DUE_30 = "forfalder-30"
    OPEN = "aaben"
    DONE = "opfyldt"  # met, on time or late


WORK_LIST_DAYS = 14  # the work list: overdue, and open due within this many days
DUE_WITHIN_DAYS: dict[ListStatus, int] = {
    ListStatus.DUE_7: 7,
    ListStatus.DUE_14: 14,
    ListStatus.DUE_30: 30,
}


class MemberResult(StrEnum):
    """`ListFilter.result`: a KPI's members that met it, or did not."""

    MET = "opfyldt"
    NOT_MET = "ikke-opfyldt"


@dataclass(frozen=True)
class ListFilter:
    """The case list's filters (the page reads them from its URL: components.urls).

    `kpi` set = the KPI's members instead of the obligations; `result` then
    narrows them to those that met it or not. `status` is a `ListStatus`.
    """

    center: str | None = None
    team: str | None = None
    caseworker: str | None = None
    kind: str | None = None
    status: str | None = None
    kpi: str | None = None
    result: str | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    done_from: dt.date | None = None  # done on or after (what was done since a day)


# The list's columns as the page titles them (for describing a grid filter).
LIST_TITLES: dict[str, str] = {
    "obligation_id": "Forpligtelse",
    "case_id": "Sag",
    "cpr": "CPR",
    "center": "Center",
    "team": "Team",
    "caseworker_id": "Sagsbehandler-id",
    "caseworker": "Sagsbehandler",
    "kind": "Type",
    "status": "Status",
    "due_on": "Frist",
    "done_on": "Udført",
    "days_overdue": "Dage over",
    "paragraph": "Paragraf",
    "law": "Lov",
    "rule_text": "Hvorfor",
    "anchor_on": "Regnet fra",
    "anchor_label": "Regnet fra (hvad)",
    "kpi": "KPI",
    "met": "Resultat",
}

# The default order: overdue first (most days over), then the rest by status
# and due date. Each status segment is read in index order (ix_obligations_default_order).
STATUS_ORDER: tuple[Status, ...] = (
    Status.OVERDUE,
    Status.MISSED,
    Status.OPEN,
    Status.LATE,
    Status.MET,
)
DEFAULT_SORT: tuple[tuple[str, str], ...] = (("days_overdue", "desc"), ("due_on", "asc"))

# Grid columns whose filter or sort needs a lookup join (the full CPR is in `cases`).
NEEDS_JOINS = frozenset({"cpr"})
# sorting by these needs the lookups too: the caseworker's name, not the staff id
SORT_NEEDS_JOINS = frozenset({"caseworker"})


@dataclass(frozen=True)
class _ListSource:
    """The list's SELECT with its scope and filters applied, and its allow-list."""

    columns: dict[str, GridColumn]  # field -> the SQL expression shown
    base: Select
    key: Any  # one row's id (obligation or member), the tie-breaker of every order
    keys: dict[str, GridColumn]  # field -> the SQL expression filtered on
    kpi_mode: bool = False
    # field -> the SQL expression sorted on (default: `keys`): the words the list shows
    sort_keys: dict[str, GridColumn] | None = None


STATUS_SEPARATOR = ","  # several list statuses: "overskredet,forfalder-14"


def split_statuses(status: str | None) -> list[ListStatus]:
    """The list statuses of `ListFilter.status` (one, or several joined by commas);
    BadFilter for an unknown one."""
    out: list[ListStatus] = []
    for part in (status or "").split(STATUS_SEPARATOR):
        if not part.strip():
            continue
        try:
            out.append(ListStatus(part.strip()))
        except ValueError:
            raise BadFilter(f"unknown status {part!r}") from None
    return out


def join_statuses(statuses: Iterable[str]) -> str | None:
    """Several list statuses as one `ListFilter.status`, in the vocabulary's order
    (so one choice has one spelling); None for none."""
    chosen = {ListStatus(s) for s in statuses}
    ordered = [s.value for s in ListStatus if s in chosen]
    return STATUS_SEPARATOR.join(ordered) or None


def _status_clause(status: str, as_of: dt.date | None) -> ColumnElement:
    """The obligations of one or more list statuses (any of them); "due within N days"
    counts from the load's date."""
    wanted = split_statuses(status)
    if not wanted:
        raise BadFilter("no status")
    return or_(*(_one_status_clause(w, as_of) for w in wanted))


def _one_status_clause(wanted: ListStatus, as_of: dt.date | None) -> ColumnElement:
    o = Obligation
    if wanted == ListStatus.OVERDUE:
        return o.status == Status.OVERDUE
    ref = as_of or dt.date.today()
    if wanted == ListStatus.WORK:
        soon = and_(o.status == Status.OPEN, o.due_on <= ref + dt.timedelta(days=WORK_LIST_DAYS))
        return or_(o.status == Status.OVERDUE, soon)
    if wanted == ListStatus.OPEN:
        return o.status == Status.OPEN
    if wanted == ListStatus.DONE:
        return o.status.in_((Status.MET, Status.LATE))
    days = DUE_WITHIN_DAYS[wanted]
    return and_(o.status == Status.OPEN, o.due_on >= ref, o.due_on <= ref + dt.timedelta(days=days))


def _danish(code: Any, words: Mapping[str, str]) -> ColumnElement:
    """A code column as its Danish word (an unknown code as it is)."""
    return case({str(k): v for k, v in words.items()}, value=code, else_=code)


def _list_source(
    scope: Scope, flt: ListFilter, as_of: dt.date | None, joins: bool = True
) -> _ListSource:
    """The list's SELECT with its allow-listed columns and WHERE clauses applied.

    joins=False leaves out the lookups (caseworker name, full CPR) that never
    change the number of rows: used for counting and paging when no filter or
    sort needs them.
    """
    o = Obligation
    if flt.kpi:
        m = KpiMember
        center, team, worker, case_id = m.center, m.team, m.caseworker_id, m.case_id
        key = m.member_id
    else:
        center, team, worker, case_id = o.center, o.team, o.caseworker_id, o.case_id
        key = o.obligation_id
    cpr = Case.cpr if (scope.can_see_cpr and joins) else o.cpr_masked
    text, number, date = ColumnType.TEXT, ColumnType.NUMBER, ColumnType.DATE
    columns: dict[str, GridColumn] = {
        "obligation_id": GridColumn(o.obligation_id, text),
        "case_id": GridColumn(case_id, text),
        "cpr": GridColumn(cpr, text),
        "center": GridColumn(center, text),
        "team": GridColumn(team, text),
        "caseworker_id": GridColumn(worker, text),
        "caseworker": GridColumn(func.coalesce(Employee.name, worker) if joins else worker, text),
        "kind": GridColumn(o.kind, text),
        "status": GridColumn(o.status, text),
        "due_on": GridColumn(o.due_on, date),
        "done_on": GridColumn(o.done_on, date),
        "days_overdue": GridColumn(o.days_overdue, number),
        "paragraph": GridColumn(o.paragraph, text),
        "law": GridColumn(o.law, text),
        "rule_text": GridColumn(o.rule_text, text),
        "anchor_on": GridColumn(o.anchor_on, date),
        "anchor_label": GridColumn(o.anchor_label, text),
    }
    if flt.kpi:
        columns["kpi"] = GridColumn(KpiMember.kpi, text)
        columns["met"] = GridColumn(KpiMember.met, ColumnType.BOOL)
    shown = [column.expr.label(name) for name, column in columns.items()]
    if flt.kpi:
        base = select(*shown).select_from(
            KpiMember.__table__.outerjoin(o, o.obligation_id == KpiMember.obligation_id)
        )
        # the members of the current load, as the KPI card counts them
        current = KpiMember.as_of == as_of if as_of is not None else false()
        base = base.where(KpiMember.kpi == flt.kpi, current)
        if flt.result == MemberResult.MET:
            base = base.where(KpiMember.met.is_(True))
        elif flt.result == MemberResult.NOT_MET:
            base = base.where(KpiMember.met.is_(False))
    else:
        base = select(*shown).select_from(o.__table__)
    if joins:
        base = base.outerjoin(Employee, Employee.employee_id == worker)
    if joins and scope.can_see_cpr:
        base = base.outerjoin(Case, Case.case_id == case_id)
    base = base.where(*scope.where(center, worker, team))
    if flt.center:
        base = base.where(center == flt.center)
    if flt.team:
        base = base.where(team == flt.team)
    if flt.caseworker:
        base = base.where(worker == flt.caseworker)
    if flt.kind:
        base = base.where(o.kind == flt.kind)
    if flt.due_from:
        base = base.where(o.due_on >= flt.due_from)
    if flt.due_to:
        base = base.where(o.due_on <= flt.due_to)
    if flt.done_from:
        base = base.where(o.done_on >= flt.done_from)
    if flt.status:
        base = base.where(_status_clause(flt.status, as_of))
    # sort and filter the caseworker by id (indexed; names are matched through a
    # subquery on the employee register), so no page needs the join to sort
    keys = {**columns, "caseworker": GridColumn(worker, ColumnType.CASEWORKER)}
    # sorted by the words the list shows: the caseworker's name (with the lookups),
    # the kind's and status's Danish names (A-Z as the reader sees it, not the codes)
    sort_keys = {
        **keys,
        "kind": GridColumn(_danish(o.kind, KIND_LABELS), text),
        "status": GridColumn(_danish(o.status, STATUS_LABELS), text),
    }
    if joins:
        sort_keys["caseworker"] = columns["caseworker"]
    return _ListSource(
        columns=columns,
        base=base,
        key=key,
        keys=keys,
        kpi_mode=bool(flt.kpi),
        sort_keys=sort_keys,
    )


# The grid columns a sort or filter may name (a KPI's list adds kpi and met).
LIST_COLUMNS: tuple[str, ...] = tuple(
    _list_source(Scope.everything(), ListFilter(kpi="K1"), None).columns
)


def _list_query(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    filter_model: Mapping[str, Any] | None,
    joins: bool = True,
) -> _ListSource:
    """The list source of the current load with the grid's filters applied."""
    if filter_model and NEEDS_JOINS & set(filter_model):
        joins = True
    src = _list_source(scope, flt, current_as_of(engine), joins)
    extra = grid_filter_clauses(src.keys, filter_model)
    return _ListSource(
        columns=src.columns,
        base=src.base.where(*extra),
        key=src.key,
        keys=src.keys,
        kpi_mode=src.kpi_mode,
        sort_keys=src.sort_keys,
    )


def _default_terms(src: _ListSource) -> list[Any]:
    status = src.keys["status"].expr
    rank = case(*[(status == st, i) for i, st in enumerate(STATUS_ORDER)], else_=len(STATUS_ORDER))
    return [rank, *grid_order_by(src.keys, [{"colId": c, "sort": d} for c, d in DEFAULT_SORT])]


def _ordered(src: _ListSource, sort_model: Sequence[Mapping[str, Any]] | None) -> Select:
    """The grid's sort, else the default (`STATUS_ORDER`, then `DEFAULT_SORT`); ties by id."""
    terms = (
        grid_order_by(src.sort_keys or src.keys, sort_model) if sort_model else _default_terms(src)
    )
    return src.base.order_by(*terms, src.key.asc())


def _default_page_keys(engine: Engine, lean: _ListSource, start: int, size: int) -> list[Any]:
    """Keys of one page in the default order, one status at a time.

    Each status segment is read in index order (status, days_overdue desc,
    due_on), so the first pages of a million rows need no full sort.
    """
    o = Obligation
    counts_stmt = lean.base.with_only_columns(
        o.status, func.count(), maintain_column_froms=True
    ).group_by(o.status)
    keys: list[Any] = []
    with engine.connect() as conn:
        counts = {r[0]: int(r[1]) for r in conn.execute(counts_stmt)}
        order = [*STATUS_ORDER, *sorted(k for k in counts if k not in STATUS_ORDER)]
        offset = start
        for status in order:
            n = counts.get(status, 0)
            if offset >= n:
                offset -= n
                continue
            stmt = (
                lean.base.with_only_columns(lean.key, maintain_column_froms=True)
                .where(o.status == status)
                .order_by(o.days_overdue.desc(), o.due_on.asc(), lean.key.asc())
                .offset(offset)
                .limit(size - len(keys))
            )
            keys.extend(conn.execute(stmt).scalars())
            offset = 0
            if len(keys) >= size:
                break
    return keys


# ------------------------------------------------------------------ public
def list_count(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    filter_model: Mapping[str, Any] | None = None,
) -> int:
    """How many rows the list holds under these filters."""
    src = _list_query(engine, scope, flt, filter_model, joins=False)
    stmt = src.base.with_only_columns(func.count(), maintain_column_froms=True)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


def list_rows(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    start: int = 0,
    end: int = 100,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One page of the list (rows start..end-1, at most 1000), sorted and filtered in SQL.

    Columns: `LIST_COLUMNS` (kpi and met only with a KPI chosen).
    """
    start = max(0, int(start))
    end = max(start, min(int(end), start + 1000))
    sorted_by = {str(c.get("colId")) for c in sort_model or [] if isinstance(c, Mapping)}
    used = sorted_by | set(filter_model or {})
    if not used & NEEDS_JOINS and not sorted_by & SORT_NEEDS_JOINS:
        # deferred join: page through the bare table, then look up names for one page
        lean = _list_query(engine, scope, flt, filter_model, joins=False)
        if not sort_model and not lean.kpi_mode:
            keys = _default_page_keys(engine, lean, start, end - start)
        else:
            page = _ordered(lean, sort_model).with_only_columns(lean.key).offset(start)
            with engine.connect() as conn:
                keys = list(conn.execute(page.limit(end - start)).scalars())
        if not keys:
            return pd.DataFrame(columns=list(lean.columns))
        src = _list_query(engine, scope, flt, filter_model)
        stmt = _ordered(src, sort_model).where(src.key.in_(keys))
        return select_frame(engine, stmt, list(src.columns))
    src = _list_query(engine, scope, flt, filter_model)
    stmt = _ordered(src, sort_model).offset(start).limit(end - start)
    return select_frame(engine, stmt, list(src.columns))


def list_export(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The whole filtered list in the grid's order, for a server-side export."""
    src = _list_query(engine, scope, flt, filter_model)
    return select_frame(engine, _ordered(src, sort_model), list(src.columns))


def list_export_batches(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
    batch_rows: int = 5000,
) -> Iterator[pd.DataFrame]:
    """The whole filtered list in the grid's order, `batch_rows` rows at a time, read
    through a server-side cursor: a streamed export holds one batch in memory, however
    long the list. Columns: `LIST_COLUMNS` (kpi and met only with a KPI chosen)."""
    src = _list_query(engine, scope, flt, filter_model)
    names = list(src.columns)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(
            _ordered(src, sort_model)
        )
        for part in result.partitions():
            yield pd.DataFrame([tuple(r) for r in part], columns=names)


def check_models(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    sort_model: Sequence[Mapping[str, Any]] | None,
    filter_model: Mapping[str, Any] | None,
) -> None:
    """Raise `DisallowedColumn` / `BadFilter` for a sort or filter model the list cannot
    use (before a streamed export sends its first byte)."""
    _ordered(_list_query(engine, scope, flt, filter_model), sort_model)


def empty_list_frame(kpi_mode: bool) -> pd.DataFrame:
    """A list with no rows, with the list's columns."""
    flt = ListFilter(kpi="K1") if kpi_mode else ListFilter()
    return pd.DataFrame(columns=list(_list_source(Scope.everything(), flt, None).columns))


def case_cpr(engine: Engine, scope: Scope, case_id: str) -> str | None:
    """The full CPR number of a case the scope may see (None: no such case in scope)."""
    stmt = select(Case.cpr).where(
        Case.case_id == case_id, *scope.where(Case.center, Case.caseworker_id, Case.team)
    )
    with engine.connect() as conn:
        return conn.execute(stmt.limit(1)).scalar_one_or_none()


def describe_list_filter(filter_model: Mapping[str, Any] | None) -> list[str]:
    """The grid's column filters on the list in Danish: ["Sagsbehandler indeholder 'jens'"]."""
    return describe_filter_model(filter_model, LIST_TITLES)


def centers(engine: Engine, scope: Scope) -> list[str]:
    """The centers in the employee register (small table) that the scope may see."""
    stmt = select(Employee.center).where(*employees_where(scope)).distinct()
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt))


def filter_options(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Values for the list's filter controls, from the (small) employee register.

    Returns centers, teams (center, team), caseworkers (center, team,
    caseworker_id, name; `UNASSIGNED` once per center) and the obligation kinds.
    Nothing here scans the obligations, so it stays fast at national scale.
    """
    e = Employee
    emp = select_frame(
        engine,
        select(e.center, e.team, e.employee_id, e.name).where(*employees_where(scope)),
        ["center", "team", "caseworker_id", "name"],
    )
    emp["team"] = emp["team"].fillna("")
    center_names = sorted(emp["center"].dropna().unique().tolist())
    if scope.caseworker_id is None:
        unassigned = pd.DataFrame(
            {"center": center_names, "team": "", "caseworker_id": UNASSIGNED, "name": None}
        )
        emp = pd.concat([emp, unassigned], ignore_index=True)
    teams = emp.loc[emp["team"] != "", ["center", "team"]].drop_duplicates()
    return {
        "centers": center_names,
        "teams": teams.sort_values(["center", "team"]).reset_index(drop=True),
        "caseworkers": emp.sort_values(["name", "caseworker_id"], na_position="last")
        .drop_duplicates(["center", "caseworker_id"])
        .reset_index(drop=True),
        "kinds": [str(k) for k in Kind],
    }


def employee_name(engine: Engine, employee_id: str) -> str | None:
    """The name of an employee in the register, or None (e.g. `UNASSIGNED`)."""
    with engine.connect() as conn:
        return conn.execute(
            select(Employee.name).where(Employee.employee_id == employee_id)
        ).scalar()


CASEWORKER_LOAD_COLUMNS = ("caseworker_id", "name", "team", "overdue", "due_14", "open_cases")


def caseworker_load(engine: Engine, scope: Scope, center: str | None = None) -> pd.DataFrame:
    """One row per caseworker (and one for "ufordelt"): overdue obligations, open ones due
    within `WORK_LIST_DAYS` of the load's date, and cases with an open or overdue
    obligation; most overdue first. Columns: `CASEWORKER_LOAD_COLUMNS`."""
    o = Obligation
    as_of = current_as_of(engine) or dt.date.today()
    soon = and_(o.status == Status.OPEN, o.due_on <= as_of + dt.timedelta(days=WORK_LIST_DAYS))
    active = o.status.in_((Status.OPEN, Status.OVERDUE))
    stmt = (
        select(
            o.caseworker_id,
            func.max(Employee.name),
            func.max(o.team),
            func.sum(case((o.status == Status.OVERDUE, 1), else_=0)),
            func.sum(case((soon, 1), else_=0)),
            func.count(func.distinct(case((active, o.case_id), else_=None))),
        )
        .select_from(o.__table__.outerjoin(Employee, Employee.employee_id == o.caseworker_id))
        .where(active, *scope.where(o.center, o.caseworker_id, o.team))
        .group_by(o.caseworker_id)
    )
    if center:
        stmt = stmt.where(o.center == center)
    df = select_frame(engine, stmt, CASEWORKER_LOAD_COLUMNS)
    for col in ("overdue", "due_14", "open_cases"):
        df[col] = df[col].fillna(0).astype(int)
    return df.sort_values(["overdue", "due_14", "caseworker_id"], ascending=[False, False, True])
