"""The dashboard's one query layer: every page and callback reads through here.

Every public function takes the viewer's `Scope` first after the engine: it is
the one place where row-level access is enforced (centers, caseworker, CPR).
Queries are SQLAlchemy `select()`s with bound parameters and run unchanged on
SQLite and PostgreSQL. Lists are paged, sorted and filtered in SQL; only
aggregates or one page of rows ever leave the database.

AG Grid's sortModel/filterModel are translated through an allow-list of
columns (`LIST_COLUMNS`); any other column name raises `DisallowedColumn`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)

from store.models import (
    Case,
    Complaint,
    Employee,
    EtlRun,
    KpiMember,
    KpiResult,
    Obligation,
    Problem,
    Review,
)

UPHELD_OUTCOMES = ("medhold", "delvist")
UNASSIGNED = "ufordelt"


class DisallowedColumn(ValueError):
    """A sort or filter named a column that is not on the allow-list."""


class BadFilter(ValueError):
    """A filter model the query layer does not understand."""


# ----------------------------------------------------------------------- scope
@dataclass(frozen=True)
class Scope:
    """What the viewer may see. `centers` None = all centers."""

    centers: frozenset[str] | None = None
    caseworker_id: str | None = None
    can_see_cpr: bool = False

    @classmethod
    def everything(cls) -> Scope:
        """All rows (no login yet); CPR stays masked."""
        return cls(centers=None, caseworker_id=None, can_see_cpr=False)

    def where(self, center_col: Any, caseworker_col: Any | None = None) -> list[ColumnElement]:
        """The WHERE clauses this scope adds for a table with these columns."""
        clauses: list[ColumnElement] = []
        if self.centers is not None:
            clauses.append(center_col.in_(sorted(self.centers)) if self.centers else false())
        if self.caseworker_id is not None:
            if caseworker_col is None:
                clauses.append(false())
            else:
                clauses.append(caseworker_col == self.caseworker_id)
        return clauses


def _df(engine: Engine, stmt: Select, columns: Sequence[str] | None = None) -> pd.DataFrame:
    with engine.connect() as conn:
        res = conn.execute(stmt)
        rows = res.fetchall()
        cols = list(columns) if columns is not None else list(res.keys())
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)


# ---------------------------------------------------------------- reference date
def latest_as_of(engine: Engine, scope: Scope) -> dt.date | None:
    """The extract date of the stored monitoring results (obligations, else KPI results)."""
    with engine.connect() as conn:
        # every obligation row carries the latest load's as_of: one row tells
        value = conn.execute(select(Obligation.as_of).limit(1)).scalar()
        if value is None:
            value = conn.execute(
                select(func.max(KpiResult.as_of)).where(KpiResult.kind == "snapshot")
            ).scalar()
    return _as_date(value)


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ------------------------------------------------------------------ KPI results
def _result_scope(scope: Scope, level: str) -> list[ColumnElement]:
    """KPI results a scope may see; a caseworker sees only their own (caseworker level)."""
    if scope.caseworker_id is not None:
        clauses = [KpiResult.level == "caseworker", KpiResult.caseworker_id == scope.caseworker_id]
    else:
        clauses = [KpiResult.level == level]
    if scope.centers is not None:
        clauses.append(KpiResult.center.in_(sorted(scope.centers)) if scope.centers else false())
    return clauses


def _latest_snapshot_date(engine: Engine, before: dt.date | None = None) -> dt.date | None:
    stmt = select(func.max(KpiResult.as_of)).where(KpiResult.kind == "snapshot")
    if before is not None:
        stmt = stmt.where(KpiResult.as_of <= before)
    with engine.connect() as conn:
        return _as_date(conn.execute(stmt).scalar())


def _month_end_before(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def kpi_overview(engine: Engine, scope: Scope, level: str = "center") -> pd.DataFrame:
    """The latest KPI snapshot per KPI (per center for level center, "ALL" for level all).

    Columns: kpi, center, numerator, denominator, value, target, as_of,
    prev_value, prev_as_of (the value at the end of the previous month: the
    newest recomputed or snapshot result on or before that month-end).
    """
    cols = ["kpi", "center", "numerator", "denominator", "value", "target", "as_of"]
    out_cols = [*cols, "prev_value", "prev_as_of"]
    latest = _latest_snapshot_date(engine)
    if latest is None:
        return pd.DataFrame(columns=out_cols)
    where = _result_scope(scope, level)
    cur = _df(
        engine,
        select(
            KpiResult.kpi,
            KpiResult.center,
            func.sum(KpiResult.numerator),
            func.sum(KpiResult.denominator),
            func.max(KpiResult.value),
            func.max(KpiResult.target),
            func.max(KpiResult.as_of),
        )
        .where(KpiResult.kind == "snapshot", KpiResult.as_of == latest, *where)
        .group_by(KpiResult.kpi, KpiResult.center),
        cols,
    )
    if cur.empty:
        return pd.DataFrame(columns=out_cols)
    month_end = _month_end_before(latest)
    hist = _df(
        engine,
        select(KpiResult.kpi, KpiResult.center, KpiResult.as_of, KpiResult.kind, KpiResult.value)
        .where(
            KpiResult.kind.in_(("snapshot", "recomputed")),
            KpiResult.as_of <= month_end,
            KpiResult.as_of > month_end - dt.timedelta(days=62),
            *where,
        )
        .order_by(KpiResult.as_of),
        ["kpi", "center", "prev_as_of", "kind", "prev_value"],
    )
    if not hist.empty:
        # newest date wins; on the same date prefer the recomputed figure
        hist["rank"] = (hist["kind"] == "recomputed").astype(int)
        hist = hist.sort_values(["prev_as_of", "rank"]).groupby(["kpi", "center"]).tail(1)
        cur = cur.merge(hist[["kpi", "center", "prev_value", "prev_as_of"]], how="left")
    else:
        cur["prev_value"] = None
        cur["prev_as_of"] = None
    return cur.sort_values(["kpi", "center"]).reset_index(drop=True)[out_cols]


def team_table(engine: Engine, scope: Scope, center: str | None = None) -> pd.DataFrame:
    """The latest snapshot per team and KPI, worst first (lowest value; empty KPIs last)."""
    cols = ["kpi", "center", "team", "numerator", "denominator", "value", "target"]
    latest = _latest_snapshot_date(engine)
    if latest is None:
        return pd.DataFrame(columns=cols)
    stmt = select(
        KpiResult.kpi,
        KpiResult.center,
        KpiResult.team,
        KpiResult.numerator,
        KpiResult.denominator,
        KpiResult.value,
        KpiResult.target,
    ).where(KpiResult.kind == "snapshot", KpiResult.as_of == latest, *_result_scope(scope, "team"))
    if center:
        stmt = stmt.where(KpiResult.center == center)
    df = _df(engine, stmt, cols)
    df["gap"] = df["value"].astype("Float64") - df["target"].astype("Float64")
    df = df.sort_values(["gap", "kpi", "team"], na_position="last").drop(columns="gap")
    return df.reset_index(drop=True)


def kpi_trend(
    engine: Engine,
    scope: Scope,
    kpis: Sequence[str] | None = None,
    centers: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """KPI history per KPI per center: snapshots, recomputed month-ends and forecasts.

    `centers` may include "ALL" (the whole administration, level all).
    Columns: as_of, kind, kpi, center, numerator, denominator, value, target.
    """
    cols = ["as_of", "kind", "kpi", "center", "numerator", "denominator", "value", "target"]
    wanted = list(centers) if centers else None
    level_clauses: list[ColumnElement] = []
    if wanted is None or any(c != "ALL" for c in wanted):
        cl = _result_scope(scope, "center")
        named = [c for c in (wanted or []) if c != "ALL"]
        if named:
            cl.append(KpiResult.center.in_(named))
        level_clauses.append(and_(*cl))
    if (wanted is None or "ALL" in wanted) and scope.centers is None and not scope.caseworker_id:
        level_clauses.append(KpiResult.level == "all")
    if not level_clauses:
        return pd.DataFrame(columns=cols)
    stmt = select(
        KpiResult.as_of,
        KpiResult.kind,
        KpiResult.kpi,
        KpiResult.center,
        KpiResult.numerator,
        KpiResult.denominator,
        KpiResult.value,
        KpiResult.target,
    ).where(or_(*level_clauses))
    if kpis:
        stmt = stmt.where(KpiResult.kpi.in_(list(kpis)))
    if start is not None:
        stmt = stmt.where(KpiResult.as_of >= start)
    if end is not None:
        stmt = stmt.where(KpiResult.as_of <= end)
    df = _df(engine, stmt.order_by(KpiResult.kpi, KpiResult.center, KpiResult.as_of), cols)
    df["as_of"] = pd.to_datetime(df["as_of"])
    return df


# ------------------------------------------------------------------ the list
LIST_STATUSES = ("overskredet", "forfalder-7", "forfalder-14", "forfalder-30", "aaben", "opfyldt")
RESULTS = ("opfyldt", "ikke-opfyldt")
# ListFilter attribute -> URL query parameter
URL_KEYS: dict[str, str] = {
    "center": "center",
    "team": "team",
    "caseworker": "sagsbehandler",
    "kind": "type",
    "status": "status",
    "kpi": "kpi",
    "result": "resultat",
    "due_from": "forfald_fra",
    "due_to": "forfald_til",
}


@dataclass(frozen=True)
class ListFilter:
    """The case list's filters, as they appear in the URL (`/sager?...`)."""

    center: str | None = None
    team: str | None = None
    caseworker: str | None = None
    kind: str | None = None
    status: str | None = None
    kpi: str | None = None
    result: str | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ListFilter:
        """From URL query parameters; unknown or malformed values are ignored."""
        keys = URL_KEYS
        values: dict[str, Any] = {}
        for attr, key in keys.items():
            raw = params.get(key)
            if isinstance(raw, list):
                raw = raw[0] if raw else None
            if raw is None or str(raw).strip() == "":
                continue
            raw = str(raw).strip()
            if attr in ("due_from", "due_to"):
                try:
                    values[attr] = dt.date.fromisoformat(raw[:10])
                except ValueError:
                    continue
            elif (
                attr == "status"
                and raw not in LIST_STATUSES
                or attr == "result"
                and raw not in RESULTS
            ):
                continue
            else:
                values[attr] = raw
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        """The URL query parameters of this filter (empty ones left out)."""
        out: dict[str, str] = {}
        for attr, key in URL_KEYS.items():
            v = getattr(self, attr)
            if v is None or v == "":
                continue
            out[key] = v.isoformat() if isinstance(v, dt.date) else str(v)
        return out


