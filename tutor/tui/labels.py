"""Short display names and badges shared by the screens."""

from __future__ import annotations

from tutor.bank.names import kind_name, topic_name  # the one vocabulary, shared with the CLI

__all__ = ["STATUS_BADGES", "badge", "difficulty_dots", "kind_name", "topic_name"]

STATUS_BADGES = {
    "correct": ("✔ Correct", "success"),
    "partial": ("◐ Partly right", "warning"),
    "incorrect": ("✘ Not right", "error"),
    "invalid": ("? Could not read the answer", "warning"),
    "needs_review": ("✎ Needs review: a person decides", "warning"),
}

# A written answer the learner scored on the checklist: the verdict is theirs, not the machine's.
SELF_ASSESSED_BADGES = {
    "correct": ("✔ Every point made, by your assessment", "success"),
    "partial": ("◐ Some points made, by your assessment", "warning"),
    "incorrect": ("✘ No point made, by your assessment", "error"),
}


def badge(status: str, assessed: str | None = None) -> tuple[str, str]:
    """The headline and its tone for a grade's status; a self-assessed one says whose verdict it is."""
    if assessed == "self" and status in SELF_ASSESSED_BADGES:
        return SELF_ASSESSED_BADGES[status]
    return STATUS_BADGES.get(status, (status, "primary"))


def difficulty_dots(difficulty: int) -> str:
    """`●●●○○` for difficulty 3 of 5."""
    difficulty = max(0, min(5, difficulty))
    return "●" * difficulty + "○" * (5 - difficulty)
