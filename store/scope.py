"""What the viewer may see: `Scope`, and the WHERE clauses it adds to each table.

This is the one place where row-level access is decided (centers, caseworker,
CPR). Every query for the pages takes the viewer's scope right after the
engine and narrows its rows with the helpers below; a scope can only narrow,
never widen, what a filter asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false

from store.models import Case, Employee, KpiResult
from vocab import Level


@dataclass(frozen=True)
class Scope:
    """What the viewer may see.

    `centers`: None = every center, an empty set = none. `caseworker_id`: set =
    only that caseworker's rows. `can_see_cpr`: full CPR numbers instead of the
    masked ones.
    """

    centers: frozenset[str] | None = None
    caseworker_id: str | None = None
    can_see_cpr: bool = False
    team: str | None = None  # set: only that team's rows (a teamleder; with its center)

    @classmethod
    def everything(cls) -> Scope:
        """All rows (the command line, the load); CPR stays masked."""
        return cls(centers=None, caseworker_id=None, can_see_cpr=False)

    @classmethod
    def nothing(cls) -> Scope:
        """No rows: the scope of a request without a logged-in user (deny by default)."""
        return cls(centers=frozenset(), caseworker_id=None, can_see_cpr=False)

    @property
    def is_everything(self) -> bool:
        """Every row of every center (direktion, admin, the command line)."""
        return self.centers is None and self.caseworker_id is None and self.team is None

    def where(
        self, center_col: Any, caseworker_col: Any | None = None, team_col: Any | None = None
    ) -> list[ColumnElement]:
        """The WHERE clauses this scope adds for a table with these columns.

        A table without a caseworker (team) column shows a caseworker (team) scope nothing.
        """
        clauses: list[ColumnElement] = []
        if self.centers is not None:
            clauses.append(center_col.in_(sorted(self.centers)) if self.centers else false())
        if self.caseworker_id is not None:
            if caseworker_col is None:
                clauses.append(false())
            else:
                clauses.append(caseworker_col == self.caseworker_id)
        if self.team is not None:
            clauses.append(false() if team_col is None else team_col == self.team)
        return clauses


def cases_where(scope: Scope) -> list[ColumnElement]:
    """The scope on `cases` (and the complaints and reviews joined to them)."""
    return scope.where(Case.center, Case.caseworker_id, Case.team)


def employees_where(scope: Scope) -> list[ColumnElement]:
    """The scope on the employee register (a caseworker sees their own row)."""
    return scope.where(Employee.center, Employee.employee_id, Employee.team)


def kpi_results_where(scope: Scope, level: Level | str) -> list[ColumnElement]:
    """KPI results of `level` the scope may see.

    A caseworker scope sees only their own results (level caseworker), whatever
    level is asked for; a center scope only its centers' results.
    """
    if scope.caseworker_id is not None:
        clauses = [
            KpiResult.level == Level.CASEWORKER,
            KpiResult.caseworker_id == scope.caseworker_id,
        ]
    elif scope.team is not None:  # a team scope: its team's results, at team level
        clauses = [KpiResult.level == Level.TEAM, KpiResult.team == scope.team]
    else:
        clauses = [KpiResult.level == level]
    if scope.centers is not None:
        clauses.append(KpiResult.center.in_(sorted(scope.centers)) if scope.centers else false())
    return clauses
