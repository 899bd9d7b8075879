"""The obligations model and the KPIs K1-K8 (kpis.md), vectorised.

One obligations model feeds every KPI, list and calendar: `evaluate` builds the
obligations known at D, then each KPI's members (the list behind a card) from
those obligations, then the results (numerator/denominator/value/target) by
aggregating the members. No per-row Python loops: loops run over rules or KPIs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitoring.calendar import add_months, add_working_days, month_ends_after
from monitoring.rules import KPIS, LawRule, Rules, load_rules

OBLIGATION_COLUMNS: list[str] = [
    "obligation_id",
    "as_of",
    "kind",
    "case_id",
    "source_id",
    "target_group",
    "center",
    "team",
    "caseworker_id",
    "cpr_masked",
    "due_on",
    "done_on",
    "status",
    "days_overdue",
    "rule_id",
    "law",
    "paragraph",
    "rule_text",
]
MEMBER_COLUMNS: list[str] = [
    "as_of",
    "kpi",
    "unit_id",
    "case_id",
    "center",
    "team",
    "caseworker_id",
    "met",
    "obligation_id",
]
RESULT_COLUMNS: list[str] = [
    "as_of",
    "kind",
    "kpi",
    "level",
    "center",
    "team",
    "caseworker_id",
    "numerator",
    "denominator",
    "value",
    "target",
    "needed",
]
LEVELS: dict[str, list[str]] = {
    "all": [],
    "center": ["center"],
    "team": ["center", "team"],
    "caseworker": ["center", "team", "caseworker_id"],
}
UNASSIGNED = "ufordelt"
_BLANK_IS_MISSING = frozenset({"team", "caseworker_id"})
NO_TEAM = "(intet team)"

# Input columns per table: (text columns, date columns, bool columns).
_SCHEMA: dict[str, tuple[list[str], list[str], list[str]]] = {
    "cases": (
        ["case_id", "cpr", "target_group", "center", "team", "caseworker_id"],
        ["opened_on", "closed_on"],
        ["acute"],
    ),
    "measures": (
        ["measure_id", "case_id", "paragraph", "title"],
        ["decided_on", "start_on", "end_on"],
        [],
    ),
    "action_plans": (["plan_id", "case_id"], ["made_on", "revised_on", "offered_on"], ["declined"]),
    "follow_ups": (
        ["follow_up_id", "case_id", "measure_id", "form"],
        ["done_on", "next_due_on"],
        [],
    ),
    "investigations": (["investigation_id", "case_id"], ["start_on", "completed_on"], []),
    "applications": (
        ["application_id", "case_id", "benefit"],
        ["received_on", "decided_on", "letter_sent_on"],
        [],
    ),
}


@dataclass
class Evaluation:
    """The monitoring at one date: obligations, KPI members, KPI results."""

    obligations: pd.DataFrame
    members: pd.DataFrame
    results: pd.DataFrame


# ------------------------------------------------------------------------ input
def normalise(data: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The input tables with the expected dtypes (missing tables/columns become empty).

    Blank team and caseworker are treated as missing (unassigned).
    """
    out: dict[str, pd.DataFrame] = {}
    for name, (texts, dates, bools) in _SCHEMA.items():
        df = data.get(name)
        df = pd.DataFrame() if df is None else df
        cols: dict[str, pd.Series] = {}
        n = len(df)
        for c in texts:
            s = df[c] if c in df.columns else pd.Series([pd.NA] * n, index=df.index)
            if s.dtype != "string":
                s = s.astype("string")
            if c in _BLANK_IS_MISSING:
                s = s.mask(s == "")
            cols[c] = s
        for c in dates:
            s = df[c] if c in df.columns else pd.Series([pd.NaT] * n, index=df.index)
            if s.dtype != "datetime64[ns]":
                s = pd.to_datetime(s).astype("datetime64[ns]")
            cols[c] = s
        for c in bools:
            s = df[c] if c in df.columns else pd.Series([False] * n, index=df.index)
            cols[c] = s if s.dtype == bool else s.fillna(False).astype(bool)
        out[name] = pd.DataFrame(cols, index=df.index).reset_index(drop=True)
    return out


def known_at(data: Mapping[str, pd.DataFrame], as_of: dt.date) -> dict[str, pd.DataFrame]:
    """The data as known at `as_of`: later records dropped, later end/done dates blank."""
    d = normalise(data)
    t = pd.Timestamp(as_of)
    starts = {
        "cases": "opened_on",
        "measures": "start_on",
        "follow_ups": "done_on",
        "investigations": "start_on",
        "applications": "received_on",
    }
    out: dict[str, pd.DataFrame] = {}
    for name, df in d.items():
        if name in starts:
            df = df[df[starts[name]] <= t]
        df = df.copy()
        for c in _SCHEMA[name][1]:
            if c != starts.get(name):
                df[c] = df[c].where(df[c] <= t)
        out[name] = df.reset_index(drop=True)
    return out


# ---------------------------------------------------------------------- helpers
def _rule_arrays(rules: Rules) -> dict[str, np.ndarray]:
    rs = rules.law_rules
    arr = {
        "id": [r.id for r in rs],
        "law": [r.law for r in rs],
        "paragraph": [r.paragraph for r in rs],
        "text": [r.text for r in rs],
        "text_next": [r.text_next for r in rs],
        "text_acute": [r.text_acute for r in rs],
        "text_parallel": [r.text_parallel for r in rs],
        "anchor_decision": [r.anchor == "decision" for r in rs],
        "months": [r.months for r in rs],
        "acute_months": [-1 if r.acute_months is None else r.acute_months for r in rs],
        "first_months": [r.first_months for r in rs],
        "interval_months": [r.interval_months for r in rs],
        "use_next_due": [r.use_next_due for r in rs],
        "parallel": [r.parallel_investigation for r in rs],
        "grace_months": [r.grace_months for r in rs],
    }
    return {k: np.array(v, dtype=object if isinstance(v[0], str) else None) for k, v in arr.items()}


