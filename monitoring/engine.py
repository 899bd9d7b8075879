"""The obligations model and the KPIs K1-K8 (kpis.md), vectorised.

One obligations model feeds every KPI, list and calendar: `evaluate` builds the
obligations known at D, then each KPI's members (the list behind a card) from
those obligations, then the results (numerator/denominator/value/target) by
aggregating the members. No per-row Python loops: loops run over rules or KPIs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

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
    """The input tables with the expected dtypes (missing tables/columns become empty)."""
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
            cols[c] = s.mask(s == "")
        for c in dates:
            s = df[c] if c in df.columns else pd.Series([pd.NaT] * n, index=df.index)
            cols[c] = pd.to_datetime(s).astype("datetime64[ns]")
        for c in bools:
            s = df[c] if c in df.columns else pd.Series([False] * n, index=df.index)
            cols[c] = s.fillna(False).astype(bool)
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
    codes: pd.Series, groups: pd.Series, law_dates: pd.Series, rules: Rules, kind: str
) -> np.ndarray:
    """Index of the first enabled rule of `kind` matching each row, -1 when none."""
    ri = np.full(len(codes), -1, dtype="int64")
    codes = codes.fillna("")
    uniq = pd.unique(codes)
    for i, r in rules.of_kind(kind):
        mask = ri == -1
        if r.kind != "investigation":
            pat = r.regex
            hits = [u for u in uniq if pat.match(u)]
            mask &= codes.isin(hits).to_numpy()
        if r.target_group != "any":
            mask &= (groups == r.target_group).fillna(False).to_numpy()
        if r.valid_from is not None:
            mask &= (law_dates >= pd.Timestamp(r.valid_from)).to_numpy()
        if r.valid_to is not None:
            mask &= (law_dates <= pd.Timestamp(r.valid_to)).to_numpy()
        ri[mask] = i
    return ri


def _latest_before_else_first_after(
    obl: pd.DataFrame, events: pd.DataFrame, extra: list[str] | None = None
) -> pd.DataFrame:
    """For each obligation (case_id, due_on): the case's latest event on or before due,
    else its first event after due. events: case_id, when (+ extra). Keeps obl's order."""
    extra = extra or []
    left = obl[["case_id", "due_on"]].assign(_pos=np.arange(len(obl))).sort_values("due_on")
    ev = events.dropna(subset=["when"]).sort_values("when")
    ev = ev[["case_id", "when", *extra]]
    before = pd.merge_asof(
        left, ev, left_on="due_on", right_on="when", by="case_id", direction="backward"
    )
    after = pd.merge_asof(
        left,
        ev,
        left_on="due_on",
        right_on="when",
        by="case_id",
        direction="forward",
        allow_exact_matches=False,
    )
    use_before = before["when"].notna().to_numpy()
    out = pd.DataFrame({"_pos": before["_pos"].to_numpy()})
    for c in ["when", *extra]:
        out[c] = before[c].where(use_before, after[c].to_numpy())
    return out.sort_values("_pos").drop(columns="_pos").reset_index(drop=True)


def _text(values: np.ndarray, ri: np.ndarray) -> np.ndarray:
    return values[ri] if len(ri) else np.array([], dtype=object)


def _frame(
    obligation_id: pd.Series | np.ndarray,
    kind: str,
    case_id: pd.Series,
    source_id: pd.Series,
    due_on: pd.Series,
    done_on: pd.Series,
    rule_id: np.ndarray,
    law: np.ndarray,
    paragraph: np.ndarray,
    rule_text: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "obligation_id": np.asarray(obligation_id, dtype=object),
            "kind": kind,
            "case_id": np.asarray(case_id, dtype=object),
            "source_id": np.asarray(source_id, dtype=object),
            "due_on": np.asarray(due_on, dtype="datetime64[ns]"),
            "done_on": np.asarray(done_on, dtype="datetime64[ns]"),
            "rule_id": np.asarray(rule_id, dtype=object),
            "law": np.asarray(law, dtype=object),
            "paragraph": np.asarray(paragraph, dtype=object),
            "rule_text": np.asarray(rule_text, dtype=object),
        }
    )


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
    return status, (late_days + over_days).astype("int64")


