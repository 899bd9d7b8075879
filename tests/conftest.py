"""Shared fixtures: one fixture builds the test database from code.

`db_engine` is parametrised over SQLite (a temp file) and PostgreSQL (a fresh
database on TEST_POSTGRES_URL's server, dropped afterwards). Without a
reachable server PostgreSQL cases are skipped, unless REQUIRE_POSTGRES=1
(CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# No developer's .env may change a test: settings come from the environment only.
os.environ["FRISTVAGT_IGNORE_DOTENV"] = "1"
# Sessions signed with a test key (the app and every server a test starts)
os.environ.setdefault("SECRET_KEY", "fristvagt-test-session-key")

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from store.db import get_engine, init_db  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_admin() -> Engine | None:
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("select 1"))
        return eng
    except Exception:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            raise
        return None


@contextmanager
def new_pg_database(prefix: str = "fristvagt_test") -> Iterator[str]:
    """A brand-new PostgreSQL database on the test server, dropped afterwards (its URL)."""
    admin = _pg_admin()
    if admin is None:
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a brand-new PostgreSQL database for this test session."""
    with new_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated store: SQLite file or PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server_url")
        from store.db import drop_all

        drop_all(get_engine(url))
    init_db(get_engine(url))
    return url


@pytest.fixture
def db_engine(db_url: str) -> Engine:
    return get_engine(db_url)
