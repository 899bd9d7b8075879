"""Benchmark the ETL load against a bare baseline (run by hand; prints figures).

For each scale (kbh, national) and store (SQLite, PostgreSQL):
- baseline: the same CSV files read with `pandas.read_csv(dtype=str)`, renamed,
  and bulk-inserted with `store.db.bulk_insert` into the same tables in one
  transaction, no validation;
- etl: `jobs.load.load_extract` into the empty store: read, stage, validate,
  load, run record, monitoring refresh, and the one-off three years of month-end
  history (computed in a second process while the extract is written);
- nightly: the next night's load (the extract of the day after) into that store:
  the steady state, with the history already stored.

Each measurement runs in its own subprocess on a fresh database; "peak MB" is
its max RSS, and the detail gives the peak of its memory summed with that of the
history process (sampled every 50 ms). Demo extracts are
generated once into data/bench/.

    .venv/bin/python bench/bench_load.py [--scale kbh|national|all] [--store sqlite|postgresql|all]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "data" / "bench"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "fristvagt_bench"
AS_OF = dt.date(2026, 11, 20)


def _extract(scale: str, as_of: dt.date = AS_OF) -> Path:
    out = (
        BENCH_DIR / f"extract-{scale}" if as_of == AS_OF else BENCH_DIR / f"extract-{scale}-{as_of}"
    )
    if (out / "manifest.csv").exists():
        return out
    from demo import write_demo_extract

    t = time.perf_counter()
    path = write_demo_extract(out, scale=scale, seed=1, as_of=as_of, error_rate=0.0)
    print(f"  generated {scale} demo extract in {time.perf_counter() - t:.1f}s: {path}")
    return Path(path)


def _fresh_url(store: str) -> str:
    if store == "sqlite":
        db = BENCH_DIR / "bench.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{db}"
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB


# ------------------------------------------------------------------ children
def _child_baseline(path: Path, url: str) -> dict[str, object]:
    import pandas as pd

    from etl import contract
    from store import db
    from store.models import DATA_MODELS

    engine = db.get_engine(url)
    db.init_db(engine)
    models = {m.__tablename__: m for m in DATA_MODELS}
    t0 = time.perf_counter()
    frames = {}
    for spec in contract.FILES:
        f = path / f"{spec.name}.csv"
        if not f.exists():
            continue
        with f.open(encoding="utf-8-sig") as fh:
            sep = ";" if ";" in fh.readline() else ","
        df = pd.read_csv(f, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df = df[[c for c in spec.danish_columns if c in df.columns]].rename(columns=spec.rename)
        for col in spec.columns:  # the bare minimum the store needs: dates as dates
            if col.type == contract.DATE and col.english in df.columns:
                s = df[col.english]
                out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
                for fmt in ("%d-%m-%Y", "%d.%m.%Y"):
                    out = out.fillna(pd.to_datetime(s, format=fmt, errors="coerce"))
                df[col.english] = out
            elif col.type == contract.BOOL and col.english in df.columns:
                df[col.english] = df[col.english].str.lower().isin(["j", "ja", "1", "true"])
        frames[spec.table] = df.replace("", None)
    t_read = time.perf_counter() - t0
    rows = 0
    with engine.begin() as conn:
        for table, df in frames.items():
            conn.execute(models[table].__table__.delete())
            rows += db.bulk_insert(conn, models[table], df)
    wall = time.perf_counter() - t0
    return {"rows": rows, "wall": wall, "read": t_read, "write": wall - t_read}


def _child_etl(path: Path, url: str) -> dict[str, object]:
    from jobs.load import load_extract
    from store import db

    engine = db.get_engine(url)
    db.init_db(engine)
    t0 = time.perf_counter()
    res = load_extract(path, engine=engine)
    wall = time.perf_counter() - t0
    rows = sum(res.rows_loaded.values()) + sum(res.rows_rejected.values())
    return {"rows": rows, "wall": wall, "status": res.status, "message": res.message, **res.timings}


def _child_nightly(path: Path, url: str) -> dict[str, object]:
    """The first night's load (not timed), then the next night's (timed)."""
    from jobs.load import load_extract
    from store import db

    first, following = str(path).split("|")
    engine = db.get_engine(url)
    db.init_db(engine)
    load_extract(Path(first), engine=engine)
    return _child_etl(Path(following), url)


def _child(kind: str, path: str, url: str) -> None:
    fn = {"baseline": _child_baseline, "etl": _child_etl, "nightly": _child_nightly}[kind]
    out = fn(Path(path) if kind != "nightly" else path, url)  # type: ignore[arg-type]
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the history process of a first load (its own memory: spawned, not forked)
    out["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("RESULT " + json.dumps(out, default=str))


def _tree_rss_mb(proc: psutil.Process) -> float:
    """Resident memory of a process and all its children (the history process too)."""
    total = 0
    with contextlib.suppress(psutil.Error):  # the process may end while we look
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    return total / 2**20


def _run(kind: str, path: Path | str, url: str) -> dict[str, float]:
    """One measurement in a child process; adds `tree_peak_mb`, the peak of the summed
    resident memory of the child and its own children, sampled every 50 ms."""
    proc = psutil.Popen(
        [sys.executable, __file__, "--child", kind, str(path), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(proc))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return {**json.loads(line[7:]), "tree_peak_mb": peak}
    raise RuntimeError(f"{kind} child failed:\n{err[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["kbh", "national", "all"], default="all")
    parser.add_argument("--store", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    scales = ["kbh", "national"] if args.scale == "all" else [args.scale]
    stores = ["sqlite", "postgresql"] if args.store == "all" else [args.store]
    print(f"{'scale':<9}{'store':<11}{'kind':<9}{'rows':>10}{'wall s':>9}{'rows/s':>10}"
          f"{'peak MB':>9}  detail")  # fmt: skip
    for scale in scales:
        path = _extract(scale)
        following = _extract(scale, AS_OF + dt.timedelta(days=1))
        for store in stores:
            base = _run("baseline", path, _fresh_url(store))
            etl = _run("etl", path, _fresh_url(store))
            nightly = _run("nightly", f"{path}|{following}", _fresh_url(store))
            mon = float(etl.get("refresh_monitoring", 0.0))
            etl_only = etl["wall"] - mon
            for kind, r in (("baseline", base), ("etl", etl), ("nightly", nightly)):
                detail = (
                    f"read {r['read']:.1f}s write {r['write']:.1f}s"
                    if kind == "baseline"
                    else f"status {r['status']}; prepare {r.get('prepare', 0):.1f}s "
                    f"write {r.get('write', 0):.1f}s "
                    f"refresh_monitoring {float(r.get('refresh_monitoring', 0)):.1f}s ("
                    + ", ".join(
                        f"{k.split('.', 1)[1]} {v:.1f}s"
                        for k, v in r.items()
                        if k.startswith("monitoring.")
                    )
                    + ")"
                    + f"; with the history process {r['tree_peak_mb']:.0f} MB at the peak"
                )
                print(
                    f"{scale:<9}{store:<11}{kind:<9}{int(r['rows']):>10}{r['wall']:>9.1f}"
                    f"{r['rows'] / max(r['wall'], 1e-9):>10.0f}{r['max_rss_mb']:>9.0f}  {detail}"
                )
            print(
                f"{'':<29}ratio to baseline: first load {etl['wall'] / base['wall']:.2f}x "
                f"({etl_only / base['wall']:.2f}x without the monitoring refresh), "
                f"nightly load {nightly['wall'] / base['wall']:.2f}x"
            )
            if etl["status"] != "loaded":
                print(f"{'':<29}etl message: {etl['message']}")


if __name__ == "__main__":
    main()
