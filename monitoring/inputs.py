"""The engine's input: the tables it reads, as known at a date, indexed once.

The input is the store's current data (one frame per table, the extract's rows
in English column names). `normalise` gives every table the expected columns and
dtypes, `known_at` cuts it to what was known at a date (kpis.md, Conventions:
"records with a start after D do not exist yet, end dates after D are open"), and
`index_data` indexes it once, independent of D, into a `CaseData`: one row per
case, with every other table keyed to its case by integer position.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from cpr import mask_value_series
from vocab import NO_TEAM, UNASSIGNED


class TableSchema(NamedTuple):
    """The columns the engine reads from one input table, by dtype."""

    texts: list[str]
    dates: list[str]
    bools: list[str]


INPUT_SCHEMA: dict[str, TableSchema] = {
    "cases": TableSchema(
        ["case_id", "cpr", "target_group", "center", "team", "caseworker_id"],
        ["opened_on", "closed_on"],
        ["acute"],
    ),
    "measures": TableSchema(
        ["measure_id", "case_id", "paragraph", "title"],
        ["decided_on", "start_on", "end_on"],
        [],
    ),
    "action_plans": TableSchema(
        ["plan_id", "case_id"], ["made_on", "revised_on", "offered_on"], ["declined"]
    ),
    "follow_ups": TableSchema(
        ["follow_up_id", "case_id", "measure_id", "form"],
        ["done_on", "next_due_on"],
        [],
    ),
    "investigations": TableSchema(
        ["investigation_id", "case_id"], ["start_on", "completed_on"], []
    ),
    "applications": TableSchema(
        ["application_id", "case_id", "benefit"],
        ["received_on", "decided_on", "letter_sent_on"],
        [],
    ),
}
# Optional columns (nullable boolean, NA where absent or empty), after the schema's columns.
OPTIONAL_BOOLS: dict[str, list[str]] = {"measures": ["acute"]}
# A blank team or caseworker is a missing one (the case is unassigned / has no team).
_BLANK_IS_MISSING = frozenset({"team", "caseworker_id"})
# The date a record of each table starts to exist (kpis.md: "records exist from
# their own start"); action plans exist from every one of their dates.
# Dates known before they happen: the deadline a caseworker set for the future (kpis.md,
# Forecast: "caseworker-set naeste_frist dates after the extract date ... are known").
_KNOWN_IN_ADVANCE = frozenset({"next_due_on"})
_START_COLUMN: dict[str, str] = {
    "cases": "opened_on",
    "measures": "start_on",
    "follow_ups": "done_on",
    "investigations": "start_on",
    "applications": "received_on",
}


def normalise(data: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The input tables with the expected dtypes (missing tables/columns become empty).

    One row per input row, in the input's order. Blank team and caseworker are
    treated as missing (unassigned).
    """
    out: dict[str, pd.DataFrame] = {}
    for name, (texts, dates, bools) in INPUT_SCHEMA.items():
        table = data.get(name)
        table = pd.DataFrame() if table is None else table
        n_rows = len(table)
        columns: dict[str, pd.Series] = {}
        for column in texts:
            if column in table.columns:
                values = table[column]
            else:
                values = pd.Series([pd.NA] * n_rows, index=table.index)
            if values.dtype != "string":
                values = values.astype("string")
            if column in _BLANK_IS_MISSING:
                values = values.mask(values == "")
            columns[column] = values
        for column in dates:
            if column in table.columns:
                values = table[column]
            else:
                values = pd.Series([pd.NaT] * n_rows, index=table.index)
            if values.dtype != "datetime64[ns]":
                values = pd.to_datetime(values).astype("datetime64[ns]")
            columns[column] = values
        for column in bools:
            if column in table.columns:
                values = table[column]
            else:
                values = pd.Series([False] * n_rows, index=table.index)
            columns[column] = values if values.dtype == bool else values.fillna(False).astype(bool)
        for column in OPTIONAL_BOOLS.get(name, []):
            columns[column] = _optional_bool(table, column)
        out[name] = pd.DataFrame(columns, index=table.index).reset_index(drop=True)
    return out


def _optional_bool(table: pd.DataFrame, column: str) -> pd.Series:
    """An optional J/N column as a nullable boolean: NA where the column is absent or
    the cell is empty (extract-format.md: `foranstaltninger.akut`)."""
    if column not in table.columns:
        return pd.Series(pd.NA, index=table.index, dtype="boolean")
    values = table[column]
    if values.dtype == bool or str(values.dtype) == "boolean":
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.upper()
    out = pd.Series(pd.NA, index=table.index, dtype="boolean")
    out[text.isin(["J", "JA", "Y", "YES", "TRUE", "1", "T"]).fillna(False).to_numpy()] = True
    out[text.isin(["N", "NEJ", "NO", "FALSE", "0", "F"]).fillna(False).to_numpy()] = False
    return out


def known_at(data: Mapping[str, pd.DataFrame], as_of: dt.date) -> dict[str, pd.DataFrame]:
    """The data as known at `as_of`: later records dropped, later end/done dates blank
    (a caseworker's `naeste_frist` after `as_of` is kept: it is known in advance).

    One row per input row that exists at `as_of`.
    """
    as_of_ts = pd.Timestamp(as_of)
    out: dict[str, pd.DataFrame] = {}
    for name, table in normalise(data).items():
        start_column = _START_COLUMN.get(name)
        if start_column is not None:
            table = table[table[start_column] <= as_of_ts]
        table = table.copy()
        for column in INPUT_SCHEMA[name].dates:
            if column != start_column and column not in _KNOWN_IN_ADVANCE:
                table[column] = table[column].where(table[column] <= as_of_ts)
        out[name] = table.reset_index(drop=True)
    return out


