"""The synthetic demo extract: a believable, entirely fictitious case-system extract.

Not a pipeline stage: it writes what the case system would, in the format of
the extract contract (`etl.contract`), for demos, benchmarks and end-to-end
tests. Three steps, one module each:

- `demo.world`: the simulation (caseworkers, cases, measures, plans,
  follow-ups, investigations, applications, complaints, reviews) as typed
  frames with the store's English names;
- `demo.extract_text`: those frames as the extract's text files, spelled as
  the contract says (Danish names, accepted date/boolean/CPR formats);
- `demo.faults`: the mistakes real extracts have, by contract column type.

`write_demo_extract(out, scale=..., seed=..., as_of=..., error_rate=...)`
writes an extract folder; `python -m demo --out DIR` does the same from the
command line. Deterministic for (scale, seed, as_of, error_rate) and the rule
file's processing deadlines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demo import extract_text, faults, slips, world
from monitoring.rules import Rules, load_rules

SCALES: tuple[str, ...] = tuple(world.SCALE_FACTORS)  # tiny, kbh, national
SOURCE_NAME = extract_text.SOURCE_NAME
DEFAULT_SEED = 1

__all__ = [
    "DEFAULT_SEED",
    "SCALES",
    "DemoExtract",
    "generate_demo_extract",
    "generate_demo_frames",
    "write_demo_extract",
]


@dataclass
class DemoExtract:
    """A generated extract before it is written."""

    as_of: dt.date  # the extract date (the manifest's udtraeksdato)
    frames: dict[str, pd.DataFrame]  # Danish file name -> text frame, one row per file row
    faults: pd.DataFrame  # one row per injected fault (`demo.faults.FAULT_COLUMNS`)


def _yesterday() -> dt.date:
    return dt.date.today() - dt.timedelta(days=1)


def generate_demo_extract(
    scale: str = "kbh",
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    error_rate: float = 0.0,
    rules: Rules | None = None,
) -> DemoExtract:
    """Simulate, write as text and (with `error_rate` > 0) break a demo extract.

    `as_of` None means yesterday; `rules` None means the configured rule file.
    `error_rate` is the share of the rows per fault kind and file (0 <= rate < 0.5).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    if not 0.0 <= error_rate < 0.5:
        raise ValueError("error_rate must be in [0, 0.5)")
    as_of = as_of or _yesterday()
    rng = np.random.default_rng(seed)
    simulated = world.simulate(rng, scale, as_of, rules or load_rules())
    slips.add_slips(simulated.tables)
    frames = extract_text.extract_frames(rng, simulated)
    log = pd.DataFrame(columns=faults.FAULT_COLUMNS)
    if error_rate > 0:
        frames, log = faults.inject_faults(rng, frames, error_rate)
    return DemoExtract(as_of=as_of, frames=frames, faults=log)


def generate_demo_frames(
    scale: str = "kbh",
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    error_rate: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """The demo extract as text frames: Danish file name -> frame (the contract's columns)."""
    return generate_demo_extract(scale, seed=seed, as_of=as_of, error_rate=error_rate).frames


def write_demo_extract(
    out: Path,
    *,
    scale: str = "kbh",
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    error_rate: float = 0.0,
) -> Path:
    """Write a synthetic extract folder (every contract file + manifest.csv); return it."""
    extract = generate_demo_extract(scale, seed=seed, as_of=as_of, error_rate=error_rate)
    return extract_text.write_extract(Path(out), extract.frames, extract.as_of)
