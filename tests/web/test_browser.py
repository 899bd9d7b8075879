"""The app in a real headless Chromium, served from a subprocess against a small sample store."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from components import format as fmt
from store import case_list
from store.db import get_engine, init_db
from store.models import Obligation
from store.scope import Scope
from tests.web.conftest import PASSWORD, add_user
from tests.web.sample import fill_store
from vocab import Role

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ALL = Scope.everything()
PAGES = {
    "/": "Overblik",
    "/sager": "Sager",
    "/fristkalender": "Fristkalender",
    "/udvikling": "Udvikling",
    "/direktion": "Direktion",
    "/sagsbehandlingsfrister": "Sagsbehandlingsfrister",
    "/klager": "Klager og gennemgange",
    "/datakvalitet": "Datakvalitet",
}
WAIT = 20  # a generous upper bound for waits; not an assertion on speed
DESKTOP = {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}
LAPTOP = {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'browser.sqlite'}"
    engine = get_engine(url)
    init_db(engine)
    fill_store(engine, n_obligations=500)
    worker, center, team = busiest(engine)
    add_user(url, "dir", Role.DIRECTORATE)
    add_user(url, "sb", Role.CASEWORKER, center=center, team=team, caseworker_id=worker)
    add_user(url, "chef", Role.CENTER_CHIEF, center="HCK")
    return url


def busiest(engine: Any) -> tuple[str, str, str]:
    """The caseworker with the most obligations: (id, center, team)."""
    with engine.connect() as c:
        row = c.execute(
            select(Obligation.caseworker_id, Obligation.center, Obligation.team)
            .where(Obligation.caseworker_id != "ufordelt")
            .group_by(Obligation.caseworker_id, Obligation.center, Obligation.team)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    return str(row[0]), str(row[1]), str(row[2])


def browser_login(drv: WebDriver, base: str, name: str, password: str = PASSWORD) -> None:
    """Log the browser in through the login form (a fresh session)."""
    with contextlib.suppress(Exception):  # the app may still be starting
        drv.get(base + "/logout")  # ends any session (its cookie is emptied)
    drv.delete_all_cookies()
    deadline = time.monotonic() + WAIT
    while True:  # the app may still be starting in its own process
        drv.get(base + "/login")
        if drv.find_elements(By.ID, "username") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    drv.find_element(By.ID, "username").send_keys(name)
    drv.find_element(By.ID, "password").send_keys(password)
    drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    try:
        WebDriverWait(drv, WAIT).until(lambda d: "/login" not in d.current_url)
    except Exception as exc:
        raise AssertionError(
            f"login as {name} failed: {drv.find_element(By.TAG_NAME, 'main').text}"
        ) from exc


@pytest.fixture(scope="module")
def server(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in its own process. Its output goes to a file, never to a pipe nobody reads
    (a full pipe buffer would block the app's logging, and with it every request)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": store_url, "PORT": str(port), "HOST": "127.0.0.1"}
    log_path = tmp_path_factory.mktemp("app") / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(log_path.read_text(errors="replace")) from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not listen:\n" + log_path.read_text(errors="replace"))
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path, server: str) -> Iterator[WebDriver]:
    """Chromium, logged in as a direktion user (every center)."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        opts.add_argument(flag)
    opts.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)
    drv.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        browser_login(drv, server, "dir")
        yield drv
    finally:
        drv.quit()


@pytest.fixture(scope="module")
def shots() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/fristvagt-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def severe(drv: WebDriver) -> list[dict[str, str]]:
    return [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]


def settled(drv: WebDriver) -> None:
    """Wait until Dash has no callback in flight."""
    WebDriverWait(drv, WAIT).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"
            " && document.querySelector('h1') !== null"
        )
    )
    time.sleep(0.3)


