"""Slips of a real case system that pass validation but that the deadline rules cannot
use (kpis.md, "Nothing silently dropped"): the demo has a few, so Datakvalitet's
findings show something real. Deterministic: no random draws (the rest of the
world stays as the seed drew it).

- An application registered under a benefit code without a processing deadline
  (`SEL118`: a slip for another code): every `UNKNOWN_BENEFIT_EVERY`-th application.
- A caseworker who left (inactive in medarbejdere) while still holding open cases:
  the active caseworker of SCK with the fewest open cases.
"""

from __future__ import annotations

import pandas as pd

UNKNOWN_BENEFIT = "SEL118"
UNKNOWN_BENEFIT_EVERY = 300
LEFT_CENTER = "SCK"


def add_slips(tables: dict[str, pd.DataFrame]) -> None:
    """Change `tables` (the world's frames, English names) in place."""
    apps = tables["applications"]
    if len(apps):
        every = apps.index[UNKNOWN_BENEFIT_EVERY - 1 :: UNKNOWN_BENEFIT_EVERY]
        apps.loc[every, "benefit"] = UNKNOWN_BENEFIT
    employees, cases = tables["employees"], tables["cases"]
    open_cases = cases[cases["closed_on"].isna()]
    holders = open_cases.groupby("caseworker_id").size()
    candidates = employees[
        (employees["center"] == LEFT_CENTER)
        & employees["active"].astype(bool)
        & employees["employee_id"].isin(holders.index)
    ]
    if len(candidates):
        counts = holders.reindex(candidates["employee_id"]).to_numpy()
        left = candidates.index[int(counts.argmin())]
        employees.loc[left, "active"] = False