@dataclass(frozen=True)
class _ListSource:
    columns: dict[str, tuple[Any, str]]  # field -> (SQL expression shown, filter type)
    base: Select
    key: Any
    keys: dict[str, tuple[Any, str]]  # field -> (SQL expression sorted/filtered on, type)
    kpi_mode: bool = False


def _list_source(
    scope: Scope, flt: ListFilter, as_of: dt.date | None, joins: bool = True
) -> _ListSource:
    """The list's SELECT with its allow-listed columns and WHERE clauses applied.

    joins=False leaves out the lookups (caseworker name, full CPR) that never
    change the number of rows: used for counting when no filter needs them.
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
    columns: dict[str, tuple[Any, str]] = {
        "obligation_id": (o.obligation_id, "text"),
        "case_id": (case_id, "text"),
        "cpr": (cpr, "text"),
        "center": (center, "text"),
        "team": (team, "text"),
        "caseworker_id": (worker, "text"),
        "caseworker": (func.coalesce(Employee.name, worker) if joins else worker, "text"),
        "kind": (o.kind, "text"),
        "status": (o.status, "text"),
        "due_on": (o.due_on, "date"),
        "done_on": (o.done_on, "date"),
        "days_overdue": (o.days_overdue, "number"),
        "paragraph": (o.paragraph, "text"),
        "law": (o.law, "text"),
        "rule_text": (o.rule_text, "text"),
    }
    if flt.kpi:
        columns["kpi"] = (KpiMember.kpi, "text")
        columns["met"] = (KpiMember.met, "bool")
        base = select(*[expr.label(name) for name, (expr, _t) in columns.items()]).select_from(
            KpiMember.__table__.outerjoin(o, o.obligation_id == KpiMember.obligation_id)
        )
        base = base.where(KpiMember.kpi == flt.kpi)
        latest_member = (
            select(func.max(KpiMember.as_of)).where(KpiMember.kpi == flt.kpi).scalar_subquery()
        )
        base = base.where(KpiMember.as_of == latest_member)
        if flt.result == "opfyldt":
            base = base.where(KpiMember.met.is_(True))
        elif flt.result == "ikke-opfyldt":
            base = base.where(KpiMember.met.is_(False))
    else:
        base = select(*[expr.label(name) for name, (expr, _t) in columns.items()]).select_from(
            o.__table__
        )
    if joins:
        base = base.outerjoin(Employee, Employee.employee_id == worker)
    if joins and scope.can_see_cpr:
        base = base.outerjoin(Case, Case.case_id == case_id)
    base = base.where(*scope.where(center, worker))
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
    if flt.status:
        base = base.where(_status_clause(flt.status, as_of))
    # sort and filter the caseworker by id (indexed; names are matched through a
    # subquery on the employee register), so no page needs the join to sort
    keys = {**columns, "caseworker": (worker, "caseworker")}
    return _ListSource(columns=columns, base=base, key=key, keys=keys, kpi_mode=bool(flt.kpi))


def _status_clause(status: str, as_of: dt.date | None) -> ColumnElement:
    o = Obligation
    if status == "overskredet":
        return o.status == "overdue"
    if status == "aaben":
        return o.status == "open"
    if status == "opfyldt":
        return o.status.in_(("met", "late"))
    if status.startswith("forfalder-"):
        days = int(status.split("-", 1)[1])
        ref = as_of or dt.date.today()
        return and_(o.status == "open", o.due_on >= ref, o.due_on <= ref + dt.timedelta(days=days))
    raise BadFilter(f"unknown status {status!r}")


def _parse_grid_date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise BadFilter(f"bad date {value!r}") from exc


def _condition(col: Any, ftype: str, spec: Mapping[str, Any]) -> ColumnElement:
    """One AG Grid filter condition as a SQL clause (values always bound)."""
    if "conditions" in spec:
        parts = [_condition(col, ftype, c) for c in spec["conditions"]]
        return or_(*parts) if str(spec.get("operator", "AND")).upper() == "OR" else and_(*parts)
    op = spec.get("type")
    if op == "blank":
        return col.is_(None) if ftype != "text" else or_(col.is_(None), col == "")
    if op == "notBlank":
        return col.is_not(None) if ftype != "text" else and_(col.is_not(None), col != "")
    if ftype == "text":
        value = str(spec.get("filter", "")).lower()
        low = func.lower(col)
        text_ops = {
            "contains": lambda: low.contains(value, autoescape=True),
            "notContains": lambda: not_(low.contains(value, autoescape=True)),
            "equals": lambda: low == value,
            "notEqual": lambda: low != value,
            "startsWith": lambda: low.startswith(value, autoescape=True),
            "endsWith": lambda: low.endswith(value, autoescape=True),
        }
        if op not in text_ops:
            raise BadFilter(f"unknown text filter {op!r}")
        return text_ops[op]()
    if ftype == "number":
        try:
            a = float(spec.get("filter"))  # type: ignore[arg-type]
            b = float(spec["filterTo"]) if op == "inRange" else None
        except (TypeError, ValueError, KeyError) as exc:
            raise BadFilter(f"bad number filter {spec!r}") from exc
    elif ftype == "date":
        a = _parse_grid_date(spec.get("dateFrom"))
        b = _parse_grid_date(spec.get("dateTo")) if op == "inRange" else None
    else:
        raise BadFilter(f"column type {ftype!r} cannot be filtered")
    ops = {
        "equals": lambda: col == a,
        "notEqual": lambda: col != a,
        "lessThan": lambda: col < a,
        "lessThanOrEqual": lambda: col <= a,
        "greaterThan": lambda: col > a,
        "greaterThanOrEqual": lambda: col >= a,
        "inRange": lambda: and_(col >= a, col <= b),
    }
    if op not in ops:
        raise BadFilter(f"unknown filter {op!r}")
    return ops[op]()


def grid_filter_clauses(
    columns: Mapping[str, tuple[Any, str]], filter_model: Mapping[str, Any] | None
) -> list[ColumnElement]:
    """AG Grid's filterModel as SQL clauses; columns outside the allow-list raise."""
    clauses: list[ColumnElement] = []
    for name, spec in (filter_model or {}).items():
        if name not in columns:
            raise DisallowedColumn(name)
        col, ftype = columns[name]
        if not isinstance(spec, Mapping):
            raise BadFilter(f"bad filter for {name}")
        if ftype == "caseworker":
            # match the name shown ("Ufordelt" for unassigned) via the small employee
            # table, so the big table is filtered by an indexed IN, never by LIKE
            named = select(Employee.employee_id).where(_condition(Employee.name, "text", spec))
            unassigned = select(literal(UNASSIGNED)).where(
                _condition(literal("Ufordelt"), "text", spec)
            )
            clauses.append(col.in_(named.union(unassigned)))
            continue
        ftype = str(spec.get("filterType", ftype))
        clauses.append(_condition(col, ftype, spec))
    return clauses


