"""Spaced review with FSRS: a question's score schedules its next review.

Score -> rating: 1-2 Again, 3 Hard, 4 Good, 5 Easy (a skip counts as score 1).
One FSRS card per question id, stored as the package's own JSON in the
history. Fuzzing is off so that the same answers always give the same dates.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import fsrs

    from tutor.session.store import Store


def rating_for(score: int) -> "fsrs.Rating":
    """The FSRS rating a 1..5 score maps to."""
    import fsrs  # deferred: only needed once an answer is scored

    if not 1 <= score <= 5:
        raise ValueError(f"score must be 1..5, got {score}")
    if score <= 2:
        return fsrs.Rating.Again
    return {3: fsrs.Rating.Hard, 4: fsrs.Rating.Good, 5: fsrs.Rating.Easy}[score]


def _scheduler() -> "fsrs.Scheduler":
    import fsrs

    return fsrs.Scheduler(enable_fuzzing=False)


def load_card(store: "Store", question_id: str) -> "fsrs.Card":
    """The question's card, or a new one (due now) if it was never reviewed."""
    import fsrs

    stored = store.card(question_id)
    return fsrs.Card.from_json(stored) if stored else fsrs.Card()


def review(store: "Store", question_id: str, score: int, when: datetime | None = None) -> "fsrs.Card":
    """Rate the question's card with `score` at `when` (default now), store it and return it."""
    when = when or datetime.now(timezone.utc)
    card, _log = _scheduler().review_card(load_card(store, question_id), rating_for(score), review_datetime=when)
    store.save_card(question_id, card.to_json(), card.due.timestamp())
    return card
