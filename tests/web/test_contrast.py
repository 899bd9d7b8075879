"""AA contrast (issue 13): the colours the stylesheet sets for text read at least 4.5:1
against the page's background and white (WCAG 2.1 relative luminance)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "assets" / "10-fristvagt.css"
BACKGROUND = "#f6f7f9"


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rule(selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS.read_text())
    assert match, selector
    return match.group(1)


def colour(selector: str, prop: str = "color") -> str:
    found = re.search(rf"(?<![-\w]){prop}:\s*(#[0-9a-fA-F]{{6}})", rule(selector))
    assert found, (selector, prop)
    return found.group(1)


def test_text_colours_meet_aa() -> None:
    for selector in (".center-pills .nav-link", "a", ".btn-outline-secondary", ".text-muted"):
        for background in (BACKGROUND, "#ffffff"):
            assert ratio(colour(selector), background) >= 4.5, (selector, background)
    active = ".center-pills .nav-link.active"
    assert ratio(colour(active), colour(active, "background")) >= 4.5


def test_scorecard_cells_meet_aa_on_their_shading() -> None:
    text, counts = colour(".score-cell a"), colour(".score-counts")
    for shade in (
        ".scorecard td.score-met",
        ".scorecard td.score-close",
        ".scorecard td.score-missed",
    ):
        background = colour(shade, "--bs-table-bg")
        assert ratio(text, background) >= 4.5 and ratio(counts, background) >= 4.5, shade
    assert ratio(colour(".score-empty"), "#ffffff") >= 4.5


def test_skip_link_and_main_landmark() -> None:
    import app

    layout = app.app.layout
    first = layout.children[0]
    assert first.href == "#main" and first.children == "Spring til indhold"
    assert any(
        getattr(c, "id", None) == "main" and type(c).__name__ == "Main" for c in layout.children
    )
