"""OpenID Connect (Microsoft Entra ID / AD FS): an ID token's claims to a Fristvagt user.

The web side (`components.auth`) runs the Authlib login flow against the tenant's
metadata URL (OIDC_METADATA_URL); here the verified claims become a user: the role
from the app-role claim (OIDC_ROLE_CLAIM through OIDC_ROLE_MAP; the highest role
wins), the caseworker id, center and team from their configured claims. The user is
kept in the store (source "oidc", no password) so that an admin can disable them and
the audit log names them; their role follows the token at every login.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

import settings
from access import audit
from access.principal import ROLE_ORDER, Principal, validate
from store import access as store_access
from vocab import AuditAction, Role


class ClaimsError(ValueError):
    """The token gives no usable Fristvagt user (message for the login page)."""


def _claim_text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name) if name else None
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """The user an ID token describes; ClaimsError when it maps to no role."""
    username = (
        _claim_text(claims, "preferred_username")
        or _claim_text(claims, "upn")
        or _claim_text(claims, "email")
        or _claim_text(claims, "sub")
    )
    if not username:
        raise ClaimsError("the token names no user")
    raw_roles = claims.get(settings.OIDC_ROLE_CLAIM.get()) or []
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    mapping = dict(settings.OIDC_ROLE_MAP.get())
    roles = {Role(mapping[r]) for r in raw_roles if r in mapping and mapping[r] in set(Role)}
    if not roles:
        raise ClaimsError("the token gives no Fristvagt role (app role)")
    role = max(roles, key=ROLE_ORDER.index)
    who = Principal(
        username=username[:100],
        role=role,
        center=_claim_text(claims, settings.OIDC_CENTER_CLAIM.get()),
        team=_claim_text(claims, settings.OIDC_TEAM_CLAIM.get()),
        caseworker_id=_claim_text(claims, settings.OIDC_CASEWORKER_CLAIM.get()),
    )
    problem = validate(who.role, who.center, who.team, who.caseworker_id)
    if problem:
        raise ClaimsError(problem)
    return who


def sign_in(engine: Engine, claims: Mapping[str, Any], address: str | None) -> Principal:
    """Keep the token's user in the store and return them; a disabled user is refused."""
    who = principal_from_claims(claims)
    fields = {
        "role": str(who.role),
        "center": who.center,
        "team": who.team,
        "caseworker_id": who.caseworker_id,
    }
    row = store_access.get_user(engine, who.username)
    if row is None:
        import datetime as dt

        store_access.insert_user(
            engine,
            {
                "username": who.username,
                **fields,
                "password_hash": None,
                "source": "oidc",
                "disabled": False,
                "created_at": dt.datetime.now(),
            },
        )
    elif row["disabled"]:
        audit.record(
            engine,
            user=who.username,
            action=AuditAction.LOGIN_FAILED,
            detail={"reason": "disabled"},
            address=address,
        )
        raise ClaimsError("the user is disabled")
    else:
        store_access.update_user(engine, who.username, fields)
    audit.record(
        engine,
        user=who.username,
        role=who.role,
        action=AuditAction.LOGIN,
        detail={"via": "oidc"},
        address=address,
    )
    return who
