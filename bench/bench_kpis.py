"""Benchmark (by hand): `evaluate` for one date at kbh and national scale, and the
36-month backfill at kbh. Prints wall times.

    .venv/bin/python bench/bench_kpis.py [--source synthetic|demo]

Data: the demo generator `demo.write_demo_extract` + the ETL's reader when
they are available and --source demo is given; otherwise synthetic frames of the
right sizes (kbh ~23k cases, ~60k measures, ~150k follow-ups; national 15x),
generated here, vectorised.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitoring import evaluate, history, load_rules  # noqa: E402
from monitoring.calendar import month_ends_before  # noqa: E402

AS_OF = dt.date(2013, 6, 30)
SCALES = {"kbh": 1, "national": 15}
CENTERS = np.array(["BFCK", "HCK", "SCK", "RCK"])
CHILD_CODES = np.array(["SEL52.3.1", "SEL52.3.3", "SEL52.3.7", "SEL52.3.9", "SEL52.3.2"])
ADULT_CODES = np.array(["SEL85", "SEL107", "SEL108", "SEL110", "SEL109", "SEL83"])
BENEFITS = np.array(["SEL41", "SEL42", "SEL83", "SEL85", "SEL100", "SEL112", "SEL114", "XYZ"])


def _days(rng: np.random.Generator, start: pd.Timestamp, span: int, n: int) -> np.ndarray:
    return (start + pd.to_timedelta(rng.integers(0, span, n), unit="D")).to_numpy()


def synthetic(scale: int, seed: int = 1, as_of: dt.date = AS_OF) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(as_of)
    t0 = t - pd.Timedelta(days=6 * 365)
    nc = 23_000 * scale
    case_ids = pd.array([f"S{i:08d}" for i in range(nc)], dtype="string")
    child = rng.random(nc) < 0.55
    center = np.where(
        child, np.where(rng.random(nc) < 0.7, "BFCK", "HCK"), CENTERS[2 + rng.integers(0, 2, nc)]
    )
    opened = _days(rng, t0, 6 * 365, nc)
    closed = pd.Series(opened + pd.to_timedelta(rng.integers(30, 3000, nc), unit="D").to_numpy())
    closed = closed.where(closed <= t)
    cw = pd.array([f"sb{i}" for i in rng.integers(0, 400 * scale, nc)], dtype="string")
    cw[rng.random(nc) < 0.02] = pd.NA
    cases = pd.DataFrame(
        {
            "case_id": case_ids,
            "cpr": pd.array(["010190-1234"] * nc, dtype="string"),
            "target_group": pd.array(np.where(child, "born", "voksen"), dtype="string"),
            "center": pd.array(center, dtype="string"),
            "team": pd.array([f"Team {i}" for i in rng.integers(0, 8, nc)], dtype="string"),
            "caseworker_id": cw,
            "opened_on": opened.astype("datetime64[ns]"),
            "closed_on": closed.astype("datetime64[ns]"),
            "acute": rng.random(nc) < 0.05,
        }
    )
    nm = 60_000 * scale
    mc = rng.integers(0, nc, nm)
    m_child = child[mc]
    codes = np.where(
        m_child,
        CHILD_CODES[rng.integers(0, len(CHILD_CODES), nm)],
        ADULT_CODES[rng.integers(0, len(ADULT_CODES), nm)],
    )
    start = pd.Series(opened[mc] + pd.to_timedelta(rng.integers(0, 900, nm), unit="D").to_numpy())
    end = start + pd.to_timedelta(rng.integers(30, 1500, nm), unit="D")
    start = start.where(start <= t, t)
    end = end.where(end <= t)
    measures = pd.DataFrame(
        {
            "measure_id": pd.array([f"F{i:09d}" for i in range(nm)], dtype="string"),
            "case_id": case_ids[mc],
            "paragraph": pd.array(codes, dtype="string"),
            "title": pd.array([pd.NA] * nm, dtype="string"),
            "decided_on": (start - pd.Timedelta(days=7)).astype("datetime64[ns]"),
            "start_on": start.astype("datetime64[ns]"),
            "end_on": end.astype("datetime64[ns]"),
        }
    )
    nf = 150_000 * scale
    fm = rng.integers(0, nm, nf)
    f_done = (
        measures["start_on"].to_numpy()[fm]
        + pd.to_timedelta(rng.integers(0, 1200, nf), unit="D").to_numpy()
    )
    f_done = np.minimum(f_done, t.to_datetime64())
    mid = measures["measure_id"].to_numpy()[fm].astype(object)
    mid[rng.random(nf) < 0.1] = pd.NA
    follow_ups = pd.DataFrame(
        {
            "follow_up_id": pd.array([f"O{i:09d}" for i in range(nf)], dtype="string"),
            "case_id": measures["case_id"].to_numpy()[fm],
            "measure_id": pd.array(mid, dtype="string"),
            "done_on": f_done.astype("datetime64[ns]"),
            "form": pd.array(["telefon"] * nf, dtype="string"),
            "next_due_on": pd.Series(pd.NaT, index=range(nf), dtype="datetime64[ns]"),
        }
    )
    npl = 20_000 * scale
    pc = rng.integers(0, nc, npl)
    made = pd.Series(opened[pc] + pd.to_timedelta(rng.integers(0, 200, npl), unit="D").to_numpy())
    action_plans = pd.DataFrame(
        {
            "plan_id": pd.array([f"H{i:08d}" for i in range(npl)], dtype="string"),
            "case_id": case_ids[pc],
            "made_on": made.where(made <= t).astype("datetime64[ns]"),
            "revised_on": pd.Series(pd.NaT, index=range(npl), dtype="datetime64[ns]"),
            "offered_on": made.where(made <= t).astype("datetime64[ns]"),
            "declined": rng.random(npl) < 0.1,
        }
    )
    ni = 8_000 * scale
    ic = rng.integers(0, nc, ni)
    istart = pd.Series(_days(rng, t0, 6 * 365, ni))
    idone = istart + pd.to_timedelta(rng.integers(20, 200, ni), unit="D")
    investigations = pd.DataFrame(
        {
            "investigation_id": pd.array([f"U{i:08d}" for i in range(ni)], dtype="string"),
            "case_id": case_ids[ic],
            "start_on": istart.astype("datetime64[ns]"),
            "completed_on": idone.where(idone <= t).astype("datetime64[ns]"),
        }
    )
    na = 30_000 * scale
    ac = rng.integers(0, nc, na)
    recv = pd.Series(_days(rng, t0, 6 * 365, na))
    dec = recv + pd.to_timedelta(rng.integers(5, 150, na), unit="D")
    applications = pd.DataFrame(
        {
            "application_id": pd.array([f"A{i:08d}" for i in range(na)], dtype="string"),
            "case_id": case_ids[ac],
            "benefit": pd.array(BENEFITS[rng.integers(0, len(BENEFITS), na)], dtype="string"),
            "received_on": recv.astype("datetime64[ns]"),
            "decided_on": dec.where(dec <= t).astype("datetime64[ns]"),
            "letter_sent_on": pd.Series(pd.NaT, index=range(na), dtype="datetime64[ns]"),
        }
    )
    return {
        "cases": cases,
        "measures": measures,
        "action_plans": action_plans,
        "follow_ups": follow_ups,
        "investigations": investigations,
        "applications": applications,
    }


def demo(scale: str, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Demo extract -> the ETL's staging (`etl.prepare.prepare`), as the nightly load sees it."""
    import tempfile

    from demo import write_demo_extract
    from etl.prepare import prepare

    out = Path(tempfile.mkdtemp()) / scale
    t0 = time.perf_counter()
    write_demo_extract(out, scale=scale, seed=1, as_of=as_of)
    prep = prepare(out, as_of=as_of)
    print(f"  (demo extract written and prepared in {time.perf_counter() - t0:.1f} s)")
    return dict(prep.frames)


