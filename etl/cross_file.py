"""The cross-file rules, from the references the contract declares.

`etl.contract.Reference` says which column holds ids of which file; every
reference is checked the same way (nothing here names a file): an id the
target lacks (`unknown-case`, `unknown-measure`: errors; `unknown-caseworker`:
a warning, the case is kept), a target row of another case
(`measure-other-case`), and a row referring to a rejected row
(`depends-on-rejected`). Messages are Danish and name the other file.
"""

from __future__ import annotations

import pandas as pd

from etl import contract
from etl.checks import problem_rows, staged_cells
from etl.read import LINE
from etl.staging import Staged


def _ids(st: Staged, danish: str) -> pd.Series:
    return staged_cells(st, danish).dropna()


def _key(st: Staged) -> str:
    """The Danish key column of a file referred to (a one-column key)."""
    (key,) = st.spec.key
    return key


def rule_unknown_reference(st: Staged, column: contract.Column, target: Staged) -> pd.DataFrame:
    """unknown-case / unknown-caseworker / unknown-measure (the reference's `unknown_rule`):
    an id in a referring column is not in the file it refers to."""
    assert column.references is not None
    ref = column.references
    ids = staged_cells(st, column.danish)
    bad = ids.notna() & ~ids.isin(_ids(target, _key(target)))
    note = f"; {ref.kept_note}" if ref.kept_note else ""
    return problem_rows(
        st,
        bad,
        column.danish,
        ref.unknown_rule,
        lambda v: f"{column.danish} '" + v + f"' findes ikke i {target.raw.label}{note}",
        severity=ref.severity,
    )


def _first_by_id(st: Staged, danish: str) -> pd.DataFrame:
    """The first row per id of a file (the one that counts), with the row's index label."""
    ids = staged_cells(st, danish)
    first = ~ids.duplicated(keep="first") & ids.notna()
    return st.frame.loc[first].assign(_row=st.frame.index[first]).set_index(ids[first])


def rule_reference_other_case(st: Staged, column: contract.Column, target: Staged) -> pd.DataFrame:
    """measure-other-case (the reference's `same_case_rule`): the row referred to belongs to
    another case than the referring row's own case."""
    assert column.references is not None and column.references.same_case_rule is not None
    own_case, target_case = st.spec.case_column, target.spec.case_column
    if own_case is None or target_case is None:  # pragma: no cover - a contract error
        raise ValueError(f"{st.spec.name}.{column.danish}: same-case reference without cases")
    ref = staged_cells(st, column.danish)
    owner = ref.map(_first_by_id(target, _key(target))[target_case.english])
    case = staged_cells(st, own_case.danish)
    bad = (owner.notna() & case.notna() & (owner != case)).fillna(False)
    return problem_rows(
        st,
        bad,
        column.danish,
        column.references.same_case_rule,
        lambda v: (
            f"{column.danish} '"
            + v
            + f"' hører til {target_case.danish} '"
            + owner.loc[v.index].astype(str)
            + f"', ikke til rækkens {own_case.danish} '"
            + case.loc[v.index].astype(str)
            + "'"
        ),
    )


def rule_depends_on_rejected(
    st: Staged, column: str, parent: Staged, parent_column: str, rejected: pd.Series
) -> pd.DataFrame:
    """depends-on-rejected: the row refers to a parent row that was rejected.

    A parent id counts as rejected when no row with that id was kept.
    """
    pid = staged_cells(parent, parent_column)
    kept_ids = pid[~rejected & pid.notna()]
    lost = pid[rejected & pid.notna() & ~pid.isin(kept_ids)]
    lost_lines = (
        parent.raw.frame.loc[lost.index, LINE].groupby(lost.to_numpy()).first()
        if len(lost)
        else pd.Series(dtype="int64")
    )
    ref = staged_cells(st, column)
    bad = ref.isin(lost).fillna(False)
    return problem_rows(
        st,
        bad,
        column,
        "depends-on-rejected",
        lambda v: (
            f"{parent.spec.entity} '"
            + v
            + f"' er afvist ({parent.raw.label} linje "
            + ref.loc[v.index].map(lost_lines).astype("Int64").astype(str)
            + "), så denne række afvises også"
        ),
        value=ref,
    )


def reference_rules(
    st: Staged, staged: dict[str, Staged], rejected: dict[str, pd.Series]
) -> list[pd.DataFrame]:
    """Every cross-file rule of one file, from its declared references (targets validated first).

    Per reference, in column order: the unknown id, the other case (when declared),
    and, when the reference `depends`, the rows referring to a rejected row.
    """
    out: list[pd.DataFrame] = []
    for column in st.spec.references:
        ref = column.references
        assert ref is not None
        target = staged[ref.target]
        out.append(rule_unknown_reference(st, column, target))
        if ref.same_case_rule is not None:
            out.append(rule_reference_other_case(st, column, target))
        if ref.depends:
            out.append(
                rule_depends_on_rejected(
                    st, column.danish, target, _key(target), rejected[ref.target]
                )
            )
    return out
