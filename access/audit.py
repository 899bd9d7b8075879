"""The audit log (issue 11): who saw or did what, when, from where. Append-only.

`record` writes one event; `search` reads them back (the admin page,
`python -m access audit`). Texts are CPR-masked before they are stored: the log
says which cases were shown (case ids), never the CPR numbers themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine

import cpr
from store import access as store_access

log = logging.getLogger(__name__)
MAX_TEXT = 200  # a page or filter text is cut here


def _masked(detail: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not detail:
        return None
    text = cpr.mask_text(json.dumps(dict(detail), ensure_ascii=False, default=str))
    return json.loads(text)


def record(
    engine: Engine,
    *,
    user: str | None,
    action: str,
    role: str | None = None,
    page: str | None = None,
    detail: Mapping[str, Any] | None = None,
    row_count: int | None = None,
    case_ids: Sequence[str] | None = None,
    address: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one audit event."""
    store_access.append_audit(
        engine,
        {
            "at": at or dt.datetime.now(),
            "username": user,
            "role": role,
            "action": str(action),
            "page": cpr.mask_text(page)[:MAX_TEXT] if page else None,
            "detail": _masked(detail),
            "row_count": None if row_count is None else int(row_count),
            "case_ids": sorted({str(c) for c in case_ids}) if case_ids is not None else None,
            "address": (address or "")[:64] or None,
        },
    )


def search(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int | None = 1000,
) -> pd.DataFrame:
    """Audit events, newest first (see `store.access.AUDIT_COLUMNS`)."""
    return store_access.search_audit(engine, since=since, username=user, action=action, limit=limit)


def as_records(events: pd.DataFrame) -> list[dict[str, Any]]:
    """Events as JSON-ready dicts (ISO timestamps)."""
    out: list[dict[str, Any]] = []
    for row in events.astype(object).where(events.notna(), None).to_dict("records"):
        at = row["at"]
        row["at"] = at.isoformat(sep=" ") if hasattr(at, "isoformat") else at
        for key in ("detail", "case_ids"):
            if isinstance(row[key], str):
                row[key] = json.loads(row[key])
        row["event_id"] = int(row["event_id"])
        if row["row_count"] is not None:
            row["row_count"] = int(row["row_count"])
        out.append(row)
    return out
