"""End to end, as an operator and a user would run it: the demo extract written by
`python -m etl demo --scale tiny`, loaded by `python -m etl load`, and the pages
(Overblik, Sager, Udvikling) show exactly the numbers `python -m monitoring kpis
--json` prints for the same store. On SQLite and PostgreSQL; one check in a real
headless Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components import format as fmt
from components import trend, urls
from components.scorecard import KPI_CELL, KPI_TILE
from store.case_list import MemberResult
from tests.web.conftest import find, texts

ROOT = Path(__file__).resolve().parent.parent


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def load_tiny_demo(url: str, out: Path) -> tuple[str, list[dict[str, Any]]]:
    """Write and load the tiny demo with the command lines; the extract date and
    what `monitoring kpis --json` prints for it."""
    demo = _cli(url, "etl", "demo", "--out", str(out), "--scale", "tiny")
    assert demo.returncode == 0, demo.stderr
    load = _cli(url, "etl", "load", str(out))
    assert load.returncode == 0, load.stdout + load.stderr
    status = json.loads(_cli(url, "etl", "status", "--json").stdout)
    assert status["status"] == "loaded"
    as_of = status["extract_date"]
    kpis = _cli(url, "monitoring", "kpis", "--as-of", as_of, "--json")
    assert kpis.returncode == 0, kpis.stderr
    return as_of, json.loads(kpis.stdout)


def counted(kpis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-center results that count at least one case (those get a card)."""
    return [r for r in kpis if r["center"] != "ALL" and r["denominator"]]


request_context: list[Any] = []


@pytest.fixture(autouse=True)
def _pop_request_context() -> Any:
    yield
    while request_context:
        request_context.pop().pop()


def demo_password(url: str) -> str:
    """`python -m access demo-users` as bin/run runs it: the password it prints once."""
    made = _cli(url, "access", "demo-users")
    assert made.returncode == 0, made.stderr
    return made.stdout.rsplit("(shown this once): ", 1)[1].strip()


def test_the_pages_show_what_the_command_line_prints(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of, kpis = load_tiny_demo(db_url, tmp_path / "extract")
    rows = counted(kpis)
    # the tiny demo has cases for every KPI family, so this checks something real
    assert {r["kpi"] for r in rows} >= {
        "K1",
        "K2",
        "K3",
        "K4a",
        "K4b",
        "K5",
        "K6",
        "K7a",
        "K7b",
        "K8",
    }
    assert len({r["center"] for r in rows}) == 4
    monkeypatch.setenv("DATABASE_URL", db_url)
    from flask import g

    import app  # the Dash app registers the pages
    from access.principal import Principal
    from pages import overblik, sager, udvikling
    from vocab import Role

    # the pages as a direktion user sees them (every center)
    context = app.server.test_request_context("/")
    context.push()
    g.principal = Principal("e2e", Role.DIRECTORATE)
    request_context.append(context)

    # Overblik: a scorecard cell per KPI and center, and a tile on the center's own
    # screen, with the CLI's numerator, denominator, value and cases not met
    page = overblik.layout()
    center_pages = {c: overblik.layout(center=c) for c in {r["center"] for r in rows}}
    for r in rows:
        cell = find(page, {"type": KPI_CELL, "kpi": r["kpi"], "row": r["center"]})
        assert cell is not None, (r["kpi"], r["center"])
        shown = texts(cell)
        assert f"{fmt.number(r['numerator'])} af {fmt.number(r['denominator'])}" in shown
        assert fmt.percent(r["value"], r["denominator"], r["target"]) in shown
        tile = find(
            center_pages[r["center"]], {"type": KPI_TILE, "kpi": r["kpi"], "center": r["center"]}
        )
        missing = r["denominator"] - r["numerator"]
        assert f"{fmt.number(missing)} ikke opfyldt" in texts(tile)

    # Sager: the list behind a card has the card's denominator; its misses are the misses
    for r in rows:
        everyone = urls.list_query(urls.parse_list({"kpi": r["kpi"], "center": r["center"]}).filter)
        misses = {**everyone, urls.RESULT: MemberResult.NOT_MET.value}
        request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
        response, _count, _ = sager.get_rows(request, everyone)
        assert response["rowCount"] == r["denominator"], (r["kpi"], r["center"])
        response, _count, _ = sager.get_rows(request, misses)
        assert response["rowCount"] == r["denominator"] - r["numerator"], (r["kpi"], r["center"])

    # Udvikling: the point of the extract's month is the CLI's figure
    for kpi in sorted({r["kpi"] for r in kpis}):
        expected = {r["center"]: r for r in kpis if r["kpi"] == kpi and r["denominator"]}
        charts = udvikling.update_charts([kpi], sorted(expected), "12")
        graph = find(charts, {"type": udvikling.TREND_GRAPH, "kpi": kpi})
        assert graph is not None, kpi
        lines = [
            t
            for t in graph.figure["data"]
            if not t["name"].endswith((trend.SCENARIO, trend.PROJECTION))
        ]
        assert len(lines) == len(expected)
        for trace in lines:
            assert trace["x"][-1] == as_of
            center = next(c for c in expected if trace["name"] in (c, _short(c)))
            r = expected[center]
            assert trace["y"][-1] == pytest.approx(r["value"], abs=1e-6)
            assert (
                f"({fmt.number(r['numerator'])} af {fmt.number(r['denominator'])})"
                in trace["text"][-1]
            )


def _short(center: str) -> str:
    from components import labels

    return labels.center_short(center)


@pytest.mark.browser
def test_a_browser_shows_the_command_lines_numbers(tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.web.test_browser import CHROMEDRIVER, CHROMIUM, _free_port, browser_login

    url = f"sqlite:///{tmp_path / 'e2e.sqlite'}"
    _as_of, kpis = load_tiny_demo(url, tmp_path / "extract")
    password = demo_password(url)
    r = max(counted(kpis), key=lambda row: row["denominator"])
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1"}
    log_path = tmp_path / "app.log"
    with log_path.open("wb") as log:  # a file, never a pipe nobody reads
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        card_id = json.dumps(
            {"kpi": r["kpi"], "row": r["center"], "type": KPI_CELL}, separators=(",", ":")
        )
        for _ in range(100):  # the app starts in its own process
            if proc.poll() is not None:
                raise RuntimeError(log_path.read_text(errors="replace"))
            try:
                drv.get(f"http://127.0.0.1:{port}/login")
                break
            except Exception:
                import time

                time.sleep(0.2)
        browser_login(drv, f"http://127.0.0.1:{port}", "direktion", password)
        card = WebDriverWait(drv, 30).until(
            lambda d: d.execute_script("return document.getElementById(arguments[0])", card_id)
        )
        assert f"{fmt.number(r['numerator'])} af {fmt.number(r['denominator'])}" in card.text
        assert fmt.percent(r["value"], r["denominator"], r["target"]) in card.text
    finally:
        drv.quit()
        proc.terminate()
        proc.wait(timeout=10)
