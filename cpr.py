"""CPR masking, the one home for it: ETL problem reports, the engine's
`cpr_masked` column, run messages and the web app all mask through here.

A masked CPR keeps at most the date part: `DDMMYY-XXXX`. A value that is not a
well-formed CPR never shows its serial digits either. Bottom floor: imports
nothing of the project.
"""

from __future__ import annotations

import re

import pandas as pd

MASK = "XXXX"
# A CPR number anywhere in a text: six digits, an optional dash or space, four digits.
_CPR_ANYWHERE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")
_NOT_DIGIT = re.compile(r"\D")


def mask_text(text: str | None) -> str | None:
    """Mask every CPR number in a free text (a message, a raw cell) as DDMMYY-XXXX."""
    if text is None:
        return None
    return _CPR_ANYWHERE.sub(rf"\1-{MASK}", text)


def mask_text_series(s: pd.Series) -> pd.Series:
    """`mask_text` over a series (vectorised); missing values stay missing."""
    return s.astype("string").str.replace(_CPR_ANYWHERE, rf"\1-{MASK}", regex=True)


def mask_value(value: str | None) -> str | None:
    """Mask a value read from a CPR column, whatever its shape.

    Six or more digits: the first six (the date part) and `-XXXX`. Fewer: every
    character replaced by `X`, so that no digit of a malformed value is shown.
    """
    if value is None:
        return None
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) >= 6:
        return f"{digits[:6]}-{MASK}"
    return "X" * len(value)


def mask_value_series(s: pd.Series) -> pd.Series:
    """`mask_value` over a series; missing values become `XXXXXX-XXXX`.

    The usual `DDMMYY-SSSS` is masked vectorised; any other shape cell by cell.
    """
    text = s.astype("string")
    date_part = text.str.slice(0, 6)
    usual = (text.str.len().eq(11) & text.str.slice(6, 7).eq("-") & date_part.str.isdigit()).fillna(
        False
    )
    out = (date_part + f"-{MASK}").astype(object)
    out[text.isna().to_numpy()] = f"XXXXXX-{MASK}"
    other = (~usual & text.notna()).to_numpy()
    if other.any():
        out[other] = [mask_value(str(v)) for v in text[other]]
    return out