def open_page(drv: WebDriver, url: str) -> None:
    drv.get(url)
    WebDriverWait(drv, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
    settled(drv)


def count_text(drv: WebDriver) -> str:
    return drv.find_element(By.ID, "sager-count").text


def count_of(text: str) -> int:
    return int(text.split()[0].replace(".", ""))


ROWS_JS = """
return Array.from(document.querySelectorAll('.ag-center-cols-container .ag-row'))
  .filter(r => r.querySelector('.ag-cell') && !r.classList.contains('ag-row-loading'))
  .map(r => Object.fromEntries(Array.from(r.querySelectorAll('.ag-cell'))
    .map(c => [c.getAttribute('col-id'), c.innerText.trim()])));
"""


def grid_rows(drv: WebDriver) -> list[dict[str, str]]:
    """The grid's rendered rows (read in one script: no stale elements while it re-renders)."""
    WebDriverWait(drv, WAIT).until(
        lambda d: [r for r in d.execute_script(ROWS_JS) if r.get("case_id")]
    )
    time.sleep(0.3)
    return [r for r in drv.execute_script(ROWS_JS) if r.get("case_id")]


@pytest.mark.parametrize("path", list(PAGES))
def test_page_loads_without_console_errors(
    server: str, driver: WebDriver, shots: Path, path: str
) -> None:
    driver.get_log("browser")  # drop earlier entries
    open_page(driver, server + path)
    if path == "/sager":
        assert grid_rows(driver)
    h1 = driver.find_element(By.TAG_NAME, "h1").text
    assert h1 == PAGES[path]
    name = path.strip("/") or "overblik"
    driver.save_screenshot(str(shots / f"{name}.png"))
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Error" not in body and "Traceback" not in body
    assert severe(driver) == []


def test_card_number_opens_exactly_those_cases(
    server: str, driver: WebDriver, store_url: str
) -> None:
    open_page(driver, server + "/?center=HCK")
    card = next(
        c for c in driver.find_elements(By.CSS_SELECTOR, ".kpi-tile") if c.text.startswith("K3")
    )
    link = card.find_element(By.PARTIAL_LINK_TEXT, "ikke opfyldt")
    missing = count_of(link.text)
    assert missing > 0
    link.click()
    WebDriverWait(driver, WAIT).until(lambda d: "/sager" in d.current_url)
    settled(driver)
    assert "kpi=K3" in driver.current_url and "resultat=ikke-opfyldt" in driver.current_url
    WebDriverWait(driver, WAIT).until(lambda d: count_of(count_text(d)) == missing)
    rows = grid_rows(driver)
    assert {r["met"] for r in rows} == {"✖ Ikke opfyldt"}
    assert {r["center"] for r in rows} == {"HCK"}


def test_filter_control_narrows_list_and_writes_url(
    server: str, driver: WebDriver, store_url: str
) -> None:
    open_page(driver, server + "/sager")
    before = count_of(count_text(driver))
    driver.find_element(By.ID, "sager-status").click()
    option = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[role=option] input[value=overskredet]")
    )
    option.find_element(By.XPATH, "./ancestor::label").click()
    WebDriverWait(driver, WAIT).until(lambda d: "status=overskredet" in d.current_url)
    settled(driver)
    expected = case_list.list_count(
        get_engine(store_url), ALL, case_list.ListFilter(status="overskredet")
    )
    WebDriverWait(driver, WAIT).until(lambda d: count_of(count_text(d)) == expected)
    assert 0 < expected < before
    assert count_text(driver) == fmt.count_label(expected, "forpligtelse", "forpligtelser")
    assert {r["status"] for r in grid_rows(driver)} == {"✖ Overskredet"}


def test_url_with_filters_opens_filtered_list(
    server: str, driver: WebDriver, store_url: str
) -> None:
    open_page(driver, server + "/sager?center=HCK&status=overskredet&type=follow-up")
    flt = case_list.ListFilter(center="HCK", status="overskredet", kind="follow-up")
    expected = case_list.list_count(get_engine(store_url), ALL, flt)
    assert count_of(count_text(driver)) == expected > 0
    rows = grid_rows(driver)
    assert {r["center"] for r in rows} == {"HCK"}
    assert {r["kind"] for r in rows} == {"Opfølgning"}
    assert "HCK" in driver.find_element(By.ID, "sager-center").text
    assert "Overskredne frister – Opfølgning – HCK" in driver.find_element(By.TAG_NAME, "body").text


def test_a_link_not_understood_says_so(server: str, driver: WebDriver, store_url: str) -> None:
    open_page(driver, server + "/sager?status=overdue&center=HCK")
    note = driver.find_element(By.ID, "sager-not-understood").text
    assert note == "Ikke forstået i linket: status=overdue"
    expected = case_list.list_count(get_engine(store_url), ALL, case_list.ListFilter(center="HCK"))
    assert count_of(count_text(driver)) == expected


