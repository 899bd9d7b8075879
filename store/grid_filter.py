"""AG Grid's filterModel and sortModel, translated to SQL and to Danish.

The grid sends its column filters and sorts as JSON. They are translated here
through an allow-list of columns (field name -> `GridColumn`: the SQL
expression and its filter type): a column name not on the list raises
`DisallowedColumn`, a filter this module does not know raises `BadFilter`, and
every value is a bound parameter, never SQL text.

As in datasette's filters, each filter type knows both its SQL and its human
description: `describe_filter_model` says in Danish what a filter model does
("Sagsbehandler indeholder 'jens'") from the same operator table that builds
the WHERE clause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, literal, not_, or_, select

from store.models import Employee
from vocab import UNASSIGNED

# How the list shows a case without a caseworker (components.labels); a name
# filter on the caseworker column matches it, as it matches the names shown.
UNASSIGNED_NAME = "Ufordelt"


class DisallowedColumn(ValueError):
    """A sort or filter named a column that is not on the allow-list."""


class BadFilter(ValueError):
    """A filter or sort model this module does not understand."""


class ColumnType(StrEnum):
    """How a grid column is filtered: AG Grid's `filterType`, and two of our own."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"  # only blank / not blank
    CASEWORKER = "caseworker"  # an employee id, filtered by the name shown (a text filter)


class GridColumn(NamedTuple):
    """One allow-listed column: the SQL expression sorted and filtered on, and its type."""

    expr: Any
    type: ColumnType


Columns = Mapping[str, GridColumn]  # the allow-list: field name -> column


# ------------------------------------------------------------------ filter types
@dataclass(frozen=True)
class Operator:
    """One filter operator (`type` in a condition): its Danish words and its SQL."""

    words: str  # "indeholder {a}", "er mellem {a} og {b}"
    sql: Callable[[Any, Any, Any], ColumnElement]  # (column, a, b) -> clause
    operands: int = 1


@dataclass(frozen=True)
class FilterType:
    """One AG Grid filter type: where its values are, how they are read, shown and compared."""

    operators: Mapping[str, Operator]
    keys: tuple[str, str]  # the condition's keys holding the first and second value
    read: Callable[[Any], Any]  # raises ValueError/TypeError for a bad value
    show: Callable[[Any], str]
    case_insensitive: bool = False

    def values(self, operator: Operator, spec: Mapping[str, Any]) -> tuple[Any, Any]:
        """The condition's operand(s), read; a bad or missing value raises `BadFilter`."""
        try:
            a = self.read(spec.get(self.keys[0]))
            b = self.read(spec[self.keys[1]]) if operator.operands == 2 else None
        except (TypeError, ValueError, KeyError) as exc:
            raise BadFilter(f"bad filter value in {dict(spec)!r}") from exc
        return a, b

    def clause(self, col: Any, operator: Operator, a: Any, b: Any) -> ColumnElement:
        if self.case_insensitive:
            col, a = func.lower(col), str(a).lower()
        return operator.sql(col, a, b)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float:
    return float(value)


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])  # "2026-11-20 00:00:00" from the grid


def _show_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def _comparisons(
    less: str, at_most: str, greater: str, at_least: str, between: str
) -> dict[str, Operator]:
    return {
        "equals": Operator("er {a}", lambda c, a, _b: c == a),
        "notEqual": Operator("er ikke {a}", lambda c, a, _b: c != a),
        "lessThan": Operator(less, lambda c, a, _b: c < a),
        "lessThanOrEqual": Operator(at_most, lambda c, a, _b: c <= a),
        "greaterThan": Operator(greater, lambda c, a, _b: c > a),
        "greaterThanOrEqual": Operator(at_least, lambda c, a, _b: c >= a),
        "inRange": Operator(between, lambda c, a, b: and_(c >= a, c <= b), operands=2),
    }


