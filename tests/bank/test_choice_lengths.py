"""The keyed option's length gives the answer away no better than chance (red team R16).

Over the built-in bank's single-answer choice questions, "pick the longest option" was right in 11 of
31 (chance: about 1 in 4); a learner can also learn "the second longest". So: the keyed option is the
strict longest in at most 30% of them, and no length rank (longest, second, ...) holds the key in more
than 40%.
"""

from __future__ import annotations

import collections

from tutor.bank.loader import load_bank
from tutor.bank.model import ChoiceQuestion


def _single_answer_choices() -> list[ChoiceQuestion]:
    return [q for q in load_bank().questions if isinstance(q, ChoiceQuestion) and not isinstance(q.answer, list)]


def _key_and_others(q: ChoiceQuestion) -> tuple[int, list[int]]:
    texts = [str(o) for o in q.options]
    k = texts.index(str(q.answer))
    return len(texts[k]), [len(t) for i, t in enumerate(texts) if i != k]


def test_the_keyed_option_is_rarely_the_longest():
    questions = _single_answer_choices()
    assert len(questions) >= 20
    longest = [q.id for q in questions if (lambda k, o: k > max(o))(*_key_and_others(q))]
    assert len(longest) <= 0.30 * len(questions), f"{len(longest)} of {len(questions)}: {longest}"


def test_no_length_rank_holds_the_key_far_more_often_than_chance():
    questions = _single_answer_choices()
    ranks = collections.Counter()
    for q in questions:
        key, others = _key_and_others(q)
        ranks[1 + sum(o > key for o in others)] += 1  # 1: nothing longer
    worst, count = ranks.most_common(1)[0]
    assert count <= 0.40 * len(questions), f"rank {worst} holds the key in {count} of {len(questions)}: {dict(ranks)}"