def _members(
    kpi: str, unit_id: pd.Series, case_id: pd.Series, met: pd.Series, obligation_id: pd.Series
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": kpi,
            "unit_id": np.asarray(unit_id, dtype=object),
            "case_id": np.asarray(case_id, dtype=object),
            "met": np.asarray(met, dtype=bool),
            "obligation_id": np.asarray(obligation_id, dtype=object),
        }
    )


def _case_members(kpi: str, obl: pd.DataFrame) -> pd.DataFrame:
    """Case-level KPI members from the relevant obligations (case_id, obligation_id,
    status, days_overdue, due_on): met when none is overdue; the deciding obligation is
    the most overdue one if missed, else the next due one."""
    if obl.empty:
        return _members(kpi, obl["case_id"], obl["case_id"], [], obl["case_id"])
    o = obl.assign(_over=(obl["status"] == "overdue").to_numpy())
    o = o.sort_values(["case_id", "_over", "days_overdue", "due_on"], ascending=[True, False, False, True])
    first = o.drop_duplicates("case_id", keep="first")
    return _members(kpi, first["case_id"], first["case_id"], ~first["_over"], first["obligation_id"])


# ------------------------------------------------------------------ the engine
@dataclass
class _Ctx:
    t: pd.Timestamp
    window_start: pd.Timestamp  # K2/K4b/K7/K8 window: (window_start, t]
    rules: Rules
    ra: dict[str, np.ndarray]
    cases: pd.DataFrame  # known at t, with display attributes and case_active
    measures: pd.DataFrame  # known at t, with case attributes, active, law_date
    data: dict[str, pd.DataFrame]
    full: bool


def _prepare(data: dict[str, pd.DataFrame], t: pd.Timestamp, rules: Rules, full: bool) -> _Ctx:
    c = data["cases"]
    c = c[c["opened_on"] <= t]
    cw = c["caseworker_id"].fillna(UNASSIGNED)
    team = c["team"].fillna(NO_TEAM)
    digits = c["cpr"].str.replace("-", "", regex=False).str.slice(0, 6)
    cases = pd.DataFrame(
        {
            "case_id": c["case_id"],
            "target_group": c["target_group"].fillna(""),
            "center": c["center"].fillna(""),
            "team": team,
            "caseworker_id": cw,
            "cpr_masked": digits.fillna("XXXXXX") + "-XXXX",
            "acute": c["acute"],
            "case_active": (c["closed_on"].isna() | (c["closed_on"] >= t)).to_numpy(),
        }
    ).drop_duplicates("case_id")
    m = data["measures"]
    m = m[m["start_on"] <= t].merge(
        cases[["case_id", "target_group", "acute", "case_active"]], on="case_id", how="inner"
    )
    m["active"] = m["case_active"] & (m["end_on"].isna() | (m["end_on"] >= t))
    m["law_date"] = m["decided_on"].where(m["decided_on"] <= t).fillna(m["start_on"])
    window_start = add_months(pd.Series([t]), -rules.kpi_window_months).iloc[0]
    return _Ctx(t, window_start, rules, _rule_arrays(rules), cases, m, data, full)