def _assign_rules(
    codes: np.ndarray | None,
    uniq: np.ndarray | None,
    groups: np.ndarray,
    law_dates: pd.Series,
    rules: Rules,
    kind: str,
) -> np.ndarray:
    """Index of the first enabled rule of `kind` matching each row, -1 when none.

    codes: per row, the position of its paragraph code in `uniq` (pd.factorize), so
    patterns are matched once per distinct code; None for kinds without patterns.
    """
    ri = np.full(len(groups), -1, dtype="int64")
    law = law_dates.to_numpy(dtype="datetime64[ns]")
    in_group: dict[str, np.ndarray] = {}
    for i, r in rules.of_kind(kind):
        mask = ri == -1
        if codes is not None and uniq is not None:
            pat = r.regex
            hit = np.array([bool(pat.match(str(u))) for u in uniq] + [False], dtype=bool)
            mask &= hit[codes]  # code -1 (missing) -> the trailing False
        if r.target_group != "any":
            if r.target_group not in in_group:
                in_group[r.target_group] = groups == r.target_group
            mask &= in_group[r.target_group]
        if r.valid_from is not None:
            mask &= law >= np.datetime64(r.valid_from, "ns")
        if r.valid_to is not None:
            mask &= law <= np.datetime64(r.valid_to, "ns")
        ri[mask] = i
    return ri


def _latest_before_else_first_after(
    obl: pd.DataFrame, events: pd.DataFrame, extra: list[str] | None = None
) -> pd.DataFrame:
    """For each obligation (cidx, due_on): the case's latest event on or before due,
    else its first event after due. events: cidx, when (+ extra). Keeps obl's order."""
    extra = extra or []
    left = obl[["cidx", "due_on"]].assign(_pos=np.arange(len(obl))).sort_values("due_on")
    ev = events.dropna(subset=["when"]).sort_values("when")
    ev = ev[["cidx", "when", *extra]]
    kw: dict[str, Any] = {"left_on": "due_on", "right_on": "when", "by": "cidx"}
    before = pd.merge_asof(left, ev, direction="backward", **kw)
    after = pd.merge_asof(left, ev, direction="forward", allow_exact_matches=False, **kw)
    use_before = before["when"].notna().to_numpy()
    order = np.argsort(before["_pos"].to_numpy(), kind="stable")
    out = {}
    for c in ["when", *extra]:
        out[c] = before[c].where(use_before, after[c].to_numpy()).to_numpy()[order]
    return pd.DataFrame(out)


def _text(values: np.ndarray, ri: np.ndarray) -> np.ndarray:
    return values[ri] if len(ri) else np.array([], dtype=object)


def _ids(prefix: str, ids: pd.Series | np.ndarray, suffix: np.ndarray | None = None) -> np.ndarray:
    """Obligation ids like `fu:<measure_id>:<n>` as an object array."""
    s = pd.Series(np.asarray(ids, dtype=object), dtype=object)
    out = prefix + s
    if suffix is not None:
        out = out + ":" + pd.Series(suffix).astype(str).to_numpy(dtype=object)
    return out.to_numpy(dtype=object)


def _oid(
    x: _Ctx, prefix: str, ids: pd.Series | np.ndarray, suffix: np.ndarray | None = None
) -> np.ndarray | None:
    """Obligation ids, only when building the full obligations (not for history)."""
    return _ids(prefix, ids, suffix) if x.full else None


