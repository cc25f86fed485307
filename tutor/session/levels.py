"""What a mean score (1..5) says about the learner, in a few words."""

from __future__ import annotations

# (lowest mean, short name, what it means), highest first.
LEVELS: tuple[tuple[float, str, str], ...] = (
    (4.5, "mastery", "you can derive and explain these on your own"),
    (3.5, "solid", "the ideas are right; a few details slip"),
    (2.5, "developing", "the main ideas are there; the details need practice"),
    (1.5, "beginning", "reread the explanations, then try again with hints"),
    (0.0, "not yet", "start from the explanations and use the hints"),
)


def level_name(mean: float) -> str:
    """The short name of the level a mean score falls in, e.g. `solid`."""
    return next(name for low, name, _ in LEVELS if mean >= low)


def describe(mean: float) -> str:
    """The level a mean score falls in, with what it means: `solid: the ideas are right; ...`."""
    name, text = next((name, text) for low, name, text in LEVELS if mean >= low)
    return f"{name}: {text}"
