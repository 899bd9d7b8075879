"""Direktion: the headline, the small multiples, the table, and the PDF of every
trend chart (its pages, its words, its audit, the viewer's scope)."""

from __future__ import annotations

import io

import pandas as pd
from pypdf import PdfReader
from sqlalchemy import Engine, select

import app as webapp
from components import board, scorecard, urls
from components import format as fmt
from pages import direktion
from store import kpi_results
from store.models import AuditEvent
from store.scope import Scope
from tests.web.conftest import add_user, find, login, texts
from vocab import Role

ALL = Scope.everything()


def _results(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi": k, "center": c, "numerator": n, "denominator": d, "target": 0.95}
            | {"value": n / d if d else None}
            for k, c, n, d in rows
        ]
    )


def test_headline_counts_kpis_on_target_and_names_the_furthest_from_it() -> None:
    total = _results([("K1", "ALL", 96, 100), ("K3", "ALL", 70, 100), ("K6", "ALL", 0, 0)])
    per_center = _results(
        [("K1", "HCK", 48, 50), ("K3", "HCK", 27, 50), ("K3", "BFCK", 43, 50), ("K1", "RCK", 0, 0)]
    )
    got = board.headline(total, per_center, whole=True)
    assert got == "1 af 2 nøgletal på mål i hele forvaltningen; længst fra: HCK K3, 54 %"
    assert board.headline(total, per_center, whole=False).startswith(
        "1 af 2 nøgletal på mål i dine centre"
    )


def test_board_page_shows_headline_multiples_and_table(web_store: Engine) -> None:
    page = direktion.layout()
    total = kpi_results.kpi_overview(web_store, ALL, level="all")
    per_center = kpi_results.kpi_overview(web_store, ALL)
    assert texts(find(page, direktion.HEADLINE)) == board.headline(total, per_center, True)
    fig = find(page, direktion.MULTIPLES).figure
    kpis = sorted(per_center["kpi"].unique())
    centers = ["ALL", *sorted(per_center["center"].unique())]
    # one small chart per KPI and center: an axis pair each, a line where there are cases
    assert f"xaxis{len(kpis) * len(centers)}" in fig["layout"]
    counted = per_center[per_center["denominator"] > 0]
    lines = [t for t in fig["data"] if t["mode"] == "lines"]
    assert len(lines) >= len(counted)
    # the same figures as a table: the scorecard
    cell = find(page, {"type": scorecard.KPI_CELL, "kpi": "K3", "row": "HCK"})
    r = per_center[(per_center["kpi"] == "K3") & (per_center["center"] == "HCK")].iloc[0]
    assert f"{fmt.number(r['numerator'])} af {fmt.number(r['denominator'])}" in texts(cell)
    assert find(page, direktion.PDF_LINK).href == urls.EXPORT_TRENDS_PDF


def test_trend_pdf_has_a_page_per_kpi_and_is_audited(web_store: Engine, db_url: str) -> None:
    add_user(db_url, "dir", Role.DIRECTORATE)
    client = webapp.server.test_client()
    login(client, "dir")
    response = client.get(urls.EXPORT_TRENDS_PDF)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "fristvagt-udvikling-" in response.headers["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(response.get_data()))
    per_center = kpi_results.kpi_overview(web_store, ALL)
    kpis = sorted(per_center["kpi"].unique())
    assert len(pdf.pages) == 1 + len(kpis)
    first = pdf.pages[0].extract_text()
    total = kpi_results.kpi_overview(web_store, ALL, level="all")
    assert board.headline(total, per_center, True) in " ".join(first.split())
    for page, kpi in zip(pdf.pages[1:], kpis, strict=True):
        assert kpi in page.extract_text()
    with web_store.connect() as c:
        event = c.execute(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.username == "dir")
        ).all()[-1]
    assert event.action == "export" and event.detail["format"] == "pdf"


def test_a_center_chiefs_pdf_holds_only_the_center(web_store: Engine, db_url: str) -> None:
    add_user(db_url, "chef", Role.CENTER_CHIEF, center="SCK")
    client = webapp.server.test_client()
    login(client, "chef")
    pdf = PdfReader(io.BytesIO(client.get(urls.EXPORT_TRENDS_PDF).get_data()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "SCK" in text and "HCK" not in text and "BFCK" not in text
    assert "i dine centre" in text