def test_export_downloads_the_filtered_list(
    server: str, driver: WebDriver, store_url: str, downloads: Path
) -> None:
    open_page(driver, server + "/sager?center=SCK&status=overskredet")
    expected = case_list.list_export(
        get_engine(store_url), ALL, case_list.ListFilter(center="SCK", status="overskredet")
    )
    assert count_of(count_text(driver)) == len(expected) > 0
    driver.find_element(By.ID, "sager-export-csv").click()
    WebDriverWait(driver, WAIT).until(lambda d: list(downloads.glob("fristvagt-sager-*.csv")))
    path = next(downloads.glob("fristvagt-sager-*.csv"))
    WebDriverWait(driver, WAIT).until(lambda d: path.stat().st_size > 0)
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str)
    assert len(df) == len(expected)
    assert sorted(df["Sag"]) == sorted(expected["case_id"])
    assert set(df["Center"]) == {"SCK"} and set(df["Status"]) == {"Overskredet"}


def test_logged_out_browser_gets_the_login_page(server: str, driver: WebDriver) -> None:
    try:
        driver.delete_all_cookies()
        driver.get(server + "/sager?center=SCK")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "username"))
        assert "/login?next=/sager?center=SCK" in driver.current_url
        assert "sager-grid" not in driver.page_source
    finally:
        browser_login(driver, server, "dir")


def test_caseworker_sees_only_own_cases(server: str, driver: WebDriver, store_url: str) -> None:
    worker, _center, _team = busiest(get_engine(store_url))
    try:
        browser_login(driver, server, "sb")
        # a caseworker lands on their own work list
        WebDriverWait(driver, WAIT).until(lambda d: "/sager" in d.current_url)
        assert "status=arbejdsliste" in driver.current_url
        open_page(driver, server + "/sager")  # all their cases, asked for without a filter
        rows = grid_rows(driver)
        own = case_list.list_export(
            get_engine(store_url), ALL, case_list.ListFilter(caseworker=worker)
        )
        assert count_of(count_text(driver)) == len(own) > 0
        assert {r["case_id"] for r in rows} <= set(own["case_id"])
        # another center asked for in the URL is not theirs: not understood, own cases only
        other = "HCK" if own["center"].iloc[0] != "HCK" else "SCK"
        open_page(driver, server + f"/sager?center={other}")
        assert count_of(count_text(driver)) == len(own)
        assert "Ikke forstået" in driver.find_element(By.ID, "sager-not-understood").text
    finally:
        browser_login(driver, server, "dir")


def test_case_page_from_the_list(server: str, driver: WebDriver, store_url: str) -> None:
    engine = get_engine(store_url)
    worker, _center, _team = busiest(engine)
    try:
        browser_login(driver, server, "sb")
        open_page(driver, server + "/sager?status=overskredet")
        first = grid_rows(driver)[0]["case_id"]
        link = driver.find_element(
            By.CSS_SELECTOR, '.ag-center-cols-container .ag-cell[col-id="case_id"] a'
        )
        assert link.text == first
        link.click()
        WebDriverWait(driver, WAIT).until(lambda d: f"/sag/{first}" in d.current_url)
        settled(driver)
        assert driver.find_element(By.TAG_NAME, "h1").text == f"Sag {first}"
        table = driver.find_element(By.ID, "sag-obligations")
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        with engine.connect() as c:
            stored = c.execute(
                select(func.count()).select_from(Obligation).where(Obligation.case_id == first)
            ).scalar_one()
        assert len(rows) == stored > 0
        # every deadline says what it was counted from, its date and its rule
        assert all("→ frist" in r.text for r in rows), [r.text for r in rows]
        # a case of another caseworker is not there for this one
        with engine.connect() as c:
            foreign = c.execute(
                select(Obligation.case_id).where(Obligation.caseworker_id != worker).limit(1)
            ).scalar_one()
        open_page(driver, server + f"/sag/{foreign}")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Sagen blev ikke fundet"
    finally:
        browser_login(driver, server, "dir")


def test_center_chief_sees_the_center(server: str, driver: WebDriver, store_url: str) -> None:
    try:
        browser_login(driver, server, "chef")
        WebDriverWait(driver, WAIT).until(lambda d: "center=HCK" in d.current_url)
        open_page(driver, server + "/sager")
        rows = grid_rows(driver)
        expected = case_list.list_count(
            get_engine(store_url), ALL, case_list.ListFilter(center="HCK")
        )
        assert count_of(count_text(driver)) == expected > 0
        assert {r["center"] for r in rows} == {"HCK"}
    finally:
        browser_login(driver, server, "dir")


