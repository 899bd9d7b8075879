"""Revealing one case's full CPR number (Sager and the case page): a button only for
roles that may, the number read in the viewer's scope, and every reveal audited."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc

from components import auth, ui
from store import case_list
from vocab import AuditAction

MAX_CASE_ID = 64
NOT_ALLOWED = "Din rolle kan ikke se fulde CPR-numre."
NOT_FOUND = "Sagen findes ikke, eller du har ikke adgang til den."


def button(component_id: str, label: str, title: str, class_name: str = "") -> dbc.Button | None:
    """The reveal button for a role that may reveal a CPR number; None for the others."""
    who = ui.principal()
    if who is None or not who.may_reveal_cpr:
        return None
    return dbc.Button(
        label,
        id=component_id,
        color="secondary",
        outline=True,
        size="sm",
        className=f"text-nowrap {class_name}".strip(),
        title=title,
    )


@dataclass(frozen=True)
class Revealed:
    """What a reveal gave: the number (None if refused) or why not."""

    number: str | None
    reason: str = ""


def reveal(case_id: str, page: str) -> Revealed:
    """The case's full CPR number for the viewer, if their role may and the case is in
    their scope; the reveal is audited (case id and page), a refusal is not a reveal."""
    who = ui.principal()
    if who is None or not who.may_reveal_cpr:
        return Revealed(None, NOT_ALLOWED)
    number = case_list.case_cpr(ui.engine(), ui.scope(), case_id[:MAX_CASE_ID])
    if number is None:
        return Revealed(None, NOT_FOUND)
    auth.audit(AuditAction.CPR_REVEAL, page=page, case_ids=[case_id], row_count=1)
    return Revealed(number)
