"""What every front end (`tutor.commands`, `tutor.plain`, `tutor.tui`) says when a user's input is refused.

- `UserError`: a mistake a user made (bad flag value, missing file); the CLI shows it as one line, exit 2.
- `print_bank_problems` / `bank_problems_line`: the one way a bad question bank is reported, in full on
  stderr (the CLI and the plain quiz) or as one line (the app's start screen).
- `visible`: text a user typed, safe to echo in a message on one terminal line; `caret`: the line
  under it that marks where an invalid answer broke (from `Grade.position`/`position_end`, never
  from the message's wording).

Nothing heavy is imported here: `tutor.bank` is referred to by type only.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tutor.bank import BankError


class UserError(Exception):
    """A mistake a user made (bad flag value, missing file): shown as one line, exit 2."""


def print_bank_problems(exc: "BankError", file: TextIO | None = None) -> None:
    """Every problem of a bad bank, one per line, then a line saying nothing was run."""
    out = sys.stderr if file is None else file
    for problem in exc.problems:
        print(problem, file=out)
    print(f"tutor: the question bank has {len(exc.problems)} problem(s); nothing was run", file=out)


def bank_problems_line(exc: "BankError") -> str:
    """A bad bank in one line: how many problems, and the first."""
    first = exc.problems[0] if exc.problems else ""
    return f"the question bank has {len(exc.problems)} problem(s): {first}"


# Control characters (C0 but tab, DEL, C1) shown as one visible character each, so text a learner
# typed is echoed without moving the terminal's cursor or colours, and a caret under it still lines up.
_VISIBLE = {c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | {0x1B: "\u241b"}


def visible(text: str) -> str:
    """`text` safe to print on one terminal line: every control character becomes a visible stand-in."""
    return text.translate(_VISIBLE)


def caret(position: int, end: int | None = None) -> str:
    """`   ^^` under `answer[position:end]` (one `^` when there is no end): where an answer broke."""
    return " " * position + "^" * max(1, (end if end is not None else position + 1) - position)
