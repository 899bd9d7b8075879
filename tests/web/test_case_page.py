"""The case page (/sag/<sag_id>) over a store loaded by the ETL from the tiny demo:
every obligation with the date it was counted from, the history of the case's
records, the case-system link, the scope and the audit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from flask import g
from sqlalchemy import select

import app as webapp  # noqa: F401  (registers the pages)
from access.principal import Principal
from components import format as fmt
from pages import sag
from store.db import get_engine
from store.models import AuditEvent, FollowUp, Measure, Obligation
from tests.test_end_to_end import load_tiny_demo
from tests.web.conftest import find, texts
from vocab import Role


@pytest.fixture
def loaded(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    load_tiny_demo(db_url, tmp_path / "extract")
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _case_with_follow_ups(url: str) -> tuple[str, pd.DataFrame]:
    """A case with a follow-up obligation counted from an earlier follow-up."""
    engine = get_engine(url)
    with engine.connect() as c:
        rows = c.execute(
            select(Obligation.case_id).where(Obligation.anchor_label == "seneste opfølgning")
        ).all()
        case_id = str(rows[0][0])
        obligations = pd.read_sql(select(Obligation).where(Obligation.case_id == case_id), c)
    return case_id, obligations


def test_case_page_shows_every_obligation_with_its_reason_and_history(
    loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASE_SYSTEM_URL", "https://sag.example.dk/sager/{sag_id}?vis=1")
    case_id, obligations = _case_with_follow_ups(loaded)
    page = sag.layout(sag_id=case_id)
    table = find(page, sag.OBLIGATIONS)
    shown = texts(table)
    assert len(obligations) > 1
    for r in obligations.to_dict("records"):
        # "Seneste opfølgning 3. feb. 2026 → frist 3. aug. 2026 · BL § 95: ..."
        assert f"{fmt.date(r['anchor_on'])} → frist {fmt.date(r['due_on'])}" in shown
        assert r["rule_text"] in shown
    engine = get_engine(loaded)
    with engine.connect() as c:
        measures = c.execute(select(Measure.start_on).where(Measure.case_id == case_id)).all()
        follow_ups = c.execute(select(FollowUp.done_on).where(FollowUp.case_id == case_id)).all()
    history = texts(find(page, sag.HISTORY))
    for (day,) in [*measures, *follow_ups]:
        assert fmt.date(day) in history
    assert "Foranstaltning iværksat" in history and "Opfølgning" in history
    link = find(page, sag.CASE_SYSTEM_LINK)
    assert link.href == f"https://sag.example.dk/sager/{case_id}?vis=1"
    with engine.connect() as c:
        audited = (
            c.execute(select(AuditEvent.case_ids).where(AuditEvent.action == "case"))
            .scalars()
            .all()
        )
    assert [case_id] in audited


def test_case_page_outside_the_scope_reads_as_not_found(loaded: str) -> None:
    case_id, obligations = _case_with_follow_ups(loaded)
    owner = str(obligations["caseworker_id"].iloc[0])
    g.principal = Principal("sb", Role.CASEWORKER, caseworker_id="someone-else")
    page = sag.layout(sag_id=case_id)
    assert find(page, sag.NOT_FOUND) is not None and find(page, sag.OBLIGATIONS) is None
    g.principal = Principal("sb", Role.CASEWORKER, caseworker_id=owner)
    assert find(sag.layout(sag_id=case_id), sag.OBLIGATIONS) is not None
    # no case-system link unless one is configured
    assert find(sag.layout(sag_id=case_id), sag.CASE_SYSTEM_LINK) is None
    assert "ikke adgang" in texts(sag.layout(sag_id="no-such-case"))
