"""Web benchmark: callback p95 and page render time at kbh and national scale (run by hand).

    .venv/bin/python bench/bench_web.py --scale kbh                 # SQLite, 100k obligations
    .venv/bin/python bench/bench_web.py --scale national --db postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/bench_web.py --scale kbh --no-browser
    .venv/bin/python bench/bench_web.py --scale kbh --existing --db sqlite:////tmp/h9.sqlite  # a real load

Fills a fresh store with generated obligations (tests/web/sample.py), or with
`--existing` measures a store already loaded (`etl demo` + `etl load`: the
real demo data). Calls the pages' callbacks and the store's query functions
directly with varied filters (the results that only change with a load are
cached per load, components.cache: after the warm-up call they come from the
cache; the "uncached" lines time the same reads without it), and prints
p50/p95 per callback against the budget (100 ms kbh, 250 ms national). Then
serves the app and times each page in headless Chromium until fully rendered
(budget 1.5 s at kbh, 3 s at national). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# scale -> (sample obligations, callback p95 budget ms, page render budget s)
SCALES = {"kbh": (100_000, 100.0, 1.5), "national": (1_000_000, 250.0, 3.0)}
PAGES = (
    "/",
    "/?center=HCK",
    "/sager",
    "/sager?status=arbejdsliste",
    "/fristkalender",
    "/udvikling",
    "/direktion",
    "/sagsbehandlingsfrister",
    "/klager",
    "/datakvalitet",
    "/sag/{case}",  # the case with the most obligations
)


def build_store(url: str, rows: int) -> None:
    from sqlalchemy import create_engine, text

    from store.db import drop_all, get_engine, init_db
    from tests.web.sample import fill_store

    if url.startswith("postgresql"):
        base, name = url.rsplit("/", 1)
        admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = get_engine(url)
    drop_all(engine)
    init_db(engine)
    t0 = time.perf_counter()
    fill_store(engine, n_obligations=rows)
    if url.startswith("postgresql"):
        # steady state after a nightly load (autovacuum): visibility map + statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as c:
            c.execute(text("ANALYZE"))
    print(f"store filled with {rows:,} obligations in {time.perf_counter() - t0:.1f} s")


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench_callbacks(url: str, repeat: int, budget: float) -> None:
    os.environ["DATABASE_URL"] = url
    import app  # registers the pages, binds the per-load cache
    from components import board, urls
    from pages import direktion, fristkalender, klager, overblik, sag, sager, udvikling
    from store import case_list, kpi_results
    from store.db import get_engine
    from store.scope import Scope

    eng, scope = get_engine(url), Scope.everything()
    # the callbacks read the viewer from the request: a direktion user (every center)
    from flask import g

    from access.principal import Principal
    from vocab import Role

    context = app.server.test_request_context("/")
    context.push()
    g.principal = Principal("bench", Role.DIRECTORATE)
    rng = random.Random(1)
    opts = case_list.filter_options(eng, scope)
    centers = opts["centers"]
    teams = opts["teams"]["team"].tolist()
    workers = opts["caseworkers"]["caseworker_id"].tolist()
    statuses = ["overskredet", "forfalder-7", "forfalder-30", "aaben", "opfyldt", None]
    sorts = [
        [],
        [{"colId": "due_on", "sort": "asc"}],
        [{"colId": "caseworker", "sort": "asc"}],
        [{"colId": "days_overdue", "sort": "desc"}],
        [{"colId": "team", "sort": "desc"}],
    ]
    grid_filters = [
        {},
        {"caseworker": {"filterType": "text", "type": "contains", "filter": "1.2"}},
        {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 30}},
        {
            "due_on": {
                "filterType": "date",
                "type": "inRange",
                "dateFrom": "2026-12-01 00:00:00",
                "dateTo": "2027-01-31 00:00:00",
            }
        },
    ]

    def random_filters() -> dict[str, str]:
        f: dict[str, str] = {}
        pick = rng.random()
        if pick < 0.3:
            f["center"] = rng.choice(centers)
        elif pick < 0.5:
            f["team"] = rng.choice(teams)
        elif pick < 0.7:
            f["sagsbehandler"] = rng.choice(workers)
        elif pick < 0.8:
            f.update({"kpi": "K3", "center": rng.choice(centers), "resultat": "ikke-opfyldt"})
        status = rng.choice(statuses)
        if status and "kpi" not in f:
            f["status"] = status
        return f

    case_ids = busiest_cases(eng)

    def get_rows() -> None:
        start = rng.choice([0, 0, 100, 1000, 5000])
        req = {
            "startRow": start,
            "endRow": start + 100,
            "sortModel": rng.choice(sorts),
            "filterModel": rng.choice(grid_filters),
        }
        sager.get_rows(req, random_filters())

    cases: dict[str, Callable[[], Any]] = {
        "sager.get_rows (block of 100)": get_rows,
        "sager.layout (count + options)": lambda: sager.layout(**random_filters()),
        "overblik.layout": lambda: overblik.layout(center=rng.choice([None, *centers])),
        "fristkalender.layout": lambda: fristkalender.layout(center=rng.choice([None, *centers])),
        "udvikling.update_charts": lambda: udvikling.update_charts(
            ["K1", "K3"], rng.sample(centers, min(2, len(centers))), rng.choice(["12", "alle"])
        ),
        "klager.layout": lambda: klager.layout(center=rng.choice([None, *centers])),
        "direktion.layout": direktion.layout,
        "sag.layout (a case)": lambda: sag.layout(sag_id=rng.choice(case_ids)),
        "board.trend_pdf (every KPI)": lambda: trend_pdf(board, eng, scope),
        "case_list.list_count": lambda: case_list.list_count(
            eng, scope, urls.parse_list(random_filters()).filter
        ),
        "kpi_results.kpi_overview (uncached)": lambda: kpi_results.kpi_overview(eng, scope),
        "case_list.filter_options (uncached)": lambda: case_list.filter_options(eng, scope),
    }
    print(f"\n{'callback':38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  budget {budget:.0f} ms")
    for name, fn in cases.items():
        ms = timed(fn, repeat)
        p95 = statistics.quantiles(ms, n=20)[18] if len(ms) >= 20 else max(ms)
        flag = "ok" if p95 <= budget else "OVER"
        if name.startswith("board.trend_pdf"):
            flag = "(a download, not a callback: no budget)"
        print(f"{name:38} {statistics.median(ms):8.1f} {p95:8.1f} {max(ms):8.1f}  {flag}")


def busiest_cases(eng: Any, n: int = 50) -> list[str]:
    """The cases with the most obligations (the case page's worst case)."""
    from sqlalchemy import func, select

    from store.models import Obligation

    stmt = (
        select(Obligation.case_id)
        .group_by(Obligation.case_id)
        .order_by(func.count().desc(), Obligation.case_id)
        .limit(n)
    )
    with eng.connect() as conn:
        return [str(r[0]) for r in conn.execute(stmt)]


def trend_pdf(board: Any, eng: Any, scope: Any) -> bytes:
    """The Direktion PDF as its route builds it."""
    from store import runs

    got = board.board_data(eng, scope)
    title = board.headline(got["total"], got["per_center"], got["whole"])
    as_of = runs.current_as_of(eng)
    return board.trend_pdf(got["months"], got["kpis"], got["centers"], got["events"], title, as_of)


BENCH_USER = "bench-direktion"
BENCH_PASSWORD = "bench-adgangskode-1"


def bench_user(url: str) -> tuple[str, str]:
    """A direktion user in the store for the benchmark (created once)."""
    from access import users
    from store.access import get_user
    from store.db import get_engine
    from vocab import Role

    engine = get_engine(url)
    if get_user(engine, BENCH_USER) is None:
        users.add_user(engine, BENCH_USER, Role.DIRECTORATE, BENCH_PASSWORD, by="bench")
    else:
        users.set_password(engine, BENCH_USER, BENCH_PASSWORD, by="bench")
    return BENCH_USER, BENCH_PASSWORD


def login_browser(drv: Any, base: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    drv.get(base + "/login")
    drv.find_element(By.ID, "username").send_keys(name)
    drv.find_element(By.ID, "password").send_keys(password)
    drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(drv, 30).until(lambda d: "/login" not in d.current_url)


def bench_browser(url: str, repeat: int, budget: float) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1400,900",
    ):
        opts.add_argument(flag)
    drv = None
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        login_browser(drv, f"http://127.0.0.1:{port}", *bench_user(url))
        ready = (
            "return document.querySelector('h1') !== null"
            " && document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"
            " && (!document.getElementById('sager-grid')"
            "     || document.querySelectorAll('.ag-center-cols-container .ag-row .ag-cell').length > 0)"
            " && (!document.getElementById('direktion-multiples')"
            "     || document.querySelector('#direktion-multiples .main-svg') !== null)"
        )
        print(f"\n{'page':28} {'median s':>9} {'max s':>7}  budget {budget:g} s")
        from store.db import get_engine

        case_id = busiest_cases(get_engine(url), 1)[0]
        for path in (p.replace("{case}", case_id) for p in PAGES):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                drv.get(f"http://127.0.0.1:{port}{path}")
                WebDriverWait(drv, 30, poll_frequency=0.02).until(lambda d: d.execute_script(ready))
                times.append(time.perf_counter() - t0)
            flag = "ok" if statistics.median(times) <= budget else "OVER"
            print(f"{path:28} {statistics.median(times):9.2f} {max(times):7.2f}  {flag}")
    finally:
        if drv is not None:
            drv.quit()
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SCALES), default="kbh")
    ap.add_argument("--rows", type=int, help="obligations (default: by scale)")
    ap.add_argument("--db", help="store URL (default: a temp SQLite file)")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument(
        "--existing", action="store_true", help="measure the store at --db as it is (no sample)"
    )
    args = ap.parse_args()
    rows, budget, page_budget = SCALES[args.scale]
    rows = args.rows or rows
    if args.existing and not args.db:
        ap.error("--existing needs --db")
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    if args.existing:
        print(f"scale {args.scale}: the loaded store {url.split('@')[-1]}")
    else:
        print(f"scale {args.scale}: {rows:,} obligations, store {url.split('@')[-1]}")
        build_store(url, rows)
    bench_callbacks(url, args.repeat, budget)
    if not args.no_browser:
        bench_browser(url, max(3, args.repeat // 10), page_budget)


if __name__ == "__main__":
    main()