def grid_order_by(
    columns: Mapping[str, tuple[Any, str]], sort_model: Sequence[Mapping[str, Any]] | None
) -> list[Any]:
    """AG Grid's sortModel as ORDER BY terms; columns outside the allow-list raise."""
    terms: list[Any] = []
    for item in sort_model or []:
        name = item.get("colId")
        if name not in columns:
            raise DisallowedColumn(str(name))
        col, ftype = columns[name]
        if ftype in ("text", "caseworker"):
            # an expression, not the bare column: the planner then filters first and
            # sorts the matches, instead of walking a low-selectivity index in order
            # hoping to meet LIMIT rows (seconds when the filter matches few rows)
            col = col.concat("")
        direction = item.get("sort")
        if direction == "asc":
            terms.append(col.asc())
        elif direction == "desc":
            terms.append(col.desc())
        else:
            raise BadFilter(f"bad sort direction {direction!r}")
    return terms


LIST_COLUMNS: tuple[str, ...] = tuple(
    _list_source(Scope.everything(), ListFilter(kpi="K1"), None).columns
)


NEEDS_JOINS = frozenset({"cpr"})


def _list_query(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    filter_model: Mapping[str, Any] | None,
    joins: bool = True,
) -> _ListSource:
    if filter_model and NEEDS_JOINS & set(filter_model):
        joins = True
    src = _list_source(scope, flt, latest_as_of(engine, scope), joins)
    extra = grid_filter_clauses(src.keys, filter_model)
    return _ListSource(
        columns=src.columns,
        base=src.base.where(*extra),
        key=src.key,
        keys=src.keys,
        kpi_mode=src.kpi_mode,
    )


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


