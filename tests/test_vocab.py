"""The one vocabulary: every problem code the code can raise has a Danish entry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import vocab

ROOT = Path(__file__).resolve().parent.parent
# Where problems and run outcomes are raised.
RAISING = [
    *sorted((ROOT / "etl").glob("*.py")),
    ROOT / "jobs" / "load.py",
    ROOT / "store" / "runs.py",
]
CODE = re.compile(r"^[a-z]+(-[a-z0-9]+)+$")
NOT_CODES = re.compile(r"utf|cp1252|latin")  # encodings named in the reader


def raised_codes() -> dict[str, str]:
    """Every string literal shaped like a problem code (`date-after-extract`) -> where."""
    found: dict[str, str] = {}
    for path in RAISING:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.match(node.value)
                and not NOT_CODES.search(node.value)
            ):
                found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_raised_problem_code_is_catalogued_in_danish() -> None:
    raised = raised_codes()
    assert len(raised) > 20  # the scan finds the codes at all
    missing = {code: where for code, where in raised.items() if code not in vocab.PROBLEM_CODES}
    assert missing == {}


def test_catalogue_entries_have_danish_labels() -> None:
    for code, entry in vocab.PROBLEM_CODES.items():
        assert entry.code == code
        assert entry.label and entry.label != code
    assert vocab.problem_label("date-format") == "Ugyldig dato"
    assert vocab.problem_label("no-such-rule") == "no-such-rule"


def test_run_outcomes_render_in_danish_without_parsing_sentences() -> None:
    assert (
        vocab.run_outcome_text(
            {"code": "loaded", "rows_rejected": 1234, "problems": 5, "errors": 2}
        )
        == "1.234 rækker afvist; 5 problemer (2 fejl)"
    )
    assert vocab.run_outcome_text({"code": "refused", "rules": ["missing-column"]}) == (
        "Afvist: Påkrævet kolonne mangler; intet indlæst"
    )
    assert vocab.run_outcome_text(None) == ""
    assert vocab.run_outcome_text({"code": "unknown"}) == ""


def test_status_words_compare_equal_to_the_stored_strings() -> None:
    assert vocab.Status.OVERDUE == "overdue"
    assert vocab.Kind.FOLLOW_UP == "follow-up"
    assert vocab.RunStatus.LOADED == "loaded"


def test_a_forced_load_says_so() -> None:
    text = vocab.run_outcome_text(
        {
            "code": "loaded",
            "rows_rejected": 0,
            "problems": 1,
            "errors": 0,
            "forced": True,
            "accepted": ["file-shrunk"],
        }
    )
    assert text.endswith("(indlæst alligevel trods: " + vocab.problem_label("file-shrunk") + ")")