TEXT = FilterType(
    operators={
        "contains": Operator("indeholder {a}", lambda c, a, _b: c.contains(a, autoescape=True)),
        "notContains": Operator(
            "indeholder ikke {a}", lambda c, a, _b: not_(c.contains(a, autoescape=True))
        ),
        "equals": Operator("er {a}", lambda c, a, _b: c == a),
        "notEqual": Operator("er ikke {a}", lambda c, a, _b: c != a),
        "startsWith": Operator(
            "begynder med {a}", lambda c, a, _b: c.startswith(a, autoescape=True)
        ),
        "endsWith": Operator("slutter med {a}", lambda c, a, _b: c.endswith(a, autoescape=True)),
    },
    keys=("filter", "filterTo"),
    read=_text,
    show=lambda v: f"'{v}'",
    case_insensitive=True,
)
NUMBER = FilterType(
    operators=_comparisons(
        "er mindre end {a}",
        "er højst {a}",
        "er større end {a}",
        "er mindst {a}",
        "er mellem {a} og {b}",
    ),
    keys=("filter", "filterTo"),
    read=_number,
    show=_show_number,
)
DATE = FilterType(
    operators=_comparisons(
        "er før {a}", "er senest {a}", "er efter {a}", "er tidligst {a}", "er fra {a} til {b}"
    ),
    keys=("dateFrom", "dateTo"),
    read=_date,
    show=lambda d: d.strftime("%d.%m.%Y"),
)
FILTER_TYPES: dict[str, FilterType] = {
    ColumnType.TEXT: TEXT,
    ColumnType.NUMBER: NUMBER,
    ColumnType.DATE: DATE,
    ColumnType.CASEWORKER: TEXT,
}

# Any column may be asked for its empty (or non-empty) values; text counts "" as empty.
BLANK_WORDS = {"blank": "er tom", "notBlank": "er ikke tom"}


def _blank(col: Any, column_type: str, blank: bool) -> ColumnElement:
    if column_type in (ColumnType.TEXT, ColumnType.CASEWORKER):
        return or_(col.is_(None), col == "") if blank else and_(col.is_not(None), col != "")
    return col.is_(None) if blank else col.is_not(None)