DEFAULT_SORT: tuple[tuple[str, str], ...] = (("days_overdue", "desc"), ("due_on", "asc"))


STATUS_ORDER: tuple[str, ...] = ("overdue", "missed", "open", "late", "met")


def _default_terms(src: _ListSource) -> list[Any]:
    status = src.keys["status"][0]
    rank = case(*[(status == st, i) for i, st in enumerate(STATUS_ORDER)], else_=len(STATUS_ORDER))
    return [rank, *grid_order_by(src.keys, [{"colId": c, "sort": d} for c, d in DEFAULT_SORT])]


def _ordered(src: _ListSource, sort_model: Sequence[Mapping[str, Any]] | None) -> Select:
    """The grid's sort, else the default: overdue first (most days over), then open by due date."""
    terms = grid_order_by(src.keys, sort_model) if sort_model else _default_terms(src)
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


def list_rows(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    start: int = 0,
    end: int = 100,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One page of the list (rows start..end-1), sorted and filtered in SQL."""
    start = max(0, int(start))
    end = max(start, min(int(end), start + 1000))
    used = {str(c.get("colId")) for c in sort_model or []} | set(filter_model or {})
    if not used & NEEDS_JOINS:
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
        return _df(engine, _ordered(src, sort_model).where(src.key.in_(keys)), list(src.columns))
    src = _list_query(engine, scope, flt, filter_model)
    stmt = _ordered(src, sort_model).offset(start).limit(end - start)
    return _df(engine, stmt, list(src.columns))


def list_export(
    engine: Engine,
    scope: Scope,
    flt: ListFilter,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The whole filtered list, for a server-side export."""
    src = _list_query(engine, scope, flt, filter_model)
    return _df(engine, _ordered(src, sort_model), list(src.columns))


def centers(engine: Engine, scope: Scope) -> list[str]:
    """The centers in the employee register (small table) that the scope may see."""
    e = Employee
    stmt = select(e.center).where(*scope.where(e.center, e.employee_id)).distinct()
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt))