def _frame(
    obligation_id: np.ndarray | None,
    kind: str,
    cidx: np.ndarray,
    source_id: pd.Series | np.ndarray,
    due_on: pd.Series | np.ndarray,
    done_on: pd.Series | np.ndarray,
    ri: np.ndarray,
    texts: np.ndarray | None,
    full: bool,
    ra: dict[str, np.ndarray] | None = None,
    rule_cols: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """An obligations frame (rule columns from the rule index, or given for processing)."""
    n = len(cidx)
    f = pd.DataFrame(
        {
            "cidx": np.asarray(cidx, dtype="int64"),
            "source_id": np.asarray(source_id, dtype=object),
            "due_on": np.asarray(due_on, dtype="datetime64[ns]"),
            "done_on": np.asarray(done_on, dtype="datetime64[ns]"),
        }
    )
    f["obligation_id"] = (
        obligation_id if obligation_id is not None else np.full(n, "", dtype=object)
    )
    f["kind"] = kind
    if full:
        if rule_cols is not None:
            f["rule_id"], f["law"], f["paragraph"] = rule_cols
        elif ra is not None:
            f["rule_id"] = _text(ra["id"], ri)
            f["law"] = _text(ra["law"], ri)
            f["paragraph"] = _text(ra["paragraph"], ri)
        f["rule_text"] = texts
    return f


def _status(due: pd.Series, done: pd.Series, t: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """status (met/late/overdue/open) and days overdue of obligations at t."""
    due_v = due.to_numpy(dtype="datetime64[ns]")
    done_v = done.to_numpy(dtype="datetime64[ns]")
    has_done = ~np.isnat(done_v)
    on_time = has_done & (done_v <= due_v)
    overdue = ~has_done & (np.datetime64(t, "ns") > due_v)
    status = np.select([on_time, has_done, overdue], ["met", "late", "overdue"], "open")
    day = np.timedelta64(1, "D")
    with np.errstate(invalid="ignore"):
        late_days = np.where(has_done & ~on_time, (done_v - due_v) // day, 0)
        over_days = np.where(overdue, (np.datetime64(t, "ns") - due_v) // day, 0)
    return status.astype(object), (late_days + over_days).astype("int64")


def _members(kpi: str, unit_id: Any, cidx: Any, met: Any, obligation_id: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": kpi,
            "k": KPIS.index(kpi),
            "unit_id": np.asarray(unit_id, dtype=object),
            "cidx": np.asarray(cidx, dtype="int64"),
            "met": np.asarray(met, dtype=bool),
            "obligation_id": np.asarray(obligation_id, dtype=object),
        }
    )


def _case_members(kpi: str, obl: pd.DataFrame, case_ids: np.ndarray) -> pd.DataFrame:
    """Case-level KPI members from the relevant obligations (cidx, obligation_id, status,
    days_overdue, due_on): met when none is overdue; the deciding obligation is the most
    overdue one if missed, else the next due one."""
    over = (obl["status"] == "overdue").to_numpy()
    order = np.lexsort(
        (obl["due_on"].to_numpy(), -obl["days_overdue"].to_numpy(), ~over, obl["cidx"].to_numpy())
    )
    cidx = obl["cidx"].to_numpy()[order]
    first = np.r_[True, cidx[1:] != cidx[:-1]] if len(cidx) else np.zeros(0, dtype=bool)
    sel = order[first]
    c = obl["cidx"].to_numpy()[sel]
    return _members(kpi, case_ids[c], c, ~over[sel], obl["obligation_id"].to_numpy()[sel])


# ------------------------------------------------------------------ the engine
@dataclass
class _Data:
    """The input, indexed once (independent of D): integer case/measure keys."""

    case_ids: np.ndarray  # object, position = cidx
    opened_on: np.ndarray
    closed_on: np.ndarray
    target_group: np.ndarray
    acute: np.ndarray
    center: np.ndarray
    team: np.ndarray
    caseworker_id: np.ndarray
    cpr_masked: np.ndarray
    centers: list[str]
    pcodes: np.ndarray  # distinct paragraph codes (measures.pcode indexes them)
    levels: dict[str, tuple[np.ndarray, pd.DataFrame]]  # level -> (group of each case, keys)
    measures: pd.DataFrame  # + cidx, pcode
    follow_ups: pd.DataFrame  # + cidx, midx (-1 = case level or unknown measure)
    plans: pd.DataFrame  # + cidx
    investigations: pd.DataFrame  # + cidx
    applications: pd.DataFrame  # + cidx


def _index(data: dict[str, pd.DataFrame]) -> _Data:
    c = data["cases"].drop_duplicates("case_id").reset_index(drop=True)
    cindex = pd.Index(c["case_id"].astype(object))

    def with_case(df: pd.DataFrame) -> pd.DataFrame:
        cidx = cindex.get_indexer(df["case_id"].astype(object))
        return df.assign(cidx=cidx)[cidx >= 0].reset_index(drop=True)

    m = with_case(data["measures"].drop_duplicates("measure_id"))
    pcode, pcodes = pd.factorize(m["paragraph"].astype(object), use_na_sentinel=True)
    m["pcode"] = pcode
    mindex = pd.Index(m["measure_id"].astype(object))
    # Follow-ups: measure-level rows take their case from the measure (one lookup, not
    # two); case-level rows (no measure id) are looked up by case id.
    f = data["follow_ups"]
    has_m = f["measure_id"].notna().to_numpy()
    midx = np.full(len(f), -1, dtype="int64")
    midx[has_m] = mindex.get_indexer(f["measure_id"][has_m].astype(object))
    cidx = np.full(len(f), -1, dtype="int64")
    cidx[has_m] = np.where(midx[has_m] >= 0, m["cidx"].to_numpy()[np.maximum(midx[has_m], 0)], -1)
    cidx[~has_m] = cindex.get_indexer(f["case_id"][~has_m].astype(object))
    f = f.assign(midx=midx, cidx=cidx)[cidx >= 0].reset_index(drop=True)
    centers = c["center"].fillna("")
    keys = pd.DataFrame(
        {
            "center": centers.to_numpy(dtype=object),
            "team": c["team"].fillna(NO_TEAM).to_numpy(dtype=object),
            "caseworker_id": c["caseworker_id"].fillna(UNASSIGNED).to_numpy(dtype=object),
        }
    )
    levels: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}
    for level, cols in LEVELS.items():
        if not cols:
            levels[level] = (
                np.zeros(len(keys), dtype="int64"),
                pd.DataFrame({"center": ["ALL"], "team": [""], "caseworker_id": [""]}),
            )
            continue
        g = keys.groupby(cols, sort=True)
        uniq = g.size().index.to_frame(index=False)
        for col in ("team", "caseworker_id"):
            if col not in uniq.columns:
                uniq[col] = ""
        levels[level] = (g.ngroup().to_numpy(dtype="int64"), uniq)
    return _Data(
        case_ids=c["case_id"].to_numpy(dtype=object),
        opened_on=c["opened_on"].to_numpy(dtype="datetime64[ns]"),
        closed_on=c["closed_on"].to_numpy(dtype="datetime64[ns]"),
        target_group=c["target_group"].fillna("").to_numpy(dtype=object),
        acute=c["acute"].to_numpy(dtype=bool),
        center=centers.to_numpy(dtype=object),
        team=c["team"].fillna(NO_TEAM).to_numpy(dtype=object),
        caseworker_id=c["caseworker_id"].fillna(UNASSIGNED).to_numpy(dtype=object),
        cpr_masked=(c["cpr"].str.slice(0, 6).fillna("XXXXXX") + "-XXXX").to_numpy(dtype=object),
        centers=sorted(set(centers.unique()) - {""}),
        pcodes=np.asarray(pcodes, dtype=object),
        levels=levels,
        measures=m,
        follow_ups=f,
        plans=with_case(data["action_plans"]),
        investigations=with_case(data["investigations"]),
        applications=with_case(data["applications"]),
    )


@dataclass
class _Ctx:
    t: pd.Timestamp
    window_start: pd.Timestamp  # K2/K4b/K7/K8 window: (window_start, t]
    rules: Rules
    ra: dict[str, np.ndarray]
    d: _Data
    case_known: np.ndarray  # opened on or before t
    case_active: np.ndarray
    measures: pd.DataFrame  # known at t: + active, law_date, target_group, acute
    full: bool


def _prepare(d: _Data, t: pd.Timestamp, rules: Rules, full: bool) -> _Ctx:
    t64 = np.datetime64(t, "ns")
    known = d.opened_on <= t64
    active = known & (np.isnat(d.closed_on) | (d.closed_on >= t64))
    m = d.measures
    cidx = m["cidx"].to_numpy()
    keep = (m["start_on"] <= t).to_numpy() & known[cidx]
    m = m[keep].reset_index(drop=True)
    m["row"] = np.flatnonzero(keep)
    cidx = cidx[keep]
    m["target_group"] = d.target_group[cidx]
    m["acute"] = d.acute[cidx]
    m["active"] = active[cidx] & (m["end_on"].isna() | (m["end_on"] >= t)).to_numpy()
    m["law_date"] = m["decided_on"].where(m["decided_on"] <= t).fillna(m["start_on"])
    window_start = add_months(pd.Series([t]), -rules.kpi_window_months).iloc[0]
    return _Ctx(t, window_start, rules, _rule_arrays(rules), d, known, active, m, full)


def _measure_rules(x: _Ctx, kind: str) -> np.ndarray:
    """The rule of `kind` (index into the rules, -1 when none) for each known measure."""
    m = x.measures
    return _assign_rules(
        m["pcode"].to_numpy(),
        x.d.pcodes,
        m["target_group"].to_numpy(),
        m["law_date"],
        x.rules,
        kind,
    )


def _handleplans(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri = _measure_rules(x, "handleplan")
    keep = (ri >= 0) & (m["active"] | (m["start_on"] > x.window_start)).to_numpy()
    h = m[keep].reset_index(drop=True)
    ri = ri[keep]
    anchor = h["law_date"].where(ra["anchor_decision"][ri].astype(bool), h["start_on"])
    due = add_months(anchor, ra["months"][ri].astype("int64"))
    acute_m = ra["acute_months"][ri].astype("int64")
    acute = h["acute"].to_numpy() & (acute_m >= 0)
    due = due.where(~acute, add_months(h["start_on"], np.maximum(acute_m, 0)))
    plans = x.d.plans
    ev = pd.DataFrame({"cidx": plans["cidx"], "when": plans["made_on"]})
    ev = ev[ev["when"] <= t]
    obl = pd.DataFrame({"cidx": h["cidx"], "due_on": due})
    done = _latest_before_else_first_after(obl, ev)["when"]
    texts = np.where(acute, _text(ra["text_acute"], ri), _text(ra["text"], ri)) if x.full else None
    f = _frame(
        _oid(x, "hp:", h["measure_id"]),
        "handleplan",
        h["cidx"].to_numpy(),
        h["measure_id"],
        due,
        done,
        ri,
        texts,
        x.full,
        ra,
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    due_by_t = (f["due_on"] <= t).to_numpy()
    k1 = f[h["active"].to_numpy() & due_by_t]
    k2 = f[(h["start_on"] > x.window_start).to_numpy() & due_by_t]
    mem = [
        _case_members("K1", k1, x.d.case_ids),
        _members("K2", k2["source_id"], k2["cidx"], k2["status"] == "met", k2["obligation_id"]),
    ]
    return f, mem


def _follow_ups(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri_all = _measure_rules(x, "follow-up")
    keep = (ri_all >= 0) & m["active"].to_numpy()
    fm = m.loc[keep, ["measure_id", "cidx", "start_on", "end_on", "target_group"]]
    fm = fm.reset_index(drop=True)
    # measure row in x.d.measures -> position in fm (or -1)
    fpos_of = np.full(len(x.d.measures), -1, dtype="int64")
    fpos_of[m["row"].to_numpy()[keep]] = np.arange(len(fm))
    ri = ri_all[keep]
    fm["first_due"] = add_months(fm["start_on"], ra["first_months"][ri].astype("int64"))
    parallel_used = np.zeros(len(fm), dtype=bool)
    par = ra["parallel"][ri].astype(bool)
    inv = x.d.investigations
    inv = inv[(inv["start_on"] <= t) & (inv["completed_on"] <= t)]
    if par.any() and len(inv):
        p = fm.loc[par, ["cidx", "start_on", "first_due"]].assign(fpos=np.flatnonzero(par))
        p = p.merge(
            inv[["cidx", "start_on", "completed_on"]].rename(columns={"start_on": "inv_start"}),
            on="cidx",
        )
        p = p[
            (p["inv_start"] <= p["start_on"])
            & (p["completed_on"] > p["start_on"])
            & (p["completed_on"] < p["first_due"])
        ]
        earliest = p.groupby("fpos")["completed_on"].min()
        pos = earliest.index.to_numpy()
        first_due = fm["first_due"].to_numpy(dtype="datetime64[ns]").copy()
        first_due[pos] = earliest.to_numpy(dtype="datetime64[ns]")
        fm["first_due"] = first_due
        parallel_used[pos] = True

    f = x.d.follow_ups
    f = f[f["done_on"] <= t]
    midx = f["midx"].to_numpy()
    fpos = np.where(midx >= 0, fpos_of[np.maximum(midx, 0)], -1)
    by_m = pd.DataFrame(
        {
            "fpos": fpos,
            "done_on": f["done_on"].to_numpy(),
            "next_due_on": f["next_due_on"].to_numpy(),
        }
    )[fpos >= 0]
    case_level = f[midx < 0]
    by_c = pd.DataFrame(
        {
            "cidx": case_level["cidx"].to_numpy(),
            "done_on": case_level["done_on"].to_numpy(),
            "next_due_on": case_level["next_due_on"].to_numpy(),
        }
    ).merge(pd.DataFrame({"cidx": fm["cidx"].to_numpy(), "fpos": np.arange(len(fm))}), on="cidx")
    end_on = fm["end_on"].to_numpy(dtype="datetime64[ns]")[by_c["fpos"].to_numpy()]
    by_c = by_c[np.isnat(end_on) | (by_c["done_on"].to_numpy() <= end_on)]
    cols = ["fpos", "done_on", "next_due_on"]
    ev = pd.concat([by_m[cols], by_c[cols]], ignore_index=True)
    start = fm["start_on"].to_numpy(dtype="datetime64[ns]")
    ev = ev[ev["done_on"].to_numpy() >= start[ev["fpos"].to_numpy()]]
    # sort by measure, date, next due (NaT first); keep one row per measure and day
    fp = ev["fpos"].to_numpy()
    dn = ev["done_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    nx = ev["next_due_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.lexsort((nx, dn, fp))
    fp, dn = fp[order], dn[order]
    last_of_day = np.r_[(fp[1:] != fp[:-1]) | (dn[1:] != dn[:-1]), True] if len(fp) else fp > 0
    ev = ev.iloc[order[last_of_day]].reset_index(drop=True)
    mi = ev["fpos"].to_numpy()
    eri = ri[mi]
    default_next = add_months(ev["done_on"], ra["interval_months"][eri].astype("int64"))
    set_next = (
        ra["use_next_due"][eri].astype(bool)
        & ev["next_due_on"].notna().to_numpy()
        & (ev["next_due_on"] > ev["done_on"]).to_numpy()
    )
    next_from = default_next.where(~set_next, ev["next_due_on"]).to_numpy(dtype="datetime64[ns]")
    # ev is sorted by fpos: chain numbers and the previous link's next due date
    new_group = np.r_[True, mi[1:] != mi[:-1]] if len(mi) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_group)
    n = np.arange(len(mi)) - np.repeat(starts, np.diff(np.r_[starts, len(mi)])) + 1
    count = np.zeros(len(fm), dtype="int64")
    last_next = np.full(len(fm), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(mi):
        ends = np.r_[starts[1:], len(mi)] - 1
        count[mi[ends]] = n[ends]
        last_next[mi[ends]] = next_from[ends]

    cur_n = count + 1
    first = cur_n == 1
    cur_due = np.where(first, fm["first_due"].to_numpy(dtype="datetime64[ns]"), last_next)
    texts = None
    if x.full:
        first_text = np.where(parallel_used, _text(ra["text_parallel"], ri), _text(ra["text"], ri))
        texts = np.where(first, first_text, _text(ra["text_next"], ri))
    cur = _frame(
        _oid(x, "fu:", fm["measure_id"], cur_n),
        "follow-up",
        fm["cidx"].to_numpy(),
        fm["measure_id"],
        cur_due,
        np.full(len(fm), np.datetime64("NaT"), dtype="datetime64[ns]"),
        ri,
        texts,
        x.full,
        ra,
    )
    cur["status"], cur["days_overdue"] = _status(cur["due_on"], cur["done_on"], t)
    frames = [cur]
    if x.full and len(ev):
        prev = np.r_[np.datetime64("NaT"), next_from[:-1]].astype("datetime64[ns]")
        is_first = n == 1
        due = np.where(is_first, fm["first_due"].to_numpy(dtype="datetime64[ns]")[mi], prev)
        ftext = np.where(parallel_used[mi], _text(ra["text_parallel"], eri), _text(ra["text"], eri))
        hist = _frame(
            _oid(x, "fu:", fm["measure_id"].to_numpy(dtype=object)[mi], n),
            "follow-up",
            fm["cidx"].to_numpy()[mi],
            fm["measure_id"].to_numpy(dtype=object)[mi],
            due,
            ev["done_on"],
            eri,
            np.where(is_first, ftext, _text(ra["text_next"], eri)),
            x.full,
            ra,
        )
        hist["status"], hist["days_overdue"] = _status(hist["due_on"], hist["done_on"], t)
        frames.insert(0, hist)
    tg = fm["target_group"].to_numpy()
    mem = [
        _case_members("K3", cur[tg == "born"], x.d.case_ids),
        _case_members("K5", cur[tg == "voksen"], x.d.case_ids),
    ]
    return pd.concat(frames, ignore_index=True), mem


def _shelter(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri = _measure_rules(x, "shelter-plan")
    keep = (ri >= 0) & m["active"].to_numpy()
    s = m[keep].reset_index(drop=True)
    ri = ri[keep]
    due = add_months(s["start_on"], ra["grace_months"][ri].astype("int64"))
    p = x.d.plans
    when = p["offered_on"].where(p["offered_on"] <= t)
    made = p["made_on"].where(p["made_on"] <= t)
    when = when.where(made.isna() | (when <= made), made)  # the earlier of offered and made
    ev = pd.DataFrame({"cidx": p["cidx"], "when": when, "declined": p["declined"]})
    got = _latest_before_else_first_after(
        pd.DataFrame({"cidx": s["cidx"], "due_on": due}), ev, ["declined"]
    )
    declined = pd.Series(got["declined"]).fillna(False).astype(bool).to_numpy()
    texts = None
    if x.full:
        texts = _text(ra["text"], ri)
        note = " – tilbud afslået af borgeren (tæller som opfyldt)"
        texts = np.where(declined, texts + note, texts)
    f = _frame(
        _oid(x, "sp:", s["measure_id"]),
        "shelter-plan",
        s["cidx"].to_numpy(),
        s["measure_id"],
        due,
        got["when"],
        ri,
        texts,
        x.full,
        ra,
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    k6 = f[(f["due_on"] < t).to_numpy()]
    mem = [_members("K6", k6["source_id"], k6["cidx"], k6["done_on"].notna(), k6["obligation_id"])]
    return f, mem


def _investigations(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    ra, t = x.ra, x.t
    inv = x.d.investigations
    inv = inv[(inv["start_on"] <= t).to_numpy() & x.case_known[inv["cidx"].to_numpy()]]
    done = inv["completed_on"].where(inv["completed_on"] <= t)
    keep = (done.isna() | (done > x.window_start)).to_numpy()
    inv, done = inv[keep].reset_index(drop=True), done[keep].reset_index(drop=True)
    groups = x.d.target_group[inv["cidx"].to_numpy()]
    ri = _assign_rules(None, None, groups, inv["start_on"], x.rules, "investigation")
    ok = ri >= 0
    inv, done, ri = inv[ok].reset_index(drop=True), done[ok].reset_index(drop=True), ri[ok]
    due = add_months(inv["start_on"], ra["months"][ri].astype("int64"))
    f = _frame(
        _oid(x, "inv:", inv["investigation_id"]),
        "investigation",
        inv["cidx"].to_numpy(),
        inv["investigation_id"],
        due,
        done,
        ri,
        _text(ra["text"], ri) if x.full else None,
        x.full,
        ra,
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    is_open = f["done_on"].isna()
    a, b = f[is_open], f[~is_open]
    mem = [
        _members("K4a", a["source_id"], a["cidx"], a["status"] == "open", a["obligation_id"]),
        _members("K4b", b["source_id"], b["cidx"], b["status"] == "met", b["obligation_id"]),
    ]
    return f, mem


def _applications(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    rules, t = x.rules, x.t
    a = x.d.applications
    a = a[(a["received_on"] <= t).to_numpy() & x.case_known[a["cidx"].to_numpy()]]
    decided = a["decided_on"].where(a["decided_on"] <= t)
    keep = (decided.isna() | (decided > x.window_start)).to_numpy()
    a, decided = a[keep].reset_index(drop=True), decided[keep].reset_index(drop=True)
    letter = a["letter_sent_on"].where(a["letter_sent_on"] <= t)
    benefit = a["benefit"].fillna("").astype(object)
    codes, inverse = np.unique(benefit.to_numpy(dtype=object).astype(str), return_inverse=True)
    wd = np.array([rules.deadline(c).working_days for c in codes], dtype="int64")[inverse]
    due = add_working_days(a["received_on"], wd)
    cidx = a["cidx"].to_numpy()
    app_id = a["application_id"].to_numpy(dtype=object)
    rule_cols = None
    p_text = l_text = None
    if x.full:
        head = f"{rules.processing_law} {rules.processing_paragraph}: "
        labels = np.array([rules.deadline(c).label for c in codes], dtype=object)
        known = np.array([c in rules.processing for c in codes])
        rid = np.where(known, "RTSL3-" + codes.astype(object), "RTSL3-standard")
        p_texts = np.array(
            [
                f"{head}afgørelse senest {lb} efter modtagelsen ({c})"
                for lb, c in zip(labels, codes, strict=True)
            ],
            dtype=object,
        )
        l_texts = np.array(
            [
                f"{head}skriftlig besked til borgeren senest ved fristen på {lb} ({c})"
                for lb, c in zip(labels, codes, strict=True)
            ],
            dtype=object,
        )
        n = len(a)
        rule_cols = (
            rid[inverse].astype(object),
            np.full(n, rules.processing_law, dtype=object),
            np.full(n, rules.processing_paragraph, dtype=object),
        )
        p_text, l_text = p_texts[inverse], l_texts[inverse]
    p = _frame(
        _oid(x, "pr:", app_id),
        "processing",
        cidx,
        app_id,
        due,
        decided,
        np.zeros(0, dtype="int64"),
        p_text,
        x.full,
        rule_cols=rule_cols,
    )
    p["status"], p["days_overdue"] = _status(p["due_on"], p["done_on"], t)
    passed = (p["status"].isin(["late", "overdue"])).to_numpy()
    lt = _frame(
        _oid(x, "lt:", app_id[passed]),
        "letter",
        cidx[passed],
        app_id[passed],
        due[passed],
        letter[passed],
        np.zeros(0, dtype="int64"),
        l_text[passed] if l_text is not None else None,
        x.full,
        rule_cols=tuple(c[passed] for c in rule_cols) if rule_cols is not None else None,  # type: ignore[arg-type]
    )
    lt["status"], lt["days_overdue"] = _status(lt["due_on"], lt["done_on"], t)
    # Decided without a letter: the letter was never sent and no longer can be; it is
    # "missed" (not "late", which means done after the due date), days frozen.
    dec = decided[passed].to_numpy(dtype="datetime64[ns]")
    lapsed = ~np.isnat(dec) & lt["done_on"].isna().to_numpy()
    lt.loc[lapsed, "status"] = "missed"
    lt.loc[lapsed, "days_overdue"] = (
        (dec[lapsed] - lt["due_on"].to_numpy()[lapsed]) // np.timedelta64(1, "D")
    ).astype("int64")
    k7 = p[p["done_on"].notna().to_numpy()]
    mem = [
        _members("K7", k7["source_id"], k7["cidx"], k7["status"] == "met", k7["obligation_id"]),
        _members("K8", lt["source_id"], lt["cidx"], lt["status"] == "met", lt["obligation_id"]),
    ]
    return pd.concat([p, lt], ignore_index=True), mem


def _aggregate(
    d: _Data,
    k: np.ndarray,
    cidx: np.ndarray,
    met: np.ndarray,
    as_of: dt.date,
    rules: Rules,
    kind: str = "snapshot",
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPI results per level from the members (kpi code k, case cidx, met), by integer
    group codes; 0/0 gives value NaN (None in the store). Levels all and center have a
    row for every KPI (and every center); team and caseworker only where there are
    members. `levels` limits the levels computed (default: all of them)."""
    nk = len(KPIS)
    out: list[pd.DataFrame] = []
    for level, (case_group, keys) in d.levels.items():
        if levels is not None and level not in levels:
            continue
        ng = len(keys)
        combo = k * ng + case_group[cidx]
        den = np.bincount(combo, minlength=nk * ng)
        num = np.bincount(combo, weights=met.astype("float64"), minlength=nk * ng)
        if level in ("all", "center"):
            sel = np.flatnonzero(keys["center"].to_numpy() != "")
            sel = (np.arange(nk)[:, None] * ng + sel[None, :]).ravel()
        else:
            sel = np.flatnonzero(den)
        kk, gg = np.divmod(sel, ng)
        r = keys.iloc[gg].reset_index(drop=True)
        r.insert(0, "kpi", np.asarray(KPIS, dtype=object)[kk])
        r["level"] = level
        r["numerator"] = num[sel].round().astype("int64")
        r["denominator"] = den[sel].astype("int64")
        if level == "all" or not rules.center_targets:
            tk = np.array([rules.target(x) for x in KPIS])
            r["target"] = tk[kk]
        else:
            r["target"] = [rules.target(x, c) for x, c in zip(r["kpi"], r["center"], strict=True)]
        out.append(r)
    res = pd.concat(out, ignore_index=True)
    den = res["denominator"].to_numpy()
    res["value"] = np.where(den > 0, res["numerator"].to_numpy() / np.maximum(den, 1), np.nan)
    res["as_of"] = np.full(len(res), np.datetime64(pd.Timestamp(as_of), "ns"))
    res["kind"] = kind
    res["needed"] = pd.array([pd.NA] * len(res), dtype="Int64")
    for col in ("kpi", "level", "center", "team", "caseworker_id", "kind"):
        res[col] = res[col].astype("string")
    return res[RESULT_COLUMNS]


def _evaluate(
    d: _Data, as_of: dt.date, rules: Rules, full: bool, levels: Sequence[str] | None = None
) -> Evaluation:
    """Obligations (only when `full`), members and results (at `levels`) as known at
    `as_of`. Not full: results only, the members frame is left empty."""
    t = pd.Timestamp(as_of)
    t64 = np.full(1, np.datetime64(t, "ns"))
    x = _prepare(d, t, rules, full)
    parts = [_handleplans, _follow_ups, _shelter, _investigations, _applications]
    frames: list[pd.DataFrame] = []
    mems: list[pd.DataFrame] = []
    for part in parts:
        f, mem = part(x)
        frames.append(f)
        mems.extend(mem)
    mm = pd.concat(mems, ignore_index=True)
    c = mm["cidx"].to_numpy()
    results = _aggregate(
        d,
        mm["k"].to_numpy(dtype="int64"),
        c,
        mm["met"].to_numpy(dtype=bool),
        as_of,
        rules,
        levels=levels,
    )
    if not full:
        empty = pd.DataFrame(columns=OBLIGATION_COLUMNS)
        return Evaluation(empty, pd.DataFrame(columns=MEMBER_COLUMNS), results)
    members = pd.DataFrame(
        {
            "as_of": np.repeat(t64, len(mm)),
            "kpi": mm["kpi"].to_numpy(dtype=object),
            "unit_id": mm["unit_id"].to_numpy(dtype=object),
            "case_id": d.case_ids[c],
            "center": d.center[c],
            "team": d.team[c],
            "caseworker_id": d.caseworker_id[c],
            "met": mm["met"].to_numpy(dtype=bool),
            "obligation_id": mm["obligation_id"].to_numpy(dtype=object),
        }
    )
    for col in MEMBER_COLUMNS:
        if col not in ("as_of", "met"):
            members[col] = members[col].astype("string")
    o = pd.concat(frames, ignore_index=True)
    c = o["cidx"].to_numpy()
    ob = pd.DataFrame(
        {
            "obligation_id": o["obligation_id"],
            "as_of": np.repeat(t64, len(o)),
            "kind": o["kind"],
            "case_id": d.case_ids[c],
            "source_id": o["source_id"],
            "target_group": d.target_group[c],
            "center": d.center[c],
            "team": d.team[c],
            "caseworker_id": d.caseworker_id[c],
            "cpr_masked": d.cpr_masked[c],
            "due_on": o["due_on"],
            "done_on": o["done_on"],
            "status": o["status"],
            "days_overdue": o["days_overdue"].astype("int64"),
            "rule_id": o["rule_id"],
            "law": o["law"],
            "paragraph": o["paragraph"],
            "rule_text": o["rule_text"],
        }
    )
    for col in OBLIGATION_COLUMNS:
        if col not in ("as_of", "due_on", "done_on", "days_overdue"):
            ob[col] = ob[col].astype("string")
    return Evaluation(ob, members, results)


# ------------------------------------------------------------------- public API
def evaluate(
    data: Mapping[str, pd.DataFrame], as_of: dt.date, rules: Rules | None = None
) -> Evaluation:
    """Obligations, KPI members and KPI results (kind snapshot) as known at `as_of`."""
    rules = rules or load_rules()
    return _evaluate(_index(normalise(data)), as_of, rules, full=True)


def _history(
    d: _Data, month_ends: list[dt.date], rules: Rules, levels: Sequence[str] | None = None
) -> pd.DataFrame:
    out = []
    for me in month_ends:
        r = _evaluate(d, me, rules, full=False, levels=levels).results
        r["kind"] = "recomputed"
        out.append(r)
    if not out:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(out, ignore_index=True)


def history(
    data: Mapping[str, pd.DataFrame],
    month_ends: list[dt.date],
    rules: Rules | None = None,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPI results (kind recomputed) at each of the month-ends, at `levels` (default
    all levels)."""
    return _history(_index(normalise(data)), month_ends, rules or load_rules(), levels)


def needed_to_reach(kpi: str, numerator: int, denominator: int, target: float) -> int:
    """How many obligations must be completed for the KPI to reach its target.

    Completing an ongoing investigation takes it out of K4a's denominator; every
    other KPI turns a missed unit into a met one (for a case-level KPI: at least one
    completion per case).
    """
    got = _needed(
        np.array([kpi], dtype=object),
        np.array([numerator]),
        np.array([denominator]),
        np.array([target], dtype=float),
    )
    return int(got[0])


def _needed(kpi: np.ndarray, num: np.ndarray, den: np.ndarray, tg: np.ndarray) -> np.ndarray:
    num, den, tg = num.astype(float), den.astype(float), tg.astype(float)
    short = (den > 0) & (num < tg * den - 1e-9)
    general = np.ceil(tg * den - num - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        k4a = np.where(tg > 0, np.ceil(den - num / np.where(tg > 0, tg, 1) - 1e-9), 0)
    out = np.where(kpi == "K4a", k4a, general)
    return np.where(short, np.maximum(out, 0), 0).astype("int64")


def _forecast(d: _Data, as_of: dt.date, rules: Rules, months: int) -> pd.DataFrame:
    out = []
    for me in month_ends_after(as_of, months):
        r = _evaluate(d, me, rules, full=False).results
        r["kind"] = "forecast"
        r["needed"] = pd.array(
            _needed(
                r["kpi"].to_numpy(dtype=object),
                r["numerator"].to_numpy(),
                r["denominator"].to_numpy(),
                r["target"].to_numpy(),
            ),
            dtype="Int64",
        )
        out.append(r)
    return pd.concat(out, ignore_index=True)


def forecast(
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    rules: Rules | None = None,
    months: int = 3,
) -> pd.DataFrame:
    """KPI results (kind forecast) at the next month-ends if nothing more is done.

    Uses the data as known at `as_of` evaluated at each future month-end, so the
    deadlines already known fall due; `needed` = completions to reach the target.
    """
    return _forecast(_index(known_at(data, as_of)), as_of, rules or load_rules(), months)


@dataclass
class Monitoring:
    """Everything the nightly refresh stores, computed from one indexing of the data."""

    evaluation: Evaluation
    forecast: pd.DataFrame
    history: pd.DataFrame | None


def _has_dates_after(data: dict[str, pd.DataFrame], t: pd.Timestamp) -> bool:
    return any(
        bool((data[name][c] > t).any()) for name, (_, dates, _) in _SCHEMA.items() for c in dates
    )


def evaluate_all(
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    rules: Rules | None = None,
    forecast_months: int = 3,
    history_month_ends: list[dt.date] | None = None,
    history_levels: Sequence[str] | None = None,
) -> Monitoring:
    """evaluate + forecast (+ history at the given month-ends and levels, default all),
    indexing the data once."""
    rules = rules or load_rules()
    norm = normalise(data)
    d = _index(norm)
    ev = _evaluate(d, as_of, rules, full=True)
    t = pd.Timestamp(as_of)
    dk = _index(known_at(norm, as_of)) if _has_dates_after(norm, t) else d
    fc = _forecast(dk, as_of, rules, forecast_months)
    hist = _history(d, history_month_ends, rules, history_levels) if history_month_ends else None
    return Monitoring(ev, fc, hist)


def due_soon(obligations: pd.DataFrame, as_of: dt.date, rules: Rules) -> pd.Series:
    """Mask of open obligations due within the rules' due-soon window after `as_of`."""
    t = pd.Timestamp(as_of)
    until = t + pd.Timedelta(days=rules.due_soon_days)
    return (obligations["status"] == "open") & (obligations["due_on"] <= until)


__all__ = [
    "Evaluation",
    "Monitoring",
    "evaluate_all",
    "LawRule",
    "due_soon",
    "evaluate",
    "forecast",
    "history",
    "known_at",
    "needed_to_reach",
    "normalise",
]
