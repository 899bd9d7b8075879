"""Plausibility: an extract readable and valid row by row can still be wrong.

A file cut short by a failed export, a header-only file, an extract whose rows
are mostly rejected, a date in the future: loaded, each would empty or poison
what users see. `check` compares the prepared extract with the last good load
(extract-format.md, "Plausibility") and returns one finding per broken rule,
with a Danish message (it is shown on Datakvalitet):

    empty-file          a required file with no rows (its header only)
    file-shrunk         a required file with fewer than LOAD_MIN_ROWS_SHARE of
                        its rows in the last good load
    too-many-rejected   more than LOAD_MAX_REJECTED_SHARE of a file's rows rejected
    extract-future      the extract date more than one day after today
    extract-older       the extract date before that of the last good load

The load job refuses the extract on any finding the operator has not accepted
(`FLAGS`: the `etl load` option that accepts each rule). The shares are checked
only for files of at least LOAD_CHECK_MIN_ROWS rows. No SQL: the last load comes
from `store.runs.last_loaded`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import settings
from etl import contract
from etl.prepare import Prepared
from etl.problems import Problem
from store.runs import LoadedRun

# The `etl load` option that loads an extract anyway, per rule.
ACCEPT_SHRINK, ACCEPT_FUTURE, ALLOW_OLDER = "--accept-shrink", "--accept-future", "--allow-older"
FLAGS: dict[str, str] = {
    "empty-file": ACCEPT_SHRINK,
    "file-shrunk": ACCEPT_SHRINK,
    "too-many-rejected": ACCEPT_SHRINK,
    "extract-future": ACCEPT_FUTURE,
    "extract-older": ALLOW_OLDER,
}
FUTURE_DAYS = 1  # an extract may be dated tomorrow (a run just after midnight), not later


@dataclass(frozen=True)
class Limits:
    """The configured limits (settings LOAD_MIN_ROWS_SHARE, LOAD_MAX_REJECTED_SHARE,
    LOAD_CHECK_MIN_ROWS)."""

    min_rows_share: float = 0.5
    max_rejected_share: float = 0.5
    min_rows: int = 20

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            settings.LOAD_MIN_ROWS_SHARE.get(),
            settings.LOAD_MAX_REJECTED_SHARE.get(),
            settings.LOAD_CHECK_MIN_ROWS.get(),
        )


def _percent(share: float) -> str:
    """A share as Danish writes it: 50 %, 50,3 %."""
    text = f"{share * 100:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} %"


def _number(n: int) -> str:
    """A count as Danish writes it: 1.234."""
    return f"{n:,}".replace(",", ".")


def _stem(label: str) -> str:
    """`sager.csv` -> `sager`: a file compared by name, whatever its format."""
    return label.rsplit(".", 1)[0].lower()


def check(
    prep: Prepared,
    last: LoadedRun | None,
    today: dt.date,
    limits: Limits,
    *,
    dated_by_option: bool = False,
) -> list[Problem]:
    """Every plausibility rule the prepared extract breaks, one finding each (errors;
    the messages do not say what happens next: the load job adds that)."""
    findings = _dates(prep, last, today, dated_by_option)
    previous = {_stem(label): n for label, n in (last.rows_read if last else {}).items()}
    for spec in contract.FILES:
        raw = prep.extract.files.get(spec.name)
        if raw is None:
            continue
        label = raw.label
        rejected = int(prep.rows_rejected.get(label, 0))
        read = int(prep.rows_loaded.get(label, 0)) + rejected
        before = previous.get(spec.name)
        if spec.required and read == 0:
            findings.append(
                Problem(
                    "empty-file",
                    "filen har kun overskriften og ingen rækker: en eksport, der fejlede?",
                    file=label,
                    line=1,
                    value="0",
                )
            )
        elif (
            spec.required
            and last is not None
            and before is not None
            and before >= limits.min_rows
            and read < limits.min_rows_share * before
        ):
            findings.append(
                Problem(
                    "file-shrunk",
                    f"filen har {_number(read)} rækker, færre end "
                    f"{_percent(limits.min_rows_share)} af de {_number(before)} rækker ved "
                    f"sidste indlæsning (kørsel {last.run_id}): en afbrudt eksport?",
                    file=label,
                    value=str(read),
                )
            )
        if read >= limits.min_rows and rejected > limits.max_rejected_share * read:
            findings.append(
                Problem(
                    "too-many-rejected",
                    f"{_number(rejected)} af filens {_number(read)} rækker "
                    f"({_percent(rejected / read)}) ville blive afvist; højst "
                    f"{_percent(limits.max_rejected_share)} er tilladt",
                    file=label,
                    value=str(rejected),
                )
            )
    return findings


def _dates(
    prep: Prepared, last: LoadedRun | None, today: dt.date, dated_by_option: bool
) -> list[Problem]:
    """extract-future and extract-older, located in the manifest or on `--as-of`."""
    manifest = None if dated_by_option else prep.extract.manifest
    # dated by --as-of, by the manifest, or (neither) taken as today for want of a manifest
    file = "--as-of" if dated_by_option else (manifest.label if manifest else "manifest.csv")
    where = {
        "file": file,
        "line": 2 if manifest is not None else None,
        "column": contract.MANIFEST_DATE if manifest is not None else None,
        "value": prep.extract_date.isoformat(),
    }
    date = prep.extract_date.isoformat()
    found = []
    if prep.extract_date > today + dt.timedelta(days=FUTURE_DAYS):
        found.append(
            Problem(
                "extract-future",
                f"udtræksdatoen {date} ligger mere end {FUTURE_DAYS} dag efter i dag "
                f"({today.isoformat()})",
                **where,  # type: ignore[arg-type]
            )
        )
    if last is not None and last.extract_date is not None and prep.extract_date < last.extract_date:
        found.append(
            Problem(
                "extract-older",
                f"udtræksdatoen {date} er før den sidste indlæsnings "
                f"({last.extract_date.isoformat()}, kørsel {last.run_id})",
                **where,  # type: ignore[arg-type]
            )
        )
    return found
