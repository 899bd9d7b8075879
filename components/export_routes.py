"""Files as routes: the case list (`/eksport/sager.csv`, `.xlsx`; issue 11) and every
trend chart as one PDF (`/eksport/udvikling.pdf`, the Direktion page).

They take the Sager page's link (its filters, and the grid's sort and column filters
as `sortering=` / `kolonnefilter=` JSON), apply the viewer's scope from the session
(components.auth; a request without a login gets 401 there), and are audited with
the cases they hold. A plain GET with the session cookie works from Excel's "From
web" as well as from the page's buttons.

CSV is streamed: rows go out batch by batch from a server-side cursor, so the first
byte leaves at once and memory stays bounded however long the list. XLSX is written
by XlsxWriter in constant-memory mode to a temporary file, then streamed from it.
Every text cell that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

import xlsxwriter
from flask import Flask, Response, jsonify, request, stream_with_context

from components import auth, board, export, ui, urls
from store import case_list, grid_filter, runs
from vocab import AuditAction

log = logging.getLogger(__name__)

MAX_MODEL_CHARS = 4000  # a sort or filter model longer than this is refused
WIDTHS = {"Hvorfor": 60, "Sagsbehandler": 24, "Type": 18}


def init_exports(server: Flask) -> None:
    server.add_url_rule(urls.EXPORT_CSV, "export_csv", export_csv)
    server.add_url_rule(urls.EXPORT_XLSX, "export_xlsx", export_xlsx)
    server.add_url_rule(urls.EXPORT_TRENDS_PDF, "export_trends_pdf", export_trends_pdf)


def export_trends_pdf() -> Response:
    """Every KPI's trend chart as one PDF (Direktion), for the viewer's scope; audited.
    Aggregates only: no case, no CPR."""
    eng, scope = ui.engine(), ui.scope()
    as_of = runs.current_as_of(eng)
    got = board.board_data(eng, scope)
    if not got["kpis"] or as_of is None or got["months"] is None or got["months"].empty:
        response = jsonify({"error": "no KPI results yet"})
        response.status_code = 404
        return response
    pdf = board.trend_pdf(
        got["months"],
        got["kpis"],
        got["centers"],
        got["events"],
        board.headline(got["total"], got["per_center"], got["whole"]),
        as_of,
    )
    auth.audit(
        AuditAction.EXPORT,
        page=urls.BOARD,
        detail={"format": "pdf", "kpis": got["kpis"], "centers": got["centers"]},
        row_count=len(got["kpis"]),
    )
    name = export.filename("udvikling", "pdf")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class BadExport(ValueError):
    """The link cannot be exported (message for the 400 answer)."""


def _model(name: str, kind: type) -> Any:
    raw = request.args.get(name)
    if not raw:
        return None
    if len(raw) > MAX_MODEL_CHARS:
        raise BadExport(f"{name} is too long")
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadExport(f"{name} is not JSON") from None
    if not isinstance(value, kind):
        raise BadExport(f"{name} has the wrong shape")
    return value


def _request_filter() -> tuple[case_list.ListFilter, Any, Any]:
    params = {k: v for k, v in request.args.items() if k not in (urls.SORT, urls.COLUMN_FILTER)}
    link = urls.parse_list(params)
    if link.not_understood:
        raise BadExport("not understood: " + urls.not_understood_text(link.not_understood))
    return link.filter, _model(urls.SORT, list), _model(urls.COLUMN_FILTER, dict)


def _batches(flt: case_list.ListFilter, sort: Any, filters: Any) -> Iterator[Any]:
    yield from case_list.list_export_batches(ui.engine(), ui.scope(), flt, sort, filters)


def _audit(
    fmt_name: str, flt: case_list.ListFilter, sort: Any, filters: Any, rows: int, cases: set[str]
) -> None:
    auth.audit(
        AuditAction.EXPORT,
        page=urls.CASES + urls.list_search(flt),
        detail={"format": fmt_name, "sort": sort, "column_filter": filters},
        row_count=rows,
        case_ids=sorted(cases),
    )


def _check() -> tuple[case_list.ListFilter, Any, Any] | Response:
    try:
        flt, sort, filters = _request_filter()
        # the models against the allow-list, before the first byte goes out
        case_list.check_models(ui.engine(), ui.scope(), flt, sort, filters)
    except (
        BadExport,
        grid_filter.DisallowedColumn,
        grid_filter.BadFilter,
        case_list.BadFilter,
    ) as exc:
        response = jsonify({"error": str(exc)})
        response.status_code = 400
        return response
    return flt, sort, filters


def export_csv() -> Response:
    checked = _check()
    if isinstance(checked, Response):
        return checked
    flt, sort, filters = checked

    def rows() -> Iterator[str]:
        # the header first, before the list's query has sorted anything: the download
        # starts at once, whatever the list's length
        header = export.case_list_frame(case_list.empty_list_frame(bool(flt.kpi)))
        yield "\ufeff" + header.to_csv(index=False, sep=";")
        n, cases = 0, set()
        try:
            for batch in _batches(flt, sort, filters):
                cases.update(batch["case_id"].dropna().astype(str))
                frame = export.case_list_frame(batch)
                buf = io.StringIO()
                frame.to_csv(buf, index=False, sep=";", header=False, quoting=csv.QUOTE_MINIMAL)
                n += len(frame)
                yield buf.getvalue()
        finally:  # audited also when the download stops half-way: what was sent
            _audit("csv", flt, sort, filters, n, cases)

    name = export.filename("sager", "csv")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def export_xlsx() -> Response:
    checked = _check()
    if isinstance(checked, Response):
        return checked
    flt, sort, filters = checked
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="fristvagt-export-")
    os.close(fd)
    try:
        n, cases = _write_xlsx(path, flt, sort, filters)
        _audit("xlsx", flt, sort, filters, n, cases)
    except BaseException:
        os.unlink(path)
        raise

    def stream() -> Iterator[bytes]:
        try:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 16):
                    yield chunk
        finally:
            os.unlink(path)

    name = export.filename("sager", "xlsx")
    return Response(
        stream(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(os.path.getsize(path)),
        },
    )


def _write_xlsx(
    path: str, flt: case_list.ListFilter, sort: Any, filters: Any
) -> tuple[int, set[str]]:
    """Write the list to `path` row by row (constant memory); returns rows and cases."""
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, **export.XLSX_OPTIONS})
    ws = wb.add_worksheet("Sager")
    date_format = wb.add_format({"num_format": "dd-mm-yyyy"})
    bold = wb.add_format({"bold": True})
    n, cases = 0, set()
    headers: list[str] | None = None
    for batch in _batches(flt, sort, filters):
        cases.update(batch["case_id"].dropna().astype(str))
        frame = export.case_list_frame(batch)
        if headers is None:
            headers = list(frame.columns)
            _header(ws, headers, bold)
        for values in frame.itertuples(index=False, name=None):
            n += 1
            for col, value in enumerate(values):
                _cell(ws, n, col, value, date_format)
    if headers is None:
        headers = list(export.case_list_frame(case_list.empty_list_frame(bool(flt.kpi))).columns)
        _header(ws, headers, bold)
    ws.autofilter(0, 0, n, max(len(headers) - 1, 0))
    ws.freeze_panes(1, 0)
    wb.close()
    return n, cases


def _header(ws: Any, headers: list[str], bold: Any) -> None:
    for col, title in enumerate(headers):
        ws.set_column(col, col, WIDTHS.get(title, 14))
        ws.write_string(0, col, title, bold)


def _cell(ws: Any, row: int, col: int, value: Any, date_format: Any) -> None:
    import datetime as dt

    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


def describe(params: Mapping[str, str]) -> str:
    """The export link's filter in words (for logs): never a CPR."""
    return ", ".join(
        f"{k}={v}" for k, v in params.items() if k not in (urls.SORT, urls.COLUMN_FILTER)
    )
