"""Grade free-text answers against a rubric of points, each earned by any one of its regexes.

Score = weight of the points made / total weight. Regexes are searched
case-insensitively in the answer with whitespace collapsed. Python's `re` has no
time limit, so the answer is capped at MAX_LENGTH characters to bound the cost of
an instructor's regex. When `expected` is given (matching a feedback rule), it is
a regex the whole answer is searched for: a match counts as "equal" to that rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tutor.bank.model import TextQuestion
from tutor.bank.variant import Variant
from tutor.grading.grade import Grade

MAX_LENGTH = 5000


def normalise(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space, ends stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def _invalid_reason(answer: str) -> tuple[str, int] | None:
    if len(answer) > MAX_LENGTH:
        return f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH
    if not normalise(answer):
        return "the answer is empty: write a sentence or two", 0
    return None


def canonical_answer(variant: Variant) -> str:
    """The model answer (which should make every rubric point)."""
    question = variant.question
    assert isinstance(question, TextQuestion)
    return question.answer


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade against the rubric; with `expected`, report whether the answer matches that regex instead."""
    question = variant.question
    assert isinstance(question, TextQuestion)
    model = normalise(question.answer)
    reason = _invalid_reason(answer)
    if reason is not None:
        return Grade.invalid(reason[0], expected=model, position=reason[1])
    text = normalise(answer)
    if expected is not None:
        if not isinstance(expected, str):
            raise ValueError(f"{question.id}: a text feedback answer is a regex, got {expected!r}")
        try:
            hit = _matches(expected, text)
        except re.error as exc:
            raise ValueError(f"{question.id}: feedback regex {expected!r} does not compile: {exc}") from None
        return Grade.of(1.0 if hit else 0.0, interpreted=text, expected=expected)
    total = sum(p.weight for p in question.rubric)
    made = [p for p in question.rubric if any(_matches(m, text) for m in p.match)]
    missing = [p for p in question.rubric if p not in made]
    fraction = 1.0 if not missing else sum(p.weight for p in made) / total
    lines = [f"made: {p.point}" for p in made] + [f"missing: {p.point}" for p in missing]
    return Grade.of(
        min(1.0, fraction),
        interpreted=text,
        expected=model,
        feedback=lines,
        details={"made": [p.point for p in made], "missing": [p.point for p in missing]},
    )