KINDS: tuple[str, ...] = (
    "handleplan",
    "follow-up",
    "investigation",
    "processing",
    "letter",
    "shelter-plan",
)


def filter_options(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Values for the list's filter controls, from the (small) employee register.

    Returns centers, teams (center, team), caseworkers (center, team,
    caseworker_id, name; "ufordelt" once per center) and the obligation kinds.
    Nothing here scans the obligations, so it stays fast at national scale.
    """
    e = Employee
    emp = _df(
        engine,
        select(e.center, e.team, e.employee_id, e.name).where(
            *scope.where(e.center, e.employee_id)
        ),
        ["center", "team", "caseworker_id", "name"],
    )
    emp["team"] = emp["team"].fillna("")
    centers = sorted(emp["center"].dropna().unique().tolist())
    if scope.caseworker_id is None:
        unassigned = pd.DataFrame(
            {"center": centers, "team": "", "caseworker_id": UNASSIGNED, "name": None}
        )
        emp = pd.concat([emp, unassigned], ignore_index=True)
    teams = emp.loc[emp["team"] != "", ["center", "team"]].drop_duplicates()
    return {
        "centers": centers,
        "teams": teams.sort_values(["center", "team"]).reset_index(drop=True),
        "caseworkers": emp.sort_values(["name", "caseworker_id"], na_position="last")
        .drop_duplicates(["center", "caseworker_id"])
        .reset_index(drop=True),
        "kinds": list(KINDS),
    }


def employee_name(engine: Engine, employee_id: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Employee.name).where(Employee.employee_id == employee_id)
        ).scalar()


# -------------------------------------------------------------- deadline calendar
def open_obligations_due(
    engine: Engine,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    center: str | None = None,
) -> pd.DataFrame:
    """Open (not yet done, not yet overdue) obligations due in [start, end], counted
    per due date, kind, center and team. Columns: due_on, kind, center, team, n."""
    o = Obligation
    stmt = (
        select(o.due_on, o.kind, o.center, o.team, func.count())
        .where(
            o.status == "open",
            o.due_on >= start,
            o.due_on <= end,
            *scope.where(o.center, o.caseworker_id),
        )
        .group_by(o.due_on, o.kind, o.center, o.team)
    )
    if center:
        stmt = stmt.where(o.center == center)
    df = _df(engine, stmt, ["due_on", "kind", "center", "team", "n"])
    df["due_on"] = pd.to_datetime(df["due_on"])
    df["n"] = df["n"].astype("int64")
    return df


def open_due_buckets(
    engine: Engine,
    scope: Scope,
    windows: Sequence[tuple[dt.date, dt.date]],
    by: str,
    center: str | None = None,
) -> pd.DataFrame:
    """Open obligations counted per `by` (kind | team | center) and due-date window.

    windows are consecutive (first, last) day pairs; the bucketing is a
    portable CASE in SQL, so only the small aggregate leaves the database.
    Columns: <by>, bucket (index into windows), n.
    """
    o = Obligation
    if by not in ("kind", "team", "center"):
        raise ValueError(by)
    if not windows:
        return pd.DataFrame(columns=[by, "bucket", "n"])
    key = getattr(o, by)
    bucket = case(*[(o.due_on <= last, i) for i, (_first, last) in enumerate(windows)])
    stmt = (
        select(key, bucket.label("bucket"), func.count())
        .where(
            o.status == "open",
            o.due_on >= windows[0][0],
            o.due_on <= windows[-1][1],
            *scope.where(o.center, o.caseworker_id),
        )
        .group_by(key, bucket)
    )
    if center:
        stmt = stmt.where(o.center == center)
    df = _df(engine, stmt, [by, "bucket", "n"])
    df["bucket"] = df["bucket"].astype("int64")
    df["n"] = df["n"].astype("int64")
    return df


def status_counts(engine: Engine, scope: Scope, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Obligations per center, kind and status. Columns: center, kind, status, n."""
    o = Obligation
    stmt = select(o.center, o.kind, o.status, func.count()).where(
        *scope.where(o.center, o.caseworker_id)
    )
    if kinds:
        stmt = stmt.where(o.kind.in_(list(kinds)))
    stmt = stmt.group_by(o.center, o.kind, o.status)
    return _df(engine, stmt, ["center", "kind", "status", "n"])


# -------------------------------------------------------- complaints and reviews
def _case_scope(scope: Scope) -> list[ColumnElement]:
    return scope.where(Case.center, Case.caseworker_id)


def complaints_per_month(
    engine: Engine, scope: Scope, start: dt.date | None = None, center: str | None = None
) -> pd.DataFrame:
    """Complaints received per month by center, type and paragraph, with upheld counts.

    Columns: month (first day, datetime), center, complaint_type, paragraph, n,
    decided, upheld (medhold or delvist).
    """
    c = Complaint
    stmt = (
        select(
            c.received_on,
            Case.center,
            c.complaint_type,
            c.paragraph,
            func.count(),
            func.count(c.decided_on),
            func.sum(case((c.outcome.in_(UPHELD_OUTCOMES), 1), else_=0)),
        )
        .join(Case, Case.case_id == c.case_id)
        .where(*_case_scope(scope))
        .group_by(c.received_on, Case.center, c.complaint_type, c.paragraph)
    )
    if start is not None:
        stmt = stmt.where(c.received_on >= start)
    if center:
        stmt = stmt.where(Case.center == center)
    cols = ["received_on", "center", "complaint_type", "paragraph", "n", "decided", "upheld"]
    df = _df(engine, stmt, cols)
    df["month"] = pd.to_datetime(df["received_on"]).dt.to_period("M").dt.to_timestamp()
    df["paragraph"] = df["paragraph"].fillna("(uden paragraf)")
    for k in ("n", "decided", "upheld"):
        df[k] = pd.to_numeric(df[k]).fillna(0).astype("int64")
    keys = ["month", "center", "complaint_type", "paragraph"]
    return df.groupby(keys, as_index=False)[["n", "decided", "upheld"]].sum()


def review_campaigns(engine: Engine, scope: Scope) -> list[str]:
    """Names of the review campaigns in the data."""
    stmt = (
        select(Review.campaign)
        .join(Case, Case.case_id == Review.case_id)
        .where(*_case_scope(scope))
        .group_by(Review.campaign)
        .order_by(Review.campaign)
    )
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def review_burndown(engine: Engine, scope: Scope, campaign: str) -> pd.DataFrame:
    """Remaining cases to review per date: all campaign cases minus those reviewed by then.

    Columns: date (datetime), remaining. The first row is the day before the
    first review with every case remaining.
    """
    stmt = (
        select(Review.reviewed_on, func.count())
        .join(Case, Case.case_id == Review.case_id)
        .where(Review.campaign == campaign, *_case_scope(scope))
        .group_by(Review.reviewed_on)
    )
    df = _df(engine, stmt, ["date", "n"])
    if df.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "remaining": []})
    total = int(df["n"].sum())
    done = df.dropna(subset=["date"]).copy()
    done["date"] = pd.to_datetime(done["date"])
    done = done.sort_values("date")
    done["remaining"] = total - done["n"].cumsum()
    first = done["date"].min() - pd.Timedelta(days=1) if not done.empty else pd.Timestamp.today()
    head = pd.DataFrame({"date": [first], "remaining": [total]})
    out = pd.concat([head, done[["date", "remaining"]]], ignore_index=True)
    out["remaining"] = out["remaining"].astype("int64")
    return out