def timed(label: str, fn: object) -> object:
    t0 = time.perf_counter()
    res = fn()  # type: ignore[operator]
    print(f"{label:<44} {time.perf_counter() - t0:8.2f} s", flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", choices=["synthetic", "demo"], default="synthetic")
    ap.add_argument("--skip-national", action="store_true")
    args = ap.parse_args()
    rules = load_rules()
    for scale in ("kbh", "national"):
        if scale == "national" and args.skip_national:
            continue
        data = demo(scale, AS_OF) if args.source == "demo" else synthetic(SCALES[scale])
        sizes = ", ".join(f"{k} {len(v):,}" for k, v in data.items())
        print(f"[{scale}] {sizes}")
        timed(f"evaluate one date ({scale}), first call", lambda d=data: evaluate(d, AS_OF, rules))
        ev = timed(f"evaluate one date ({scale})", lambda d=data: evaluate(d, AS_OF, rules))
        print(
            f"  obligations {len(ev.obligations):,}, members {len(ev.members):,}, "  # type: ignore[attr-defined]
            f"results {len(ev.results):,}"  # type: ignore[attr-defined]
        )
        if scale == "kbh":
            ends = month_ends_before(AS_OF, 36)
            h = timed("history, 36 month-ends (kbh)", lambda d=data, e=ends: history(d, e, rules))
            print(f"  result rows {len(h):,}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
