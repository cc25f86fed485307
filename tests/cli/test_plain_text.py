"""The plain quiz reads like text: Markdown without its markers, wrapped to the terminal, and a Ctrl-D
after part of a line asks before grading it."""

from __future__ import annotations

import io

from tutor.plain import prose, read_answer


def test_markdown_reads_as_plain_text() -> None:
    text = prose("A **bold** claim, `code **kept**` and *this*; $d^2$ .\n\n- a list item", width=80)
    assert text == "A bold claim, `code **kept**` and this; d².\n\n- a list item"


def test_wrapping_never_orphans_punctuation_or_breaks_code() -> None:
    words = " ".join(["word"] * 30)
    text = prose(f"{words} `inline code with spaces` end ;\n\n```\n{'x = 1  # ' * 12}\n```", width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines if not line.startswith("    "))
    assert not any(line.lstrip().startswith((";", ".", ",")) for line in lines)
    assert any("`inline code with spaces`" in line for line in lines)
    assert any(line.startswith("    x = 1") and len(line) > 40 for line in lines)  # code keeps its line


class Terminal:
    """Lines as a terminal delivers them: a Ctrl-D after typing gives the part without a newline."""

    def __init__(self, *chunks: str) -> None:
        self.chunks = list(chunks)

    def readline(self) -> str:
        return self.chunks.pop(0) if self.chunks else ""

    def isatty(self) -> bool:
        return True


def test_ctrl_d_after_a_partial_line_asks_first() -> None:
    out = io.StringIO()
    assert read_answer(Terminal("4", "y\n"), code=False, out=out) == "4"
    assert "Grade '4' as your answer? [y/N]" in out.getvalue()
    assert read_answer(Terminal("4", "\n"), code=False, out=io.StringIO()) == ""  # no: asked again
    assert read_answer(Terminal("4\n"), code=False, out=io.StringIO()) == "4"  # a whole line: no question
    assert read_answer(io.StringIO("4"), code=False, out=io.StringIO()) == "4"  # piped: no one to ask
