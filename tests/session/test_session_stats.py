"""`tutor.session.stats.compute`: means by topic and kind, the trend, weakest areas."""

from __future__ import annotations

import time

from session_tiny_bank import RIGHT, WRONG

from tutor.session.engine import Session, SessionConfig
from tutor.session.stats import compute, sparkline


def _play(bank, store, answers: dict[str, str]) -> None:
    session = Session.start(SessionConfig(question_ids=tuple(answers), seed=1), bank, store)
    for qid, answer in answers.items():
        session.submit(answer)
        session.advance()


def test_empty_history(store):
    stats = compute(store)
    assert (stats.answers, stats.sessions, stats.mean, stats.trend, stats.weakest) == (0, 0, None, (), ())
    assert stats.to_json()["sparkline"] == ""


def test_means_trend_and_weakest(bank, store):
    _play(bank, store, {"t-mqa-heads": WRONG["t-mqa-heads"], "t-gqa-groups": RIGHT["t-gqa-groups"]})
    _play(bank, store, {"t-mqa-params": RIGHT["t-mqa-params"], "t-mha-heads": RIGHT["t-mha-heads"]})
    stats = compute(store)
    assert stats.answers == 4 and stats.sessions == 2
    assert stats.mean == 4.0
    topics = {a.name: (a.mean, a.count) for a in stats.by_topic}
    assert topics == {"gqa": (5.0, 1), "mha": (5.0, 1), "mqa": (3.0, 2)}
    kinds = {a.name: a.mean for a in stats.by_kind}
    assert kinds == {"choice": 3.0, "numeric": 5.0}
    assert stats.trend == (3.0, 5.0)
    assert stats.sparkline == "▅█"
    assert [(a.area, a.name) for a in stats.weakest] == [("kind", "choice"), ("topic", "mqa")]
    assert stats.due == 0, "the wrong answer comes back after FSRS's first learning step, not at once"
    assert compute(store, now=time.time() + 3600).due == 1


def test_sparkline_scale():
    assert sparkline([1, 2, 3, 4, 5]) == "▁▃▅▆█"
    assert sparkline([0, 9]) == "▁█"