# ----------------------------------------------------------------- data quality
def etl_runs(engine: Engine, scope: Scope, limit: int = 30) -> pd.DataFrame:
    """The newest ETL runs (run records hold no citizen data; any scope may see them)."""
    r = EtlRun
    cols = [
        "run_id",
        "started_at",
        "finished_at",
        "status",
        "source_path",
        "extract_date",
        "rows_loaded",
        "rows_rejected",
        "message",
    ]
    stmt = select(*[getattr(r, c) for c in cols]).order_by(r.run_id.desc()).limit(limit)
    return _df(engine, stmt, cols)


@dataclass(frozen=True)
class Freshness:
    """The newest good load; `last_loaded_at` None = nothing loaded yet."""

    last_loaded_at: dt.datetime | None
    extract_date: dt.date | None
    run_id: int | None

    def age_hours(self, now: dt.datetime) -> float | None:
        if self.last_loaded_at is None:
            return None
        return (now - self.last_loaded_at).total_seconds() / 3600

    def is_stale(self, now: dt.datetime, stale_hours: float) -> bool:
        age = self.age_hours(now)
        return age is None or age > stale_hours


def freshness(engine: Engine, scope: Scope) -> Freshness:
    """When the newest good load (status loaded) finished, and its extract date."""
    r = EtlRun
    stmt = (
        select(r.run_id, r.finished_at, r.started_at, r.extract_date)
        .where(r.status == "loaded")
        .order_by(r.run_id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return Freshness(None, None, None)
    at = row[1] or row[2]
    return Freshness(at, _as_date(row[3]), int(row[0]))


def problems_by_rule(engine: Engine, scope: Scope, run_id: int | None = None) -> pd.DataFrame:
    """Problems of one run (default: the newest run with problems) counted per rule.

    Columns: run_id, rule, severity, files, n.
    """
    p = Problem
    if run_id is None:
        with engine.connect() as conn:
            run_id = conn.execute(select(func.max(p.run_id))).scalar()
    cols = ["run_id", "rule", "severity", "files", "n"]
    if run_id is None:
        return pd.DataFrame(columns=cols)
    stmt = (
        select(p.run_id, p.rule, p.severity, func.count(func.distinct(p.file)), func.count())
        .where(p.run_id == run_id)
        .group_by(p.run_id, p.rule, p.severity)
        .order_by(func.count().desc(), p.rule)
    )
    return _df(engine, stmt, cols)


def problem_rows(
    engine: Engine,
    scope: Scope,
    run_id: int,
    rule: str | None = None,
    limit: int | None = 500,
) -> pd.DataFrame:
    """The problems behind a rule: file, line, column, value (already masked), message."""
    p = Problem
    cols = ["file", "line", "column", "value", "rule", "severity", "message"]
    stmt = select(*[getattr(p, c) for c in cols]).where(p.run_id == run_id)
    if rule:
        stmt = stmt.where(p.rule == rule)
    stmt = stmt.order_by(p.file, p.line, p.problem_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return _df(engine, stmt, cols)
