"""`multi` (select all that apply): letters, numbers or option texts (even ones holding commas);
fraction = max(0, (right picks - wrong picks) / right options)."""

from __future__ import annotations

import pytest

from tutor.bank.model import MultiQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.grade import Status

Q = MultiQuestion(
    id="gqa-shrinks",
    kind="multi",
    topic="gqa",
    prompt="Under GQA, which are smaller than in MHA?",
    options=["W_K", "W_V", "the KV cache, per token", "W_Q", "W_O, the output projection", "the FLOPs of Q K^T"],
    answer=["W_K", "W_V", "the KV cache, per token"],
    shuffle=False,
)
V = make_variant(Q, 0)


@pytest.mark.parametrize(
    "answer",
    ["A B C", "a, b, c", "1,2,3", "1 2 3", "C A B", "[A, C, B]", "A and B and C",
     "W_K, W_V, the KV cache, per token", "the KV cache, per token, W_K, W_V", "W_K; W_V; the kv cache, per token"],
)
def test_accepts_the_right_set_however_written(answer: str) -> None:
    result = grade(V, answer)
    assert result.status is Status.CORRECT and result.score == 5, result.feedback


@pytest.mark.parametrize(
    ("answer", "fraction"),
    [
        ("A B C D E F", 0.0),  # picking everything earns nothing
        ("A B", 2 / 3),
        ("A B C D", 2 / 3),
        ("A D", 0.0),
        ("W_O, the output projection", 0.0),
        ("the KV cache, per token, W_O, the output projection", 0.0),
        ("C", 1 / 3),
    ],
)
def test_wrong_picks_cancel_right_ones(answer: str, fraction: float) -> None:
    result = grade(V, answer)
    assert result.status is not Status.INVALID, result.feedback
    assert result.fraction == pytest.approx(fraction)


def test_feedback_never_says_how_many_are_right_for_one_right_option() -> None:
    one = MultiQuestion(id="one", kind="multi", topic="gqa", prompt="p", options=["x", "y", "z"], answer=["x"], shuffle=False)
    result = grade(make_variant(one, 0), "A B")
    assert not any("has one answer" in line for line in result.feedback)


@pytest.mark.parametrize(("answer", "phrase"), [("", "empty"), ("G", "no option G"), ("A, 9", "no option 9"), ("W_X", "not one of the options")])
def test_unreadable_picks_are_invalid(answer: str, phrase: str) -> None:
    result = grade(V, answer)
    assert result.status is Status.INVALID and phrase in result.feedback[0]


@pytest.mark.parametrize(
    ("options", "answer", "message"),
    [
        (["a", "b", "a"], ["a"], "distinct"),
        (["a", "b", "c"], ["d"], "not one of the options"),
        (["a", "b", "c"], ["a", "b", "c"], "at least as many wrong options"),
        (["a", "b", "c"], ["a", "b"], "at least as many wrong options"),
        (["a", "b", "c"], [], "at least 1"),
        (["a", "b", "c"], ["a", "a"], "listed twice"),
    ],
)
def test_the_model_refuses_bad_options_or_keys(options: list[str], answer: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MultiQuestion(id="bad", kind="multi", topic="gqa", prompt="p", options=options, answer=answer)