def test_grid_speaks_danish(server: str, driver: WebDriver) -> None:
    open_page(driver, server + "/sager?center=SCK")
    grid_rows(driver)
    button = driver.find_element(
        By.CSS_SELECTOR,
        '.ag-header-cell[col-id="case_id"] .ag-header-cell-filter-button, '
        '.ag-header-cell[col-id="case_id"] .ag-header-cell-menu-button',
    )
    driver.execute_script("arguments[0].click()", button)
    menu = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".ag-filter, .ag-menu")
    )
    text = menu[0].get_attribute("innerText") + " ".join(
        o.get_attribute("innerText")
        for o in driver.find_elements(By.CSS_SELECTOR, ".ag-select, .ag-picker-field")
    )
    assert "Nulstil" in text or "Indeholder" in text, text
    assert "Contains" not in text and "Reset" not in text


def test_a_laptop_screen_shows_at_least_15_rows(server: str, driver: WebDriver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", LAPTOP)
    try:
        open_page(driver, server + "/sager")
        grid_rows(driver)
        seen = driver.execute_script(
            """
            const body = document.querySelector('.ag-body-viewport').getBoundingClientRect();
            const bottom = Math.min(body.bottom, window.innerHeight);
            return Array.from(document.querySelectorAll('.ag-center-cols-container .ag-row'))
              .filter(r => { const b = r.getBoundingClientRect();
                             return b.top >= body.top && b.bottom <= bottom + 1; }).length;
            """
        )
        # (the sample store's load banner is up, too: stale data and rejected rows)
        assert seen >= 15, seen
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)


def test_sort_by_caseworker_name(server: str, driver: WebDriver) -> None:
    open_page(driver, server + "/sager?center=HCK")
    grid_rows(driver)
    header = driver.find_element(
        By.CSS_SELECTOR, '.ag-header-cell[col-id="caseworker"] .ag-header-cell-label'
    )
    header.click()  # ascending
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, '.ag-header-cell[col-id="caseworker"][aria-sort="ascending"]'
        )
    )
    time.sleep(1.0)
    names = [r["caseworker"] for r in grid_rows(driver)]
    assert len(names) > 5 and names == sorted(names), names[:10]


def test_udvikling_url_state(server: str, driver: WebDriver) -> None:
    open_page(driver, server + "/udvikling?kpi=K3&center=HCK&periode=alle")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot"))
    settled(driver)
    graphs = driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")
    assert len(graphs) == 1
    title = driver.execute_script("return arguments[0].layout.title.text", graphs[0])
    assert title.startswith("K3")
    names = driver.execute_script("return arguments[0].data.map(t => t.name)", graphs[0])
    assert "HCK" in names and not [n for n in names if n.startswith("BFCK")]
    assert "kpi=K3" in driver.current_url and "periode=alle" in driver.current_url


def test_shared_link_restores_column_filters_and_sort(
    server: str, driver: WebDriver, store_url: str
) -> None:
    from urllib.parse import quote

    column_filter = {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 30}}
    sort = [{"colId": "due_on", "sort": "asc"}]
    link = (
        server
        + "/sager?center=HCK&kolonnefilter="
        + quote(json.dumps(column_filter))
        + "&sortering="
        + quote(json.dumps(sort))
    )
    open_page(driver, link)
    rows = grid_rows(driver)
    expected = case_list.list_count(
        get_engine(store_url), ALL, case_list.ListFilter(center="HCK"), column_filter
    )
    assert count_of(count_text(driver)) == expected > 0
    assert all(int(r["days_overdue"]) > 30 for r in rows)
    assert driver.find_elements(
        By.CSS_SELECTOR, '.ag-header-cell[col-id="due_on"][aria-sort="ascending"]'
    )
    # sorting another column writes the link: opened again, it is the same list
    header = driver.find_element(
        By.CSS_SELECTOR, '.ag-header-cell[col-id="caseworker"] .ag-header-cell-label'
    )
    header.click()
    WebDriverWait(driver, WAIT).until(lambda d: "caseworker" in d.current_url)
    assert "kolonnefilter" in driver.current_url and "Nulstil filtre" in driver.page_source


def test_skip_link_is_the_first_stop_and_leads_to_main(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.keys import Keys

    open_page(driver, server + "/")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.text == "Spring til indhold"
    active.send_keys(Keys.ENTER)
    assert driver.execute_script("return document.querySelectorAll('main#main h1').length") == 1