def _handleplans(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri = _assign_rules(m["paragraph"], m["target_group"], m["law_date"], x.rules, "handleplan")
    keep = (ri >= 0) & (m["active"] | (m["start_on"] > x.window_start)).to_numpy()
    h = m[keep].reset_index(drop=True)
    ri = ri[keep]
    anchor = h["law_date"].where(ra["anchor_decision"][ri].astype(bool), h["start_on"])
    due = add_months(anchor, ra["months"][ri].astype("int64"))
    acute_m = ra["acute_months"][ri].astype("int64")
    acute = h["acute"].to_numpy() & (acute_m >= 0)
    due = due.where(~acute, add_months(h["start_on"], np.maximum(acute_m, 0)))
    plans = x.data["action_plans"]
    ev = pd.DataFrame({"case_id": plans["case_id"], "when": plans["made_on"]})
    ev = ev[ev["when"] <= t]
    obl = pd.DataFrame({"case_id": h["case_id"], "due_on": due})
    done = _latest_before_else_first_after(obl, ev)["when"]
    texts = np.where(acute, _text(ra["text_acute"], ri), _text(ra["text"], ri))
    f = _frame(
        "hp:" + h["measure_id"],
        "handleplan",
        h["case_id"],
        h["measure_id"],
        due,
        done,
        _text(ra["id"], ri),
        _text(ra["law"], ri),
        _text(ra["paragraph"], ri),
        texts,
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    due_by_t = (f["due_on"] <= t).to_numpy()
    k1 = f[h["active"].to_numpy() & due_by_t]
    k2 = f[(h["start_on"] > x.window_start).to_numpy() & due_by_t]
    mem = [
        _case_members("K1", k1),
        _members("K2", k2["source_id"], k2["case_id"], k2["status"] == "met", k2["obligation_id"]),
    ]
    return f, mem


def _follow_ups(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri_all = _assign_rules(m["paragraph"], m["target_group"], m["law_date"], x.rules, "follow-up")
    keep = (ri_all >= 0) & m["active"].to_numpy()
    fm = m.loc[keep, ["measure_id", "case_id", "start_on", "end_on", "target_group"]]
    fm = fm.reset_index(drop=True)
    ri = ri_all[keep]
    fm["ri"] = ri
    fm["first_due"] = add_months(fm["start_on"], ra["first_months"][ri].astype("int64"))
    fm["parallel_used"] = False
    par = ra["parallel"][ri].astype(bool)
    inv = x.data["investigations"]
    inv = inv[(inv["start_on"] <= t) & (inv["completed_on"] <= t)]
    if par.any() and len(inv):
        p = fm.loc[par, ["measure_id", "case_id", "start_on", "first_due"]].merge(
            inv[["case_id", "start_on", "completed_on"]].rename(columns={"start_on": "inv_start"}),
            on="case_id",
        )
        p = p[
            (p["inv_start"] <= p["start_on"])
            & (p["completed_on"] > p["start_on"])
            & (p["completed_on"] < p["first_due"])
        ]
        earliest = p.groupby("measure_id")["completed_on"].min()
        pe = pd.Series(
            earliest.reindex(fm["measure_id"].to_numpy()).to_numpy(dtype="datetime64[ns]"),
            index=fm.index,
        )
        used = pe.notna().to_numpy()
        fm["first_due"] = fm["first_due"].where(~used, pe)
        fm["parallel_used"] = used

    f = x.data["follow_ups"]
    f = f[f["done_on"] <= t]
    by_m = f[f["measure_id"].notna()][["measure_id", "done_on", "next_due_on"]].merge(
        fm[["measure_id", "start_on"]], on="measure_id"
    )
    by_c = f[f["measure_id"].isna()][["case_id", "done_on", "next_due_on"]].merge(
        fm[["measure_id", "case_id", "start_on", "end_on"]], on="case_id"
    )
    by_c = by_c[by_c["end_on"].isna() | (by_c["done_on"] <= by_c["end_on"])]
    cols = ["measure_id", "done_on", "next_due_on", "start_on"]
    ev = pd.concat([by_m[cols], by_c[cols]], ignore_index=True)
    ev = ev[ev["done_on"] >= ev["start_on"]]
    ev = ev.sort_values(["measure_id", "done_on", "next_due_on"], na_position="first")
    ev = ev.drop_duplicates(["measure_id", "done_on"], keep="last").reset_index(drop=True)
    pos = pd.Series(np.arange(len(fm)), index=fm["measure_id"].to_numpy())
    mi = pos.reindex(ev["measure_id"].to_numpy()).to_numpy()
    eri = ri[mi]
    default_next = add_months(ev["done_on"], ra["interval_months"][eri].astype("int64"))
    set_next = (
        ra["use_next_due"][eri].astype(bool)
        & ev["next_due_on"].notna().to_numpy()
        & (ev["next_due_on"] > ev["done_on"]).to_numpy()
    )
    ev["next_from"] = default_next.where(~set_next, ev["next_due_on"])
    ev["n"] = ev.groupby("measure_id", sort=False).cumcount() + 1
    g = ev.groupby("measure_id", sort=False)
    last = g.agg(count=("n", "size"), next_from=("next_from", "last"))

    cur_n = fm["measure_id"].map(last["count"]).fillna(0).astype("int64") + 1
    cur_due = pd.Series(
        last["next_from"].reindex(fm["measure_id"].to_numpy()).to_numpy(dtype="datetime64[ns]"),
        index=fm.index,
    )
    first = (cur_n == 1).to_numpy()
    cur_due = cur_due.where(~first, fm["first_due"])
    first_text = np.where(
        fm["parallel_used"].to_numpy(), _text(ra["text_parallel"], ri), _text(ra["text"], ri)
    )
    cur = _frame(
        "fu:" + fm["measure_id"] + ":" + cur_n.astype("string"),
        "follow-up",
        fm["case_id"],
        fm["measure_id"],
        cur_due,
        pd.Series(pd.NaT, index=fm.index, dtype="datetime64[ns]"),
        _text(ra["id"], ri),
        _text(ra["law"], ri),
        _text(ra["paragraph"], ri),
        np.where(first, first_text, _text(ra["text_next"], ri)),
    )
    cur["status"], cur["days_overdue"] = _status(cur["due_on"], cur["done_on"], t)
    frames = [cur]
    if x.full and len(ev):
        prev = g["next_from"].shift(1)
        is_first = (ev["n"] == 1).to_numpy()
        due = prev.where(~is_first, fm["first_due"].to_numpy()[mi])
        par_used = fm["parallel_used"].to_numpy()[mi]
        ftext = np.where(par_used, _text(ra["text_parallel"], eri), _text(ra["text"], eri))
        hist = _frame(
            "fu:" + ev["measure_id"] + ":" + ev["n"].astype("string"),
            "follow-up",
            fm["case_id"].to_numpy()[mi],
            ev["measure_id"],
            due,
            ev["done_on"],
            _text(ra["id"], eri),
            _text(ra["law"], eri),
            _text(ra["paragraph"], eri),
            np.where(is_first, ftext, _text(ra["text_next"], eri)),
        )
        hist["status"], hist["days_overdue"] = _status(hist["due_on"], hist["done_on"], t)
        frames.insert(0, hist)
    tg = fm["target_group"].to_numpy()
    mem = [
        _case_members("K3", cur[tg == "born"]),
        _case_members("K5", cur[tg == "voksen"]),
    ]
    return pd.concat(frames, ignore_index=True), mem


def _shelter(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    m, ra, t = x.measures, x.ra, x.t
    ri = _assign_rules(m["paragraph"], m["target_group"], m["law_date"], x.rules, "shelter-plan")
    keep = (ri >= 0) & m["active"].to_numpy()
    s = m[keep].reset_index(drop=True)
    ri = ri[keep]
    due = add_months(s["start_on"], ra["grace_months"][ri].astype("int64"))
    p = x.data["action_plans"]
    when = p["offered_on"].where(p["offered_on"] <= t)
    made = p["made_on"].where(p["made_on"] <= t)
    when = when.where(made.isna() | (when <= made), made)  # the earlier of offered and made
    ev = pd.DataFrame({"case_id": p["case_id"], "when": when, "declined": p["declined"]})
    got = _latest_before_else_first_after(pd.DataFrame({"case_id": s["case_id"], "due_on": due}), ev, ["declined"])
    declined = got["declined"].fillna(False).astype(bool).to_numpy()
    texts = _text(ra["text"], ri)
    texts = np.where(declined, texts + " – tilbud afslået af borgeren (tæller som opfyldt)", texts)
    f = _frame(
        "sp:" + s["measure_id"],
        "shelter-plan",
        s["case_id"],
        s["measure_id"],
        due,
        got["when"],
        _text(ra["id"], ri),
        _text(ra["law"], ri),
        _text(ra["paragraph"], ri),
        texts,
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    k6 = f[(f["due_on"] < t).to_numpy()]
    mem = [_members("K6", k6["source_id"], k6["case_id"], k6["done_on"].notna(), k6["obligation_id"])]
    return f, mem


def _investigations(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    ra, t = x.ra, x.t
    inv = x.data["investigations"]
    inv = inv[inv["start_on"] <= t].merge(x.cases[["case_id", "target_group"]], on="case_id")
    done = inv["completed_on"].where(inv["completed_on"] <= t)
    keep = (done.isna() | (done > x.window_start)).to_numpy()
    inv, done = inv[keep].reset_index(drop=True), done[keep].reset_index(drop=True)
    ri = _assign_rules(
        pd.Series([""] * len(inv), dtype="string"),
        inv["target_group"],
        inv["start_on"],
        x.rules,
        "investigation",
    )
    ok = ri >= 0
    inv, done, ri = inv[ok].reset_index(drop=True), done[ok].reset_index(drop=True), ri[ok]
    due = add_months(inv["start_on"], ra["months"][ri].astype("int64"))
    f = _frame(
        "inv:" + inv["investigation_id"],
        "investigation",
        inv["case_id"],
        inv["investigation_id"],
        due,
        done,
        _text(ra["id"], ri),
        _text(ra["law"], ri),
        _text(ra["paragraph"], ri),
        _text(ra["text"], ri),
    )
    f["status"], f["days_overdue"] = _status(f["due_on"], f["done_on"], t)
    is_open = f["done_on"].isna()
    a, b = f[is_open], f[~is_open]
    mem = [
        _members("K4a", a["source_id"], a["case_id"], a["status"] == "open", a["obligation_id"]),
        _members("K4b", b["source_id"], b["case_id"], b["status"] == "met", b["obligation_id"]),
    ]
    return f, mem


def _applications(x: _Ctx) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    rules, t = x.rules, x.t
    a = x.data["applications"]
    a = a[a["received_on"] <= t].merge(x.cases[["case_id"]], on="case_id")
    decided = a["decided_on"].where(a["decided_on"] <= t)
    keep = (decided.isna() | (decided > x.window_start)).to_numpy()
    a, decided = a[keep].reset_index(drop=True), decided[keep].reset_index(drop=True)
    letter = a["letter_sent_on"].where(a["letter_sent_on"] <= t)
    benefit = a["benefit"].fillna("")
    codes = pd.unique(benefit)
    wd_map = {c: rules.deadline(c).working_days for c in codes}
    label_map = {c: rules.deadline(c).label for c in codes}
    due = add_working_days(a["received_on"], benefit.map(wd_map).to_numpy(dtype="int64"))
    label = benefit.map(label_map).astype(object).to_numpy()
    known = benefit.isin(list(rules.processing)).to_numpy()
    bcode = benefit.astype(object).to_numpy()
    rule_id = np.where(known, "RTSL3-" + bcode, "RTSL3-standard")
    n = len(a)
    law = np.full(n, rules.processing_law, dtype=object)
    par = np.full(n, rules.processing_paragraph, dtype=object)
    head = f"{rules.processing_law} § 3 stk. 2: "
    p = _frame(
        "pr:" + a["application_id"],
        "processing",
        a["case_id"],
        a["application_id"],
        due,
        decided,
        rule_id,
        law,
        par,
        head + "afgørelse senest " + label + " efter modtagelsen (" + bcode + ")",
    )
    p["status"], p["days_overdue"] = _status(p["due_on"], p["done_on"], t)
    passed = (p["status"].isin(["late", "overdue"])).to_numpy()
    lt = _frame(
        "lt:" + a["application_id"][passed],
        "letter",
        a["case_id"][passed],
        a["application_id"][passed],
        due[passed],
        letter[passed],
        rule_id[passed],
        law[passed],
        par[passed],
        head + "skriftlig besked til borgeren senest ved fristen på " + label[passed] + " ("
        + bcode[passed] + ")",
    )
    lt["status"], lt["days_overdue"] = _status(lt["due_on"], lt["done_on"], t)
    # Decided without a letter: the letter lapsed with the decision (late, frozen days).
    dec = decided[passed].to_numpy(dtype="datetime64[ns]")
    lapsed = ~np.isnat(dec) & lt["done_on"].isna().to_numpy()
    lt.loc[lapsed, "status"] = "late"
    lt.loc[lapsed, "days_overdue"] = (
        (dec[lapsed] - lt["due_on"].to_numpy()[lapsed]) // np.timedelta64(1, "D")
    ).astype("int64")
    k7 = p[p["done_on"].notna().to_numpy()]
    mem = [
        _members("K7", k7["source_id"], k7["case_id"], k7["status"] == "met", k7["obligation_id"]),
        _members("K8", lt["source_id"], lt["case_id"], lt["status"] == "met", lt["obligation_id"]),
    ]
    return pd.concat([p, lt], ignore_index=True), mem


def _target_column(rules: Rules, kpi: pd.Series, center: pd.Series, level_all: bool) -> np.ndarray:
    if level_all or not rules.center_targets:
        return kpi.map({k: rules.target(k) for k in KPIS}).to_numpy(dtype=float)
    keys = pd.DataFrame({"k": kpi, "c": center})
    uniq = keys.drop_duplicates()
    uniq["t"] = [rules.target(k, c) for k, c in zip(uniq["k"], uniq["c"], strict=True)]
    return keys.merge(uniq, on=["k", "c"], how="left")["t"].to_numpy(dtype=float)


def aggregate(
    members: pd.DataFrame,
    as_of: dt.date,
    rules: Rules,
    centers: list[str],
    kind: str = "snapshot",
) -> pd.DataFrame:
    """KPI results per level from the members; 0/0 gives value NaN (None in the store).

    Level all and center have a row for every KPI (and every center); team and
    caseworker levels only where there are members.
    """
    out: list[pd.DataFrame] = []
    mem = members.assign(met_i=members["met"].astype("int64"))
    for level, keys in LEVELS.items():
        g = mem.groupby(["kpi", *keys], sort=True, observed=True)["met_i"].agg(["sum", "size"])
        g = g.rename(columns={"sum": "numerator", "size": "denominator"})
        if level == "all":
            g = g.reindex(pd.Index(KPIS, name="kpi"), fill_value=0)
        elif level == "center":
            full = pd.MultiIndex.from_product(
                [list(KPIS), sorted(set(centers) | set(mem["center"].unique()))], names=["kpi", "center"]
            )
            g = g.reindex(full, fill_value=0)
        r = g.reset_index()
        for col in ("center", "team", "caseworker_id"):
            if col not in r.columns:
                r[col] = "ALL" if (col == "center") else ""
        r["level"] = level
        r["target"] = _target_column(rules, r["kpi"], r["center"], level == "all")
        out.append(r)
    res = pd.concat(out, ignore_index=True)
    res["numerator"] = res["numerator"].astype("int64")
    res["denominator"] = res["denominator"].astype("int64")
    den = res["denominator"].to_numpy()
    res["value"] = np.where(den > 0, res["numerator"] / np.where(den > 0, den, 1), np.nan)
    res["as_of"] = np.full(len(res), np.datetime64(pd.Timestamp(as_of), "ns"))
    res["kind"] = kind
    res["needed"] = pd.array([pd.NA] * len(res), dtype="Int64")
    for col in ("kpi", "level", "center", "team", "caseworker_id", "kind"):
        res[col] = res[col].astype("string")
    return res[RESULT_COLUMNS]


def _evaluate(
    data: dict[str, pd.DataFrame], as_of: dt.date, rules: Rules, full: bool
) -> Evaluation:
    t = pd.Timestamp(as_of)
    x = _prepare(data, t, rules, full)
    parts = [_handleplans, _follow_ups, _shelter, _investigations, _applications]
    frames: list[pd.DataFrame] = []
    mems: list[pd.DataFrame] = []
    for part in parts:
        f, mem = part(x)
        frames.append(f)
        mems.extend(mem)
    attrs = ["target_group", "center", "team", "caseworker_id"]
    case_cols = x.cases.set_index("case_id")
    members = pd.concat(mems, ignore_index=True)
    members = members.join(case_cols[["center", "team", "caseworker_id"]], on="case_id")
    members["as_of"] = np.full(len(members), np.datetime64(t, "ns"))
    for col in ("kpi", "unit_id", "case_id", "center", "team", "caseworker_id", "obligation_id"):
        members[col] = members[col].astype("string")
    members = members[MEMBER_COLUMNS]
    centers = sorted(set(x.cases["center"].dropna().unique()) - {""})
    results = aggregate(members, as_of, rules, centers)
    if full:
        ob = pd.concat(frames, ignore_index=True)
        ob = ob.join(case_cols[[*attrs, "cpr_masked"]], on="case_id")
        ob["as_of"] = np.full(len(ob), np.datetime64(t, "ns"))
        for col in OBLIGATION_COLUMNS:
            if col not in ("as_of", "due_on", "done_on", "days_overdue"):
                ob[col] = ob[col].astype("string")
        ob["days_overdue"] = ob["days_overdue"].astype("int64")
        ob = ob[OBLIGATION_COLUMNS]
    else:
        ob = pd.DataFrame(columns=OBLIGATION_COLUMNS)
    return Evaluation(ob, members, results)


# ------------------------------------------------------------------- public API
def evaluate(
    data: Mapping[str, pd.DataFrame], as_of: dt.date, rules: Rules | None = None
) -> Evaluation:
    """Obligations, KPI members and KPI results (kind snapshot) as known at `as_of`."""
    rules = rules or load_rules()
    return _evaluate(normalise(data), as_of, rules, full=True)


def history(
    data: Mapping[str, pd.DataFrame], month_ends: list[dt.date], rules: Rules | None = None
) -> pd.DataFrame:
    """KPI results (kind recomputed, all levels) at each of the month-ends."""
    rules = rules or load_rules()
    d = normalise(data)
    out = []
    for me in month_ends:
        r = _evaluate(d, me, rules, full=False).results
        r["kind"] = "recomputed"
        out.append(r)
    if not out:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(out, ignore_index=True)


def needed_to_reach(kpi: str, numerator: int, denominator: int, target: float) -> int:
    """How many obligations must be completed for the KPI to reach its target.

    Completing an ongoing investigation takes it out of K4a's denominator; every
    other KPI turns a missed unit into a met one.
    """
    if denominator == 0 or numerator >= target * denominator - 1e-9:
        return 0
    if kpi == "K4a":
        return max(0, math.ceil(denominator - numerator / target - 1e-9)) if target > 0 else 0
    return max(0, math.ceil(target * denominator - numerator - 1e-9))


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
    rules = rules or load_rules()
    d = known_at(data, as_of)
    out = []
    for me in month_ends_after(as_of, months):
        r = _evaluate(d, me, rules, full=False).results
        r["kind"] = "forecast"
        r["needed"] = pd.array(
            [
                needed_to_reach(k, int(n), int(dd), float(tg))
                for k, n, dd, tg in zip(
                    r["kpi"], r["numerator"], r["denominator"], r["target"], strict=True
                )
            ],
            dtype="Int64",
        )
        out.append(r)
    return pd.concat(out, ignore_index=True)


def due_soon(obligations: pd.DataFrame, as_of: dt.date, rules: Rules) -> pd.Series:
    """Mask of open obligations due within the rules' due-soon window after `as_of`."""
    t = pd.Timestamp(as_of)
    until = t + pd.Timedelta(days=rules.due_soon_days)
    return (obligations["status"] == "open") & (obligations["due_on"] <= until)


__all__ = [
    "Evaluation",
    "LawRule",
    "aggregate",
    "due_soon",
    "evaluate",
    "forecast",
    "history",
    "known_at",
    "needed_to_reach",
    "normalise",
]
