"""FSRS review: the score -> rating mapping, scheduling, and `--review` ordering."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import fsrs
import pytest
from session_tiny_bank import RIGHT, WRONG

from tutor.session.engine import Session, SessionConfig
from tutor.session.review import load_card, rating_for, review


def test_score_to_rating():
    assert [rating_for(s) for s in (1, 2, 3, 4, 5)] == [
        fsrs.Rating.Again, fsrs.Rating.Again, fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy]
    with pytest.raises(ValueError):
        rating_for(0)


def test_better_scores_come_back_later(store):
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    dues = {score: review(store, f"q{score}", score, when).due for score in (1, 3, 4, 5)}
    assert dues[1] <= dues[3] <= dues[4] <= dues[5]
    assert dues[1] < dues[5]
    assert dues[1] - when < timedelta(hours=1), "Again comes back within the hour"
    assert load_card(store, "q5").due == dues[5], "the card is stored"
    # a second Easy pushes it further out
    assert review(store, "q5", 5, dues[5]).due > dues[5]


def test_unreviewed_question_gets_a_new_card(store):
    assert store.card("never") is None
    assert load_card(store, "never").state == fsrs.State.Learning


def test_session_answers_schedule_reviews(bank, store):
    session = Session.start(SessionConfig(question_ids=("t-mqa-heads", "t-gqa-groups"), seed=1), bank, store)
    session.submit(WRONG["t-mqa-heads"])
    session.advance()
    session.submit(RIGHT["t-gqa-groups"])
    session.advance()
    due_soon = dict(store.due_questions(time.time() + 3600))
    assert "t-mqa-heads" in due_soon and "t-gqa-groups" not in due_soon


def test_review_session_takes_due_first_then_weakest_topic(bank, store):
    # mqa answered badly (due again soon), gqa well; kv-cache and mha never seen
    session = Session.start(SessionConfig(question_ids=("t-mqa-heads", "t-gqa-groups"), seed=1), bank, store)
    session.submit(WRONG["t-mqa-heads"])
    session.advance()
    session.submit(RIGHT["t-gqa-groups"])
    session.advance()
    # make the Again card due now
    card = load_card(store, "t-mqa-heads")
    store.save_card("t-mqa-heads", card.to_json(), time.time() - 1)
    review_session = Session.start(SessionConfig(review=True, n=5, seed=2), bank, store)
    order = [v.id for v in review_session.variants]
    assert order[0] == "t-mqa-heads"
    assert order[-1] == "t-gqa-groups", "the strongest topic comes last"
    assert store.session(review_session.session_id).mode == "review"


def test_review_works_with_nothing_due(bank, store):
    session = Session.start(SessionConfig(review=True, n=3, seed=5), bank, store)
    assert len(session.variants) == 3
