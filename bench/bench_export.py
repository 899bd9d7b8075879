"""Export benchmark (run by hand): the full case list as CSV and XLSX from gunicorn.

    .venv/bin/python bench/bench_export.py --db postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/bench_export.py --db sqlite:////work/main/data/fristvagt.sqlite

Against a loaded store, with one gunicorn worker (so its memory is the export's),
logged in as a direktion user (every row): for `/eksport/sager.csv` and `.xlsx`
prints the rows, the time to the first byte, the total time, the size, and the
worker's peak resident memory during the request (sampled every 50 ms). Goal: the
CSV starts within 1 s and the worker stays under 300 MB. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_serve import login, start_gunicorn  # noqa: E402
from bench.bench_web import bench_user  # noqa: E402


def worker_rss(master: int) -> int:
    """The largest gunicorn worker's resident memory (bytes)."""
    sizes = []
    for child in psutil.Process(master).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            sizes.append(child.memory_info().rss)
    return max(sizes, default=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", required=True, help="a loaded store")
    args = ap.parse_args()
    name, password = bench_user(args.db)
    proc, base = start_gunicorn(args.db, workers=1, threads=2, timeout=600)
    try:
        session = login(base, name, password)
        session.get(base + "/sager", timeout=60)  # warm the worker
        print(f"store {args.db.split('@')[-1]}; one gunicorn worker")
        print(
            f"{'export':8} {'rows':>9} {'first byte s':>12} {'total s':>8} {'MB':>7} {'peak worker MB':>15}"
        )
        for ext in ("csv", "xlsx"):
            peak = [worker_rss(proc.pid)]
            done = threading.Event()

            def sample(peak: list[int] = peak, done: threading.Event = done) -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], worker_rss(proc.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            t0 = time.perf_counter()
            first = None
            size = 0
            lines = 0
            with session.get(f"{base}/eksport/sager.{ext}", stream=True, timeout=900) as r:
                r.raise_for_status()
                for chunk in r.iter_content(1 << 16):
                    if first is None:
                        first = time.perf_counter() - t0
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            total = time.perf_counter() - t0
            done.set()
            sampler.join()
            rows = f"{lines - 1:,}" if ext == "csv" else "-"
            print(
                f"{ext:8} {rows:>9} {first or 0:12.2f} {total:8.1f} {size / 1e6:7.1f} "
                f"{peak[0] / 1e6:15.0f}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