def has_dates_after(data: Mapping[str, pd.DataFrame], as_of_ts: pd.Timestamp) -> bool:
    """Whether any date of the (normalised) data lies after `as_of_ts`."""
    return any(
        bool((data[name][column] > as_of_ts).any())
        for name, schema in INPUT_SCHEMA.items()
        for column in schema.dates
        if column not in _KNOWN_IN_ADVANCE
    )


@dataclass
class CaseData:
    """The input, indexed once (independent of D).

    The case arrays have one element per case: a case's position in them is its
    `case_row`, which every other table carries as a column (rows whose case is
    unknown are dropped). A case without a (known) caseworker has UNASSIGNED as
    caseworker, one without a team NO_TEAM.
    """

    case_ids: np.ndarray  # object
    opened_on: np.ndarray  # datetime64[ns]
    closed_on: np.ndarray
    target_group: np.ndarray  # "" when missing
    acute: np.ndarray  # bool: the case is marked acute (sager.akut)
    center: np.ndarray  # "" when missing
    team: np.ndarray
    caseworker_id: np.ndarray
    cpr: pd.Series  # as given; only its masked form (cpr_masked) leaves the engine
    paragraph_codes: np.ndarray  # distinct paragraph codes (measures.paragraph_row points here)
    measures: pd.DataFrame  # + case_row, paragraph_row (-1 = no code)
    follow_ups: pd.DataFrame  # + case_row, measure_row (-1 = case level or unknown measure)
    plans: pd.DataFrame  # + case_row
    investigations: pd.DataFrame  # + case_row
    applications: pd.DataFrame  # + case_row
    # level -> (the unit of each case at that level, the units' keys): filled on first
    # use by `monitoring.kpis.unit_groups`, then shared by every date evaluated
    unit_groups: dict[str, tuple[np.ndarray, pd.DataFrame]] = field(default_factory=dict)

    @functools.cached_property
    def cpr_masked(self) -> np.ndarray:
        """Each case's CPR masked as DDMMYY-XXXX (`cpr.mask_value_series`), computed on
        first use: only the obligations' lists show it, never the history or forecast."""
        return mask_value_series(self.cpr).to_numpy(dtype=object)


def index_data(data: dict[str, pd.DataFrame]) -> CaseData:
    """Index normalised input tables (`normalise` or `known_at`) by case.

    Duplicate case and measure ids keep their first row. A follow-up with a
    measure id takes its case from that measure; one without (case level) is
    looked up by its case id.
    """
    cases = data["cases"].drop_duplicates("case_id").reset_index(drop=True)
    case_index = pd.Index(cases["case_id"].astype(object))

    def with_case(table: pd.DataFrame) -> pd.DataFrame:
        case_row = case_index.get_indexer(table["case_id"].astype(object))
        return table.assign(case_row=case_row)[case_row >= 0].reset_index(drop=True)

    measures = with_case(data["measures"].drop_duplicates("measure_id"))
    paragraph_row, paragraph_codes = pd.factorize(
        measures["paragraph"].astype(object), use_na_sentinel=True
    )
    measures["paragraph_row"] = paragraph_row
    measure_index = pd.Index(measures["measure_id"].astype(object))

    follow_ups = data["follow_ups"]
    has_measure = follow_ups["measure_id"].notna().to_numpy()
    measure_row = np.full(len(follow_ups), -1, dtype="int64")
    measure_row[has_measure] = measure_index.get_indexer(
        follow_ups["measure_id"][has_measure].astype(object)
    )
    case_row = np.full(len(follow_ups), -1, dtype="int64")
    known_measure = measure_row[has_measure] >= 0
    case_row[has_measure] = np.where(
        known_measure,
        measures["case_row"].to_numpy()[np.maximum(measure_row[has_measure], 0)],
        -1,
    )
    case_row[~has_measure] = case_index.get_indexer(
        follow_ups["case_id"][~has_measure].astype(object)
    )
    follow_ups = follow_ups.assign(measure_row=measure_row, case_row=case_row)
    follow_ups = follow_ups[case_row >= 0].reset_index(drop=True)

    return CaseData(
        case_ids=cases["case_id"].to_numpy(dtype=object),
        opened_on=cases["opened_on"].to_numpy(dtype="datetime64[ns]"),
        closed_on=cases["closed_on"].to_numpy(dtype="datetime64[ns]"),
        target_group=cases["target_group"].fillna("").to_numpy(dtype=object),
        acute=cases["acute"].to_numpy(dtype=bool),
        center=cases["center"].fillna("").to_numpy(dtype=object),
        team=cases["team"].fillna(NO_TEAM).to_numpy(dtype=object),
        caseworker_id=cases["caseworker_id"].fillna(UNASSIGNED).to_numpy(dtype=object),
        cpr=cases["cpr"],
        paragraph_codes=np.asarray(paragraph_codes, dtype=object),
        measures=measures,
        follow_ups=follow_ups,
        plans=with_case(data["action_plans"]),
        investigations=with_case(data["investigations"]),
        applications=with_case(data["applications"]),
    )
