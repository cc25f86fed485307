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
        local = file_defining(question_id)
        if local is not None:
            self.message += f"; {local} in this folder defines it: add --bank {local}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return self.message


def file_defining(question_id: str, folder: str = ".") -> str | None:
    """A YAML file directly in `folder` with a line `- id: QUESTION_ID` (or `id: ...`), if there is one.

    Read as text, not parsed: this only runs when an id was not found, to say where it is.
    """
    import re
    from pathlib import Path

    pattern = re.compile(rf"^\s*(-\s+)?id:\s*['\"]?{re.escape(question_id)}['\"]?\s*(#.*)?$", re.M)
    try:
        files = sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError:
        return None
    for path in files[:200]:
        try:
            if path.stat().st_size <= 5_000_000 and pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                return path.name
        except OSError:
            continue
    return None


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """` (did you mean 'x'?)` for the closest choices, or '' when none is close.

    Case is ignored; only the best match and those nearly as close are offered.
    """
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    scored = []
    for lowered, choice in by_lower.items():
        matcher = difflib.SequenceMatcher(None, word.lower(), lowered)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            ratio = matcher.ratio()
            if ratio >= 0.6:
                scored.append((ratio, choice))
    if not scored:
        return ""
    best = max(r for r, _ in scored)
    close = [c for r, c in sorted(scored, key=lambda rc: -rc[0]) if r >= best - 0.1][:n]
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return " (did you mean " + ", ".join(repr(c) for c in close[:-1]) + f" or {close[-1]!r}?)"
