"""One select as a pandas frame: the read the query modules share.

Every page query ends here, so only aggregates or one page of rows (what the
statement selects) ever leave the database.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, Select


def select_frame(
    engine: Engine, stmt: Select, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The rows of `stmt` as a frame, one row per result row; `columns` names them
    (default: the statement's own labels). An empty result keeps the columns."""
    with engine.connect() as conn:
        result = conn.execute(stmt)
        rows = result.fetchall()
        names = list(columns) if columns is not None else list(result.keys())
    return pd.DataFrame([tuple(r) for r in rows], columns=names)
