"""tutor.errors: what every front end shows for a refused input."""

from __future__ import annotations

from tutor.errors import caret, visible


def test_the_caret_covers_the_span_that_broke():
    assert caret(3) == "   ^"
    assert caret(2, 5) == "  ^^^"
    assert caret(0, 0) == "^"  # an empty span still points somewhere


def test_visible_keeps_one_character_per_character():
    text = "a\x1b[31mb\tc\x07"
    shown = visible(text)
    assert len(shown) == len(text) and "\x1b" not in shown and "\x07" not in shown and "\t" in shown
