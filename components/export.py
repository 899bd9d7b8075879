"""Downloads built on the server: the case list and a run's problems as Excel or CSV.

The frames get Danish headers and labels and real dates, so a file opens in
Excel as the page shows it; CSV is semicolon-separated with a BOM (Excel reads
æøå right).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import dcc

from components import labels
from monitoring.reasons import reasons
from vocab import problem_label

# XlsxWriter: text stays text (never a formula or a link), whatever it starts with.
XLSX_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# case-list column -> Danish header, in the file's column order
CASE_LIST_HEADERS: dict[str, str] = {
    "case_id": "Sag",
    "cpr": "CPR",
    "center": "Center",
    "team": "Team",
    "caseworker": "Sagsbehandler",
    "kind": "Type",
    "status": "Status",
    "due_on": "Frist",
    "done_on": "Udført",
    "days_overdue": "Dage over fristen",
    "paragraph": "Paragraf",
    "rule_text": "Hvorfor",
    "kpi": "Nøgletal",
    "met": "Opfyldt",
}
# problem column -> Danish header
PROBLEM_HEADERS: dict[str, str] = {
    "file": "Fil",
    "line": "Linje",
    "column": "Kolonne",
    "value": "Værdi",
    "rule_text": "Regel",
    "rule": "Kode",
    "severity": "Alvor",
    "message": "Besked",
}


# A spreadsheet reads a cell starting with one of these as a formula (or DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text (a leading
    apostrophe, OWASP's advice); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of the frame neutralised (numbers and dates are left alone)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise, na_action="ignore")
    return out


def filename(stem: str, ext: str, today: dt.date | None = None) -> str:
    """'fristvagt-sager-2026-11-22.xlsx': what the file is and the day it was made."""
    return f"fristvagt-{stem}-{(today or dt.date.today()).isoformat()}.{ext}"


def case_list_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The exported case list (one row per obligation or KPI member): Danish headers and labels."""
    out = df.copy()
    out["caseworker"] = [
        labels.caseworker_label(w, n)
        for w, n in zip(out["caseworker_id"], out["caseworker"], strict=True)
    ]
    out["team"] = out["team"].map(labels.team_label)
    out["kind"] = out["kind"].map(labels.kind_label)
    out["status"] = out["status"].map(labels.status_label)
    out["rule_text"] = reasons(out)
    for c in ("due_on", "done_on"):
        out[c] = pd.to_datetime(out[c]).dt.date
    if "met" in out:
        out["met"] = out["met"].map({True: "Ja", False: "Nej"})
    cols = [c for c in CASE_LIST_HEADERS if c in out.columns]
    return neutralise_frame(out[cols].rename(columns=CASE_LIST_HEADERS))


def problems_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A run's problems (one row per problem, values already masked): Danish headers and rules."""
    out = df.copy()
    out["rule_text"] = out["rule"].map(problem_label)
    out["severity"] = out["severity"].map(labels.severity_label)
    cols = [c for c in PROBLEM_HEADERS if c in out.columns]
    return neutralise_frame(out[cols].rename(columns=PROBLEM_HEADERS))


def csv_download(df: pd.DataFrame, name: str) -> dict[str, Any]:
    """A dcc.Download of the frame as CSV (semicolons, BOM), text cells neutralised."""
    return dcc.send_string("\ufeff" + neutralise_frame(df).to_csv(index=False, sep=";"), name)


def xlsx_download(
    df: pd.DataFrame, name: str, sheet: str, widths: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """A dcc.Download of the frame as one Excel sheet: filter buttons, frozen header.

    widths sets a column's width by header (the others are 16 wide).
    """
    df = neutralise_frame(df)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
        df.to_excel(xw, index=False, sheet_name=sheet)
        ws = xw.sheets[sheet]
        ws.autofilter(0, 0, len(df), max(len(df.columns) - 1, 0))
        ws.freeze_panes(1, 0)
        for i, col in enumerate(df.columns):
            ws.set_column(i, i, (widths or {}).get(col, 16))
    return dcc.send_bytes(buf.getvalue(), name)
