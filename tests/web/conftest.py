"""Web fixtures: a small sample store, and the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from store.db import get_engine
from tests.web.sample import fill_store


@pytest.fixture(autouse=True)
def _empty_web_cache() -> Iterator[None]:
    """Each test starts with an empty shared cache (the sample stores reuse run id 1)."""
    import app  # noqa: F401  (binds the cache to the server)
    from components.cache import cache

    cache.clear()
    yield
    cache.clear()


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
