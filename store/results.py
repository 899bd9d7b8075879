"""Monitoring results in the store: obligations, KPI members and KPI results.

(Placeholder being filled in by the monitoring work: refresh_monitoring is
called by the ETL inside its load transaction.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Connection


def refresh_monitoring(
    conn: Connection, data: Mapping[str, pd.DataFrame], as_of: dt.date, run_id: int
) -> None:
    """Recompute and store obligations, KPI members and the KPI snapshot for `as_of`."""
    return None
