"""Web fixtures: a small sample store, and the app pointed at it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from access.principal import Principal
from store.db import get_engine
from tests.web.sample import fill_store
from vocab import Role

PASSWORD = "korrekt-hest-batteri"


@pytest.fixture(autouse=True)
def _empty_web_cache() -> Iterator[None]:
    """Each test starts with an empty shared cache (the sample stores reuse run id 1)."""
    import app  # noqa: F401  (binds the cache to the server)
    from components.cache import cache

    cache.clear()
    yield
    cache.clear()


TEST_PRINCIPAL = Principal("test-direktion", Role.DIRECTORATE)


@pytest.fixture(autouse=True)
def _logged_in(request: pytest.FixtureRequest) -> Iterator[Principal | None]:
    """Page functions and callbacks called directly run as a logged-in direktion user
    (the scope comes from the request's user, components.auth). A test marked
    `logged_out` runs without one; real HTTP requests log in themselves (`login`)."""
    from flask import g

    import app as webapp

    if request.node.get_closest_marker("logged_out"):
        yield None
        return
    with webapp.server.test_request_context("/"):
        g.principal = TEST_PRINCIPAL
        yield TEST_PRINCIPAL


def add_user(
    db_url: str,
    name: str,
    role: Role,
    password: str = PASSWORD,
    **fields: str | None,
) -> Principal:
    """A local user in the store at `db_url`."""
    from access.users import add_user as add

    return add(get_engine(db_url), name, role, password, **fields)


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    """Log a Flask test client in through the login form (CSRF token included); returns
    the response of the POST. Afterwards `csrf_headers(client)` gives callback headers."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the login form has a CSRF token"
    return client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token.group(1)}
    )


def csrf_headers(client: Any) -> dict[str, str]:
    """The header Dash's renderer sends with each callback: the `_csrf_token` cookie."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie else {}


@pytest.fixture
def web_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The sample store (SQLite and PostgreSQL), and the app's DATABASE_URL pointing at it."""
    engine = get_engine(db_url)
    fill_store(engine, n_obligations=400)
    monkeypatch.setenv("DATABASE_URL", db_url)
    yield engine


def texts(component: Any) -> str:
    """All text in a Dash component tree, space-joined (for asserting what a page says)."""
    out: list[str] = []

    def walk(c: Any) -> None:
        if c is None:
            return
        if isinstance(c, (str, int, float)):
            out.append(str(c))
            return
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        walk(getattr(c, "children", None))

    walk(component)
    return " ".join(out)


def find(component: Any, component_id: Any) -> Any:
    """The component with this id in a tree, or None."""
    if component is None or isinstance(component, (str, int, float)):
        return None
    if isinstance(component, (list, tuple)):
        for c in component:
            hit = find(c, component_id)
            if hit is not None:
                return hit
        return None
    if getattr(component, "id", None) == component_id:
        return component
    return find(getattr(component, "children", None), component_id)


def http_login(base: str, name: str, password: str = PASSWORD) -> Any:
    """A `requests` session logged in to a running server at `base` through its form."""
    import requests

    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login form has a CSRF token"
    done = session.post(
        base + "/login",
        data={"username": name, "password": password, "csrf_token": token.group(1)},
        timeout=30,
    )
    assert done.ok and "/login" not in done.url, done.text[:300]
    return session


def http_callback(session: Any, base: str, payload: dict[str, Any], **headers: str) -> Any:
    """POST a Dash callback as the renderer does (the CSRF cookie as X-CSRFToken)."""
    token = session.cookies.get("_csrf_token") or ""
    return session.post(
        base + "/_dash-update-component",
        json=payload,
        headers={"X-CSRFToken": token, **headers},
        timeout=60,
    )
