"""The logged-in user as the server knows them, and what their role may see.

`scope_for` is the only place a role becomes a `store.scope.Scope`: a
sagsbehandler sees their own cases (and their own results), a teamleder their team,
a centerchef their center, direktion and admin everything. A user without what their
role needs (a centerchef without a center) sees nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from store.scope import Scope
from vocab import ROLE_LABELS, Role

# Roles that work with citizens' cases and may reveal one full CPR number (logged).
MAY_REVEAL_CPR = frozenset({Role.CASEWORKER, Role.TEAM_LEAD, Role.CENTER_CHIEF})
# Roles that see the ETL's problem rows (values of any center) and the admin page.
SEES_ALL_PROBLEMS = frozenset({Role.DIRECTORATE, Role.ADMIN})
# The order of the roles, lowest first (an OpenID user with several app roles gets the highest).
ROLE_ORDER: tuple[Role, ...] = (
    Role.CASEWORKER,
    Role.TEAM_LEAD,
    Role.CENTER_CHIEF,
    Role.DIRECTORATE,
    Role.ADMIN,
)


@dataclass(frozen=True)
class Principal:
    """A logged-in user: name, role and what the role is about."""

    username: str
    role: Role
    center: str | None = None
    team: str | None = None
    caseworker_id: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Principal:
        return cls(
            username=str(row["username"]),
            role=Role(row["role"]),
            center=row.get("center") or None,
            team=row.get("team") or None,
            caseworker_id=row.get("caseworker_id") or None,
        )

    @property
    def label(self) -> str:
        """'Sagsbehandler (BFCK)' for the header."""
        where = self.center or ""
        if self.role == Role.TEAM_LEAD and self.team:
            where = self.team
        return ROLE_LABELS[self.role] + (f" ({where})" if where else "")

    @property
    def may_reveal_cpr(self) -> bool:
        return self.role in MAY_REVEAL_CPR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def sees_all_problems(self) -> bool:
        return self.role in SEES_ALL_PROBLEMS


def scope_for(principal: Principal | None) -> Scope:
    """What `principal` may see; no principal (not logged in) sees nothing."""
    if principal is None:
        return Scope.nothing()
    role = principal.role
    if role in (Role.DIRECTORATE, Role.ADMIN):
        return Scope.everything()
    if role == Role.CENTER_CHIEF and principal.center:
        return Scope(centers=frozenset({principal.center}))
    if role == Role.TEAM_LEAD and principal.center and principal.team:
        return Scope(centers=frozenset({principal.center}), team=principal.team)
    if role == Role.CASEWORKER and principal.caseworker_id:
        return Scope(caseworker_id=principal.caseworker_id)
    return Scope.nothing()


def validate(
    role: str, center: str | None, team: str | None, caseworker_id: str | None
) -> str | None:
    """Why a user with these fields could see nothing (a message), or None."""
    try:
        r = Role(role)
    except ValueError:
        return f"unknown role {role!r}: one of {', '.join(r.value for r in Role)}"
    if r == Role.CENTER_CHIEF and not center:
        return "a centerchef needs --center"
    if r == Role.TEAM_LEAD and not (center and team):
        return "a teamleder needs --center and --team"
    if r == Role.CASEWORKER and not caseworker_id:
        return "a sagsbehandler needs --caseworker (the medarbejder_id of the extract)"
    return None