def _combined(spec: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """A combined condition's parts and whether they are joined by OR."""
    parts = spec["conditions"]
    if not isinstance(parts, Sequence) or not all(isinstance(p, Mapping) for p in parts):
        raise BadFilter(f"bad conditions {parts!r}")
    return list(parts), str(spec.get("operator", "AND")).upper() == "OR"


def _filter_type(column_type: str) -> FilterType:
    if column_type not in FILTER_TYPES:
        raise BadFilter(f"column type {column_type!r} cannot be filtered")
    return FILTER_TYPES[column_type]


def _operator(filter_type: FilterType, op: Any) -> Operator:
    if op not in filter_type.operators:
        raise BadFilter(f"unknown filter {op!r}")
    return filter_type.operators[op]


def _condition(col: Any, column_type: str, spec: Mapping[str, Any]) -> ColumnElement:
    """One filter condition (or a combination of them) as a SQL clause, values bound."""
    if "conditions" in spec:
        parts, any_of = _combined(spec)
        clauses = [_condition(col, column_type, p) for p in parts]
        return or_(*clauses) if any_of else and_(*clauses)
    op = spec.get("type")
    if op in BLANK_WORDS:
        return _blank(col, column_type, op == "blank")
    filter_type = _filter_type(column_type)
    operator = _operator(filter_type, op)
    a, b = filter_type.values(operator, spec)
    return filter_type.clause(col, operator, a, b)


def _words(column_type: str, spec: Mapping[str, Any]) -> str:
    """What one filter condition (or a combination) does, in Danish, without the column."""
    if "conditions" in spec:
        parts, any_of = _combined(spec)
        return (" eller " if any_of else " og ").join(_words(column_type, p) for p in parts)
    op = spec.get("type")
    if op in BLANK_WORDS:
        return BLANK_WORDS[op]
    filter_type = _filter_type(column_type)
    operator = _operator(filter_type, op)
    a, b = filter_type.values(operator, spec)
    shown_b = filter_type.show(b) if b is not None else ""
    return operator.words.format(a=filter_type.show(a), b=shown_b)


def _column_type(name: str, column_type: str, spec: Any) -> str:
    """The column's type; the grid's `filterType`, when sent, must agree with it."""
    if not isinstance(spec, Mapping):
        raise BadFilter(f"bad filter for {name}")
    sent = spec.get("filterType")
    expected = ColumnType.TEXT if column_type == ColumnType.CASEWORKER else column_type
    if sent is not None and sent != expected and spec.get("type") not in BLANK_WORDS:
        raise BadFilter(f"a {sent!r} filter on the {column_type} column {name}")
    return column_type


# ------------------------------------------------------------------ public
def grid_filter_clauses(
    columns: Columns, filter_model: Mapping[str, Any] | None
) -> list[ColumnElement]:
    """AG Grid's filterModel as SQL clauses (all of them apply).

    Columns outside the allow-list raise `DisallowedColumn`; a filter this module
    does not understand (unknown operator, bad value, a filter type that does not
    match the column's) raises `BadFilter`.
    """
    clauses: list[ColumnElement] = []
    if filter_model is not None and not isinstance(filter_model, Mapping):
        raise BadFilter("the filter model is not an object")
    for name, spec in (filter_model or {}).items():
        if name not in columns:
            raise DisallowedColumn(name)
        if not isinstance(spec, Mapping):
            raise BadFilter(f"the filter of {name!r} is not an object")
        col, column_type = columns[name]
        column_type = _column_type(name, column_type, spec)
        if column_type == ColumnType.CASEWORKER:
            # match the name shown ("Ufordelt" for unassigned) via the small employee
            # table, so the big table is filtered by an indexed IN, never by LIKE
            named = select(Employee.employee_id).where(_condition(Employee.name, "text", spec))
            unassigned = select(literal(UNASSIGNED)).where(
                _condition(literal(UNASSIGNED_NAME), "text", spec)
            )
            clauses.append(col.in_(named.union(unassigned)))
        else:
            clauses.append(_condition(col, column_type, spec))
    return clauses


def describe_filter_model(
    filter_model: Mapping[str, Any] | None, titles: Mapping[str, str] | None = None
) -> list[str]:
    """What AG Grid's filterModel does, in Danish: one sentence per filtered column.

    `titles` names the columns as the page shows them (default: the field name):
    `{"caseworker": {"filterType": "text", "type": "contains", "filter": "jens"}}`
    -> `["Sagsbehandler indeholder 'jens'"]` with titles `{"caseworker": "Sagsbehandler"}`.
    A filter `grid_filter_clauses` would refuse raises `BadFilter` here too.
    """
    out: list[str] = []
    for name, spec in (filter_model or {}).items():
        if not isinstance(spec, Mapping):
            raise BadFilter(f"bad filter for {name}")
        column_type = str(spec.get("filterType", ColumnType.TEXT))
        title = (titles or {}).get(name, name)
        out.append(f"{title} {_words(column_type, spec)}")
    return out


def grid_order_by(columns: Columns, sort_model: Sequence[Mapping[str, Any]] | None) -> list[Any]:
    """AG Grid's sortModel as ORDER BY terms, in its order.

    Columns outside the allow-list raise `DisallowedColumn`; a direction other
    than asc/desc raises `BadFilter`.
    """
    terms: list[Any] = []
    if sort_model is not None and not isinstance(sort_model, (list, tuple)):
        raise BadFilter("the sort model is not a list")
    for item in sort_model or []:
        if not isinstance(item, Mapping):
            raise BadFilter("a sort entry is not an object")
        name = item.get("colId")
        if name not in columns:
            raise DisallowedColumn(str(name))
        col, column_type = columns[name]
        if column_type in (ColumnType.TEXT, ColumnType.CASEWORKER):
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
