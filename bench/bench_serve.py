"""Load test (run by hand): N simulated users against gunicorn on loopback.

    .venv/bin/python bench/bench_serve.py --db sqlite:////work/main/data/fristvagt.sqlite
    .venv/bin/python bench/bench_serve.py --db postgresql+psycopg://postgres@127.0.0.1/bench \\
        --users 50 --seconds 60 --workers 4

Starts `gunicorn -c gunicorn.conf.py app:server` against a store that is already
loaded (the real demo data: `etl demo` + `etl load`), logs each user in through the
login form, then every user loops for `--seconds`: open Overblik (the page, the shell's
callback and the page's layout callback) or page the Sager grid through its callback
with varied filters, sorts and blocks, with `--think` seconds between requests. Prints
requests, errors (by HTTP status), throughput and p50/p95/max per kind of request.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_web import bench_user  # noqa: E402
from tests.web import payloads  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(
    db: str, workers: int, threads: int, timeout: int = 120
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn (gunicorn.conf.py) against `db` on a free port, answering /healthz; its
    log in $TMPDIR/bench_gunicorn.log. Returns the process and the base URL."""
    import requests

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": str(workers),
        "WEB_THREADS": str(threads),
        "WEB_TIMEOUT": str(timeout),
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-session-key"),
    }
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_gunicorn_{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "app:server"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                break
        except OSError:
            time.sleep(0.2)
    return proc, base


def login(base: str, name: str, password: str) -> Any:
    import requests

    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    session.post(
        base + "/login",
        data={"username": name, "password": password, "csrf_token": token.group(1)},
        timeout=30,
    )
    return session


FAILURES: list[str] = []  # requests that got no answer, with the client's exception


def user_loop(
    base: str,
    session: Any,
    seed: int,
    until: float,
    think: float,
    centers: list[str],
    out: list[tuple[str, float, int]],
) -> None:
    """One simulated user until `until`: open Overblik (the page, the shell's callback,
    the page's layout) or page the Sager grid; `think` seconds between requests. Each
    request is recorded as (kind, seconds, HTTP status; 0 for no answer)."""
    rng = random.Random(seed)
    statuses = ["overskredet", "forfalder-14", "aaben", None]
    sorts = [[], [{"colId": "due_on", "sort": "asc"}], [{"colId": "caseworker", "sort": "asc"}]]

    def timed(kind: str, method: str, url: str, **kw: Any) -> None:
        token = session.cookies.get("_csrf_token") or ""
        t0 = time.perf_counter()
        try:
            status = session.request(
                method, base + url, headers={"X-CSRFToken": token}, timeout=60, **kw
            ).status_code
        except Exception as exc:  # no answer: kept to print
            status = 0
            FAILURES.append(f"{kind}: {exc!r}"[:300])
        out.append((kind, time.perf_counter() - t0, status))

    while time.monotonic() < until:
        if rng.random() < 0.4:
            timed("overblik GET /", "GET", "/")
            timed("overblik shell", "POST", "/_dash-update-component", json=payloads.shell("/"))
            timed(
                "overblik layout",
                "POST",
                "/_dash-update-component",
                json=payloads.page_layout("/"),
            )
        else:
            flt: dict[str, str] = {}
            if rng.random() < 0.5:
                flt["center"] = rng.choice(centers)
            status = rng.choice(statuses)
            if status:
                flt["status"] = status
            start = rng.choice([0, 0, 100, 200])
            payload = payloads.grid(flt, start, start + 100, rng.choice(sorts))
            timed("sager grid", "POST", "/_dash-update-component", json=payload)
        time.sleep(think)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", required=True, help="a loaded store")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    name, password = bench_user(args.db)
    import app  # noqa: F401  (the pages register on it: the payloads name their ids)
    from store import case_list
    from store.db import get_engine
    from store.scope import Scope

    centers = case_list.centers(get_engine(args.db), Scope.everything())
    proc, base = start_gunicorn(args.db, args.workers, args.threads)
    try:
        sessions = [login(base, name, password) for _ in range(args.users)]
        results: list[tuple[str, float, int]] = []
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=user_loop,
                args=(base, s, i, until, args.think, centers, results),
                daemon=True,
            )
            for i, s in enumerate(sessions)
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(
        f"{args.users} users, {args.seconds:g} s, think {args.think:g} s, gunicorn "
        f"{args.workers}x{args.threads}, store {args.db.split('@')[-1]}"
    )
    errors = [code for _, _, code in results if not 200 <= code < 400]
    print(
        f"requests {len(results)}, errors {len(errors)} {sorted(set(errors)) or ''}, "
        f"throughput {len(results) / wall:.1f} requests/s"
    )
    for failure in FAILURES[:3]:
        print("  no answer:", failure)
    print(f"{'request':16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind in [*sorted({k for k, _, _ in results}), "all"]:
        times = sorted(t * 1000 for k, t, _ in results if kind in (k, "all"))
        if not times:
            continue
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{kind:16} {len(times):6} {statistics.median(times):8.0f} {p95:8.0f} {times[-1]:8.0f}"
        )


if __name__ == "__main__":
    main()
