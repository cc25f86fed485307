"""The one result type every grader returns, and the fraction -> 1..5 score mapping."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


ORDER_CREDIT = 0.5
"""The one credit for "the right axes in the wrong order", in every grader that orders axes:
a shape or weight layout that permutes the expected axes, an einsum whose output permutes them."""


class Status(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    INVALID = "invalid"
    NEEDS_REVIEW = "needs_review"  # written prose: a person decides; the patterns only suggest


# Who decided a score the machine cannot know (a written answer): the learner or the instructor.
ASSESSED_SELF = "self"
ASSESSED_INSTRUCTOR = "instructor"


def score_for(fraction: float) -> int:
    """Map a fraction in [0, 1] to a 1..5 score.

    `1 + round(4 * fraction)` (halves round up), except that 5 is kept for a
    fully correct answer: 0 -> 1, 0.25 -> 2, 0.5 -> 3, 0.75 -> 4, 1 -> 5, 0.99 -> 4.
    """
    if not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    if fraction >= 1.0:
        return 5
    return min(4, 1 + math.floor(4 * fraction + 0.5))


@dataclass(frozen=True)
class Grade:
    """What a grader made of one answer.

    `interpreted` is the answer as we understood it, in canonical form; `expected`
    is the canonical expected answer. An invalid answer is not a wrong one: it
    says where it broke and costs the learner nothing in the quiz: `position` is
    the 0-based index of the first character of the part that broke, `position_end`
    the index just past its last (a span `answer[position:position_end]`), both
    None where no one place is to blame. Front ends place a cursor or highlight
    from these; they never parse the "at column N" of a message.
    """

    status: Status
    fraction: float
    score: int
    interpreted: str
    feedback: tuple[str, ...]
    expected: str
    position: int | None = None
    position_end: int | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    # needs_review: the pattern reading, a suggestion for the person who decides (also in `score`).
    provisional_score: int | None = None
    # Set when a person gave the score: ASSESSED_SELF (the learner's checklist) or ASSESSED_INSTRUCTOR.
    assessed: str | None = None

    @classmethod
    def of(
        cls,
        fraction: float,
        *,
        interpreted: str,
        expected: str,
        feedback: list[str] | tuple[str, ...] = (),
        details: dict[str, Any] | None = None,
        score: int | None = None,
    ) -> "Grade":
        """A graded (readable) answer: correct at 1, incorrect at 0, partial between."""
        if fraction >= 1.0:
            status = Status.CORRECT
        elif fraction <= 0.0:
            status = Status.INCORRECT
        else:
            status = Status.PARTIAL
        return cls(
            status=status,
            fraction=float(fraction),
            score=score if score is not None else score_for(fraction),
            interpreted=interpreted,
            feedback=tuple(feedback),
            expected=expected,
            details=dict(details or {}),
        )

    @classmethod
    def needs_review(
        cls,
        fraction: float,
        *,
        interpreted: str,
        expected: str,
        feedback: list[str] | tuple[str, ...] = (),
        details: dict[str, Any] | None = None,
    ) -> "Grade":
        """An answer only a person can judge: no verdict; `fraction`/`score` are a provisional pattern reading."""
        reading = cls.of(min(1.0, max(0.0, fraction)), interpreted=interpreted, expected=expected,
                         feedback=feedback, details=details)
        return replace(reading, status=Status.NEEDS_REVIEW, fraction=float(fraction), provisional_score=reading.score)

    @classmethod
    def invalid(
        cls,
        message: str,
        *,
        expected: str = "",
        position: int | None = None,
        position_end: int | None = None,
        interpreted: str = "",
        feedback: list[str] | tuple[str, ...] = (),
    ) -> "Grade":
        """An answer we could not read: score 1 where a number is required, free in the quiz.
        With a `position` and no `position_end`, the span is the one character at `position`."""
        return cls(
            status=Status.INVALID,
            fraction=0.0,
            score=1,
            interpreted=interpreted,
            feedback=(message, *feedback),
            expected=expected,
            position=position,
            position_end=(position + 1 if position_end is None else max(position_end, position + 1))
            if position is not None else None,
        )

    def with_feedback_first(self, *lines: str) -> "Grade":
        return replace(self, feedback=(*lines, *self.feedback))

    def to_json(self, question_id: str) -> dict[str, Any]:
        """The JSON form `tutor check --json` prints."""
        out: dict[str, Any] = {
            "id": question_id,
            "status": self.status.value,
            # an answer the grader could not read has no score: a number would claim a verdict (null)
            "score": None if self.status is Status.INVALID else self.score,
            "fraction": round(self.fraction, 6),
            "interpreted": self.interpreted,
            "feedback": list(self.feedback),
            "expected": self.expected,
        }
        if self.position is not None:
            out["position"] = self.position
            out["position_end"] = self.position_end
        if self.details:
            out["details"] = self.details
        if self.status is Status.NEEDS_REVIEW:
            out["provisional_score"] = self.provisional_score
        if self.assessed:
            out["assessed"] = self.assessed
        return out

    @property
    def pending_review(self) -> bool:
        """A score nobody has decided yet (the machine's reading of prose is only a suggestion)."""
        return self.status is Status.NEEDS_REVIEW

def invalid_from(err: Any, *, expected: str = "", interpreted: str = "") -> Grade:
    """The invalid grade for a parse error that carries `message`, `position` and `end`."""
    return Grade.invalid(
        err.message, expected=expected, interpreted=interpreted,
        position=getattr(err, "position", None), position_end=getattr(err, "end", None),
    )
