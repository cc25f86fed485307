"""Patterns alone never decide a written answer: every text answer is `needs_review` (never correct or
incorrect) from the graders, `tutor check` included; only a person's confirmation gives a verdict."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.bank import load_bank
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.grade import ASSESSED_SELF, Status
from tutor.grading.text import assess, read_checklist

BANK = load_bank([])
TEXT = [q for q in BANK.questions if q.kind == "text"]

# The answers issue 12 found scored 4 or 5 out of 5 by keyword patterns: each states the opposite of the truth.
TABLE = [
    ("quiz5-output-projection", "It projects the heads back to the model dimension and combines the heads. It is not the "
     "same in MQA and GQA: in GQA it has D/G columns."),
    ("mqa-training-vs-inference", "Yes, MQA speeds up training just as much: it is not memory-bound, it is compute-bound "
     "and runs in parallel, and the kv cache is smaller so everything is faster."),
    ("attn-scale-text", "Dividing by sqrt(d_head) makes the softmax sharper and more peaked, which gives larger gradients; "
     "the variance of the scores is irrelevant."),
    ("attn-mla-text", "MLA and GQA both share heads in groups; MLA compresses nothing and has no rope or latent."),
    ("gqa-middle-ground-text", "each query head has its own key head, so the cache grows by h/g. It is a "
     "hyperparameter-free method where g = 1 always."),
    ("gqa-uptraining-text", "Delete 24 of the 32 heads to leave 8 groups, average nothing, and fine-tune."),
    ("quiz1-mha-vs-mqa", "In MQA a single query is shared by all heads, while each head keeps its own separate keys and "
     "values. This was proposed to reduce memory."),
]


def test_there_are_ten_builtin_text_questions_with_contradictions() -> None:
    assert len(TEXT) >= 10
    assert all(q.contradictions for q in TEXT), [q.id for q in TEXT if not q.contradictions]


@pytest.mark.parametrize("question", TEXT, ids=lambda q: q.id)
def test_even_the_model_answer_gets_no_machine_verdict(question) -> None:
    result = grade(make_variant(question, 0), question.answer)
    assert result.status is Status.NEEDS_REVIEW
    assert result.provisional_score == result.score == 5
    assert result.to_json(question.id)["provisional_score"] == 5


@pytest.mark.parametrize(("qid", "answer"), TABLE, ids=[t[0] for t in TABLE])
def test_the_wrong_answers_of_the_issue_are_never_correct_and_are_warned_about(qid: str, answer: str) -> None:
    result = grade(make_variant(BANK.get(qid), 0), answer)
    assert result.status is Status.NEEDS_REVIEW
    assert result.details["seems_contradicted"], result.feedback
    assert any(line.startswith('your answer seems to say "') and "which is wrong because" in line for line in result.feedback)
    assert result.provisional_score < 5


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(TEXT) - 1), text=st.text(max_size=300), words=st.lists(
    st.sampled_from("the cache is smaller memory bound compute heads share key value group softmax variance "
                    "projection latent rope query training decoding because not".split()), max_size=40))
def test_no_text_whatever_gets_a_verdict_from_patterns(index: int, text: str, words: list[str]) -> None:
    question = TEXT[index]
    for answer in (text, " ".join(words)):
        result = grade(make_variant(question, 0), answer)
        assert result.status in (Status.NEEDS_REVIEW, Status.INVALID)


def test_the_learner_decides_by_confirming_points() -> None:
    question = BANK.get("mqa-training-vs-inference")
    variant = make_variant(question, 0)
    reviewed = grade(variant, TABLE[1][1])
    n = len(question.rubric)
    full = assess(variant, reviewed, range(n))
    assert full.status is Status.CORRECT and full.score == 5 and full.assessed == ASSESSED_SELF
    assert full.to_json(question.id)["assessed"] == "self"
    none = assess(variant, reviewed, [])
    assert none.status is Status.INCORRECT and none.score == 1
    total = sum(p.weight for p in question.rubric)
    one = assess(variant, reviewed, [0])
    assert one.fraction == pytest.approx(question.rubric[0].weight / total)


@pytest.mark.parametrize(("line", "points"), [("1 3", [0, 2]), ("3,1", [0, 2]), ("all", [0, 1, 2, 3]), ("none", []),
                                               (" 2 ", [1]), ("1 1", [0])])
def test_a_typed_checklist_line(line: str, points: list[int]) -> None:
    assert read_checklist(line, 4) == points


@pytest.mark.parametrize(("line", "position"), [("1 5", 2), ("x", 0), ("", 0), ("1, two", 3)])
def test_a_bad_checklist_line_says_where(line: str, position: int) -> None:
    with pytest.raises(ValueError) as info:
        read_checklist(line, 4)
    assert info.value.position == position  # type: ignore[attr-defined]
