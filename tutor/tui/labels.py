"""Short display names and badges shared by the screens."""

from __future__ import annotations

from tutor.bank.names import kind_name, topic_name  # the one vocabulary, shared with the CLI

__all__ = ["STATUS_BADGES", "difficulty_dots", "kind_name", "topic_name"]

STATUS_BADGES = {
    "correct": ("✔ Correct", "success"),
    "partial": ("◐ Partly right", "warning"),
    "incorrect": ("✘ Not right", "error"),
    "invalid": ("? Could not read the answer", "warning"),
    "needs_review": ("✎ Needs review: a person decides", "warning"),
}


def difficulty_dots(difficulty: int) -> str:
    """`●●●○○` for difficulty 3 of 5."""
    difficulty = max(0, min(5, difficulty))
    return "●" * difficulty + "○" * (5 - difficulty)
