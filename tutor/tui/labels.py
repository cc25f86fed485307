"""Short display names and badges shared by the screens."""

from __future__ import annotations

TOPIC_NAMES = {
    "mha": "MHA",
    "mqa": "MQA",
    "gqa": "GQA",
    "kv-cache": "KV cache",
    "attention": "general",
}

KIND_NAMES = {
    "shape": "shape",
    "einsum": "einsum",
    "numeric": "number",
    "symbolic": "formula",
    "complexity": "big-O",
    "choice": "choice",
    "text": "written",
    "code": "code",
    "statements": "true/false",
    "multi": "select all",
}

STATUS_BADGES = {
    "correct": ("✔ Correct", "success"),
    "partial": ("◐ Partly right", "warning"),
    "incorrect": ("✘ Not right", "error"),
    "invalid": ("? Could not read the answer", "warning"),
    "needs_review": ("✎ Needs review: a person decides", "warning"),
}


def topic_name(topic: str) -> str:
    return TOPIC_NAMES.get(topic, topic)


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def difficulty_dots(difficulty: int) -> str:
    """`●●●○○` for difficulty 3 of 5."""
    difficulty = max(0, min(5, difficulty))
    return "●" * difficulty + "○" * (5 - difficulty)
