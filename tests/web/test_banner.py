"""The load banner on every page, read from a real sample store (both backends)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, update

import app as webapp
from components import banner
from store import data_quality
from store.models import EtlRun, Problem
from store.scope import Scope
from tests.web.conftest import find
from tests.web.sample import AS_OF

ALL = Scope.everything()
LOADED_AT = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(2, 5))  # the sample's run
SOON_AFTER = LOADED_AT + dt.timedelta(hours=3)


def said(component: Any) -> str:
    """The text of a component tree as a reader sees it (its parts carry their own spaces)."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(said(c) for c in component)
    return said(getattr(component, "children", None))


def links(component: Any) -> list[str]:
    """Every href in a component tree."""
    out: list[str] = []

    def walk(c: Any) -> None:
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif c is not None and not isinstance(c, (str, int, float)):
            if getattr(c, "href", None):
                out.append(c.href)
            walk(getattr(c, "children", None))

    walk(component)
    return out


def banner_at(engine: Engine, now: dt.datetime, stale_hours: float = 36) -> Any:
    return banner.load_banner(data_quality.load_status(engine, ALL), now, stale_hours)


def add_run(engine: Engine, run_id: int, status: str, outcome: dict[str, Any] | None) -> None:
    started = LOADED_AT + dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            insert(EtlRun),
            [
                {
                    "run_id": run_id,
                    "started_at": started,
                    "finished_at": started + dt.timedelta(minutes=1),
                    "status": status,
                    "source_path": "/data/udtraek/2026-11-22",
                    "extract_date": AS_OF + dt.timedelta(days=1),
                    "rows_loaded": {},
                    "rows_rejected": {},
                    "outcome": outcome,
                    "message": "refused: sager.csv is empty",
                }
            ],
        )


def make_clean(engine: Engine) -> None:
    """The sample's load without rejected rows, warnings or problems."""
    with engine.begin() as conn:
        conn.execute(delete(Problem))
        conn.execute(
            update(EtlRun).values(
                rows_rejected={},
                outcome={"code": "loaded", "rows_rejected": 0, "problems": 0, "errors": 0},
            )
        )


def test_every_page_has_the_banner() -> None:
    assert find(webapp.app.layout, banner.BANNER) is not None


def test_clean_load_shows_no_banner(web_store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    make_clean(web_store)
    assert banner_at(web_store, SOON_AFTER) is None
    monkeypatch.setenv("STALE_HOURS", "1000000")  # the callback reads the clock
    assert webapp.update_shell("/", "")[0] is None


def test_load_with_rejected_rows(web_store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    alert = banner_at(web_store, SOON_AFTER)  # the sample's load rejected 2 rows
    assert said(alert) == "Data pr. 21. nov. 2026 – 2 rækker afvist, se Datakvalitet"
    assert links(alert) == ["/datakvalitet?koersel=1"]
    assert alert.color == "info"
    # the same from the callback every page change calls
    monkeypatch.setenv("STALE_HOURS", "1000000")
    assert said(webapp.update_shell("/sager", "")[0]) == said(alert)


def test_load_with_warnings_counts_them(web_store: Engine) -> None:
    with web_store.begin() as conn:
        conn.execute(
            update(EtlRun).values(
                rows_rejected={"sager.csv": 1233, "klager.csv": 1},
                outcome={"code": "loaded", "rows_rejected": 1234, "problems": 1240, "errors": 1234},
            )
        )
    text = said(banner_at(web_store, SOON_AFTER))
    assert text == "Data pr. 21. nov. 2026 – 1.234 rækker afvist og 6 advarsler, se Datakvalitet"
    # a run stored before outcomes were data: its warnings are counted from its problems
    with web_store.begin() as conn:
        conn.execute(update(EtlRun).values(rows_rejected={}, outcome=None))
        conn.execute(update(Problem).where(Problem.line == 7).values(severity="warning"))
    assert said(banner_at(web_store, SOON_AFTER)) == (
        "Data pr. 21. nov. 2026 – 1 advarsel, se Datakvalitet"
    )


def test_refused_newest_run_names_it_and_the_last_good_load(web_store: Engine) -> None:
    add_run(web_store, 2, "refused", {"code": "refused", "rules": ["empty-file"]})
    alert = banner_at(web_store, SOON_AFTER)
    text = said(alert)
    assert text.startswith("Det nyeste udtræk (pr. 22. nov. 2026) blev afvist.")
    assert "Afvist: " in text and "intet indlæst" in text  # vocab.run_outcome_text
    assert (
        "Siderne viser data fra seneste gode indlæsning: data pr. 21. nov. 2026, "
        "indlæst 22. nov. 2026 kl. 02:05" in text
    )
    assert "rækker afvist" not in text  # one "data pr." line is enough
    assert links(alert) == ["/datakvalitet?koersel=2"]
    assert alert.color == "danger"


def test_failed_newest_run(web_store: Engine) -> None:
    add_run(web_store, 2, "failed", {"code": "failed", "error": "OperationalError"})
    text = said(banner_at(web_store, SOON_AFTER))
    assert "Indlæsningen af det nyeste udtræk (pr. 22. nov. 2026) fejlede." in text
    assert "Uventet fejl (OperationalError); intet indlæst" in text
    assert "data pr. 21. nov. 2026" in text


def test_a_later_good_load_clears_the_refusal(web_store: Engine) -> None:
    add_run(web_store, 2, "refused", {"code": "refused", "rules": ["empty-file"]})
    add_run(web_store, 3, "loaded", {"code": "loaded", "rows_rejected": 0, "problems": 0})
    status = data_quality.load_status(web_store, ALL)
    assert status.failed is None and status.current.run_id == 3


def test_stale_load(web_store: Engine) -> None:
    make_clean(web_store)
    alert = banner_at(web_store, LOADED_AT + dt.timedelta(hours=58))
    text = said(alert)
    assert text.startswith("Data er ikke opdateret. Seneste indlæsning: 22. nov. 2026 kl. 02:05")
    assert "(58 timer siden)" in text and alert.color == "warning"
    # stale and refused: both said, the refusal first
    add_run(web_store, 2, "refused", {"code": "refused", "rules": ["file-shrunk"]})
    alert = banner_at(web_store, LOADED_AT + dt.timedelta(hours=58))
    lines = [said(line) for line in alert.children]
    assert lines[0].startswith("Det nyeste udtræk") and lines[1].startswith("Data er ikke")


def test_no_load_yet(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", str(db_engine.url.render_as_string(hide_password=False)))
    assert "Der er ingen data endnu." in said(webapp.update_shell("/", "")[0])
    add_run(db_engine, 1, "refused", {"code": "refused", "rules": ["empty-file"]})
    text = said(banner_at(db_engine, SOON_AFTER))
    assert "blev afvist" in text and "Der er ingen tidligere indlæsning" in text
