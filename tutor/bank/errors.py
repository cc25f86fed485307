"""What goes wrong in a bank, said the way a compiler says it: `file:line:column: id: message`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Problem:
    """One mistake in a bank file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    question_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        if self.question_id is None:
            return f"{where}: {self.message}"
        return f"{where}: {self.question_id}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "id": self.question_id,
            "message": self.message,
        }


class BankError(Exception):
    """Every problem found in what was loaded, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class UnknownQuestion(KeyError):
    """A question id that is not in the bank; the message suggests the closest ids."""

    def __init__(self, question_id: str, known: Sequence[str]) -> None:
        self.question_id = question_id
        self.message = f"unknown question id {question_id!r}{did_you_mean(question_id, known)}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return self.message


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """` (did you mean 'x'?)` for the closest choices, or '' when none is close."""
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=n, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)]
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return " (did you mean " + ", ".join(repr(c) for c in close[:-1]) + f" or {close[-1]!r}?)"
