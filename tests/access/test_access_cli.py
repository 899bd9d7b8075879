"""`python -m access`: users add/list/disable (password on stdin), the audit log as
JSON, demo users; and the OpenID claims to a user."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from access import oidc, users
from access.principal import Principal, scope_for
from store.db import get_engine
from store.scope import Scope
from tests.web.sample import fill_store
from vocab import Role

ROOT = Path(__file__).resolve().parents[2]


def _access(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "access", "--database-url", url, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_users_add_list_disable_and_audit(db_url: str) -> None:
    added = _access(
        db_url,
        "users",
        "add",
        "mette",
        "--role",
        "centerchef",
        "--center",
        "HCK",
        stdin="en-lang-adgangskode\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Centerchef (HCK)" in added.stdout
    again = _access(db_url, "users", "add", "mette", "--role", "direktion", stdin="x" * 12 + "\n")
    assert again.returncode == 2 and "exists" in again.stderr
    bad = _access(db_url, "users", "add", "bo", "--role", "centerchef", stdin="x" * 12 + "\n")
    assert bad.returncode == 2 and "--center" in bad.stderr
    short = _access(db_url, "users", "add", "bo", "--role", "direktion", stdin="kort\n")
    assert short.returncode == 2 and "at least" in short.stderr
    listed = json.loads(_access(db_url, "users", "list", "--json").stdout)
    assert [(u["username"], u["role"], u["center"], u["disabled"]) for u in listed] == [
        ("mette", "centerchef", "HCK", False)
    ]
    assert "password" not in json.dumps(listed)
    assert _access(db_url, "users", "disable", "mette").returncode == 0
    engine = get_engine(db_url)
    assert users.principal(engine, "mette") is None
    assert not users.log_in(engine, "mette", "en-lang-adgangskode", "1.2.3.4").principal
    events = json.loads(_access(db_url, "audit", "--json").stdout)
    changes = [e["detail"]["change"] for e in events if e["action"] == "user-change"]
    assert sorted(changes) == ["add", "disable"]
    assert any(e["action"] == "login-failed" for e in events)
    mine = json.loads(_access(db_url, "audit", "--user", "mette", "--json").stdout)
    assert mine and {e["username"] for e in mine} == {"mette"}


def test_demo_users_one_per_role_password_once(db_engine: Engine) -> None:
    with pytest.raises(users.UserError, match="load an extract first"):
        users.demo_users(db_engine)
    fill_store(db_engine, n_obligations=300)
    made, password = users.demo_users(db_engine)
    worker = made[0]
    assert worker.caseworker_id and worker.center and worker.team
    assert (made[1].center, made[1].team) == (worker.center, worker.team)
    assert [p.role for p in made] == [
        Role.CASEWORKER,
        Role.TEAM_LEAD,
        Role.CENTER_CHIEF,
        Role.DIRECTORATE,
        Role.ADMIN,
    ]
    assert password and users.log_in(db_engine, "admin", password, "a").principal
    again, none = users.demo_users(db_engine)
    assert none is None and len(again) == 5
    _, new = users.demo_users(db_engine, reset=True)
    assert new and new != password
    assert users.log_in(db_engine, "direktion", new, "b").principal


def test_scope_of_each_role() -> None:
    assert scope_for(None) == Scope.nothing()
    assert scope_for(Principal("d", Role.DIRECTORATE)).is_everything
    assert scope_for(Principal("c", Role.CENTER_CHIEF, center="HCK")) == Scope(
        centers=frozenset({"HCK"})
    )
    assert scope_for(Principal("t", Role.TEAM_LEAD, center="HCK", team="T1")) == Scope(
        centers=frozenset({"HCK"}), team="T1"
    )
    assert scope_for(Principal("s", Role.CASEWORKER, caseworker_id="E1")) == Scope(
        caseworker_id="E1"
    )
    # a role without what it is about sees nothing
    assert scope_for(Principal("c", Role.CENTER_CHIEF)) == Scope.nothing()


def test_oidc_claims_to_user(monkeypatch: pytest.MonkeyPatch) -> None:
    claims = {
        "preferred_username": "jens@kk.dk",
        "roles": ["Fristvagt.Sagsbehandler", "Fristvagt.Teamleder", "Other.App"],
        "center": "SCK",
        "team": "Team 3",
        "employeeid": "E77",
    }
    who = oidc.principal_from_claims(claims)
    assert who == Principal("jens@kk.dk", Role.TEAM_LEAD, "SCK", "Team 3", "E77")
    with pytest.raises(oidc.ClaimsError, match="no Fristvagt role"):
        oidc.principal_from_claims({**claims, "roles": ["Other.App"]})
    monkeypatch.setenv("OIDC_ROLE_MAP", "Chef=centerchef")
    with pytest.raises(oidc.ClaimsError, match="--center"):
        oidc.principal_from_claims({"sub": "x", "roles": ["Chef"]})


def test_oidc_sign_in_keeps_the_user_and_respects_disable(db_engine: Engine) -> None:
    claims = {"preferred_username": "k@kk.dk", "roles": ["Fristvagt.Direktion"]}
    who = oidc.sign_in(db_engine, claims, "10.0.0.1")
    assert who.role == Role.DIRECTORATE
    assert users.principal(db_engine, "k@kk.dk") == who
    users.disable_user(db_engine, "k@kk.dk")
    with pytest.raises(oidc.ClaimsError, match="disabled"):
        oidc.sign_in(db_engine, claims, "10.0.0.1")
