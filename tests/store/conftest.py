"""Fixtures of the store tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.store.query_store import fill_query_store


@pytest.fixture
def query_store(db_engine: Engine) -> Engine:
    """The page-query sample (tests/store/query_store.py) on SQLite and PostgreSQL."""
    return fill_query_store(db_engine)
