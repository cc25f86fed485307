"""The code editor behaves like one: auto-indent, ctrl+a selects all, ctrl+e hands the text to $EDITOR."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import showing, wait_until

from tutor.tui.screens.question import QuestionScreen
from tutor.tui.widgets.editor import AnswerEditor, edit_externally, next_line_indent


@pytest.mark.parametrize(
    ("line", "indent"),
    [("def f(x):", "    "), ("    if x:", "        "), ("    return x", "    "), ("x = 1", ""),
     ("    for i in range(3):  # loop", "        "), ("\tx", "\t")],
)
def test_next_line_indent(line: str, indent: str) -> None:
    assert next_line_indent(line) == indent


def test_edit_externally_reads_the_file_back(tmp_path: Path) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys; p = sys.argv[1]; open(p, 'a').write('    return 1\\n')\n")
    text, problem = edit_externally("def f():\n", [sys.executable, str(script)])
    assert problem is None and text == "def f():\n    return 1\n"
    text, problem = edit_externally("keep", [sys.executable, "-c", "raise SystemExit(3)"])
    assert text == "keep" and "status 3" in problem
    text, problem = edit_externally("keep", [str(tmp_path / "no-such-editor")])
    assert text == "keep" and "could not start" in problem


def test_editor_keys_in_the_app(make: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys; open(sys.argv[1], 'w').write('def edited():\\n    pass\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")

    async def scenario() -> None:
        app = make("tui-code")
        # a test terminal cannot be handed over; the editor still runs and the text comes back
        monkeypatch.setattr(type(app), "suspend", lambda self: contextlib.nullcontext())
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            editor = app.screen.query_one(AnswerEditor)
            editor.text = ""
            await pilot.press(*"def f(x):", "enter", *"if x:", "enter", *"return 1", "enter")
            assert editor.text == "def f(x):\n    if x:\n        return 1\n        "
            await pilot.press("ctrl+a")
            assert editor.selected_text == editor.text
            await pilot.press("ctrl+e")
            await wait_until(pilot, lambda: editor.text.startswith("def edited"), "the edited text")
            await pilot.press("ctrl+z")  # one undo brings the old text back
            assert editor.text.startswith("def f(x):")

    asyncio.run(scenario())


def test_show_prints_the_prompt_and_the_starter(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.cli import main

    assert main(["show", "code.mqa-forward", "--starter"]) == 0
    starter = capsys.readouterr().out
    assert "def mqa_forward(" in starter and not starter.startswith("code.")
    assert main(["show", "code.mqa-forward"]) == 0
    out = capsys.readouterr().out
    assert "mqa_forward(x, w_q" in out and "--starter > mine.py" in out
    assert main(["show", "kvc-decode-scores-memory-complexity", "--starter"]) == 2
    assert "only code questions have a starter" in capsys.readouterr().err
    # an id that only a YAML file here defines: the message says to add it with --bank
    (tmp_path / "mine.yaml").write_text("questions:\n  - id: my-own-q\n    kind: numeric\n")
    monkeypatch.chdir(tmp_path)
    assert main(["show", "my-own-q"]) == 2
    assert "mine.yaml in this folder defines it: add --bank mine.yaml" in capsys.readouterr().err
