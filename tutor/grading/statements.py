"""Grade a `statements` answer: one true/false mark per claim, in order (`TFFT`).

Marks are `T`/`F` (any case), optionally separated by spaces or commas (`T F F T`,
`t,f,f,t`), or the words `true`/`false`. The answer must mark every claim, no more and no
fewer. Fraction = claims judged right / claims; every misjudged claim is shown with its `why`.
"""

from __future__ import annotations

import re
from typing import Any

from tutor.bank.model import StatementsQuestion
from tutor.bank.variant import Variant, render
from tutor.grading.grade import Grade

MAX_LENGTH = 500
_PIECE = re.compile(r"true|false|[a-z0-9]|[^\sa-z0-9,;]", re.IGNORECASE)
_MARKS = {"t": True, "true": True, "f": False, "false": False}


class MarksError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def marks_text(marks: list[bool] | tuple[bool, ...]) -> str:
    return "".join("T" if m else "F" for m in marks)


def example_marks(n: int) -> str:
    """An example answer of the right length (`TFTFT` for five claims), for messages and instructions."""
    return ("TF" * n)[:n]


def read_marks(answer: str, n: int) -> list[bool]:
    """One mark per claim; raises MarksError saying what and where (0-based) when the answer is not that."""
    if len(answer) > MAX_LENGTH:
        raise MarksError(f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH)
    if not answer.strip():
        raise MarksError(f"the answer is empty: mark each of the {n} statements T or F, e.g. {example_marks(n)}", 0)
    marks: list[bool] = []
    for m in _PIECE.finditer(answer):
        piece = m.group(0).lower()
        if piece not in _MARKS:
            raise MarksError(f"{m.group(0)!r} is not a mark: write T (true) or F (false) for each statement", m.start())
        if len(marks) == n:
            raise MarksError(f"there are only {n} statements: this mark is one too many", m.start())
        marks.append(_MARKS[piece])
    if len(marks) < n:
        raise MarksError(f"you marked {len(marks)} of the {n} statements: give one T or F for each", len(answer.rstrip()))
    return marks


def _key(question: StatementsQuestion, expected: Any) -> list[bool]:
    if expected is None:
        return [s.true for s in question.statements]
    if not isinstance(expected, str):
        raise ValueError(f"{question.id}: a statements answer is a string of T/F marks, got {expected!r}")
    try:
        return read_marks(expected, len(question.statements))
    except MarksError as exc:
        raise ValueError(f"{question.id}: answer {expected!r}: {exc.message}") from None


def canonical_answer(variant: Variant) -> str:
    question = variant.question
    assert isinstance(question, StatementsQuestion)
    return question.answer


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade the marks; `expected` (a T/F string) replaces the key (how feedback rules are matched)."""
    question = variant.question
    assert isinstance(question, StatementsQuestion)
    key = _key(question, expected)
    expected_text = marks_text(key)
    try:
        marks = read_marks(answer, len(key))
    except MarksError as exc:
        return Grade.invalid(exc.message, expected=expected_text, position=exc.position)
    wrong = [i for i, (m, k) in enumerate(zip(marks, key)) if m != k]
    lines = []
    for i in wrong:
        claim = question.statements[i]
        truth = "true" if key[i] else "false"
        lines.append(f"statement {i + 1} is {truth}: {render(claim.text, variant.params)} — {render(claim.why, variant.params)}")
    if not wrong:
        lines.append(f"all {len(key)} statements judged right")
    return Grade.of(
        (len(key) - len(wrong)) / len(key),
        interpreted=marks_text(marks),
        expected=expected_text,
        feedback=lines,
        details={"marks": marks_text(marks), "misjudged": [i + 1 for i in wrong]},
    )
