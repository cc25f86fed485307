"""Screens hand results back (messages, `dismiss`) and the app navigates; the live line reads `Grade.position`."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.app import App

import tutor.tui.screens
from tutor.grading.grade import Grade, Status
from tutor.tui.app import TutorApp
from tutor.tui.widgets.answers import interpretation

SCREENS = Path(tutor.tui.screens.__file__).parent
# What TutorApp adds to Textual's App: navigation and sessions. A screen reaching for one of these navigates itself.
TUTOR_APP_ONLY = {name for name in vars(TutorApp) if not name.startswith("__")} - set(dir(App))


def _app_attributes(path: Path) -> set[str]:
    """Every `self.app.NAME` a module touches."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "app"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "self"
        ):
            found.add(node.attr)
    return found


def test_the_app_has_navigation_methods_to_look_for():
    assert {"begin", "resume", "show_start", "show_current", "next_question", "question_shown"} <= TUTOR_APP_ONLY


def test_no_screen_calls_the_apps_own_methods():
    offenders = {
        path.name: sorted(_app_attributes(path) & TUTOR_APP_ONLY) for path in sorted(SCREENS.glob("*.py"))
    }
    assert {name: used for name, used in offenders.items() if used} == {}


def test_no_screen_imports_the_app_module():
    for path in sorted(SCREENS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "tutor.tui.app" not in modules, path.name


def test_live_line_marks_the_position_from_the_grade_not_from_the_message():
    """A message that names no column still gets its place shown; the place comes from `position`."""
    text = "2*d + q"
    line = interpretation(text, Grade.invalid("an unknown symbol", position=6))
    assert line.plain.startswith("✗ an unknown symbol")
    assert line.plain.endswith(text)
    marked = [span for span in line.spans if "reverse" in str(span.style)]
    assert len(marked) == 1
    start = line.plain.rindex(text)
    assert (marked[0].start - start, marked[0].end - start) == (6, 7)


def test_live_line_without_a_position_marks_nothing_and_never_says_right_or_wrong():
    line = interpretation("2*d", Grade.invalid("cannot read this", position=None))
    assert line.plain == "✗ cannot read this"
    ok = Grade(status=Status.INCORRECT, fraction=0.0, score=1, interpreted="2·d", feedback=("wrong",), expected="3·d")
    assert interpretation("2*d", ok).plain == "interpreted as 2·d"


def test_live_line_marks_the_whole_span_that_broke():
    text = "2*d + foo"
    line = interpretation(text, Grade.invalid("an unknown symbol", position=6, position_end=9))
    marked = [span for span in line.spans if "reverse" in str(span.style)]
    start = line.plain.rindex(text)
    assert [(m.start - start, m.end - start) for m in marked] == [(6, 9)]
