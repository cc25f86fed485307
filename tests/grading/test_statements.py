"""`statements`: one T/F mark per claim, fraction = claims judged right / claims, misjudged claims show their why."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import Statement, StatementsQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.grade import Status

Q = StatementsQuestion(
    id="mqa-claims",
    kind="statements",
    topic="mqa",
    prompt="Mark each claim about MQA.",
    statements=[
        Statement(text="MQA shares one K/V head across all query heads.", true=True, why="That is its definition."),
        Statement(text="MQA shares one query across all heads.", true=False, why="Queries stay per head."),
        Statement(text="MQA speeds up training as much as decoding.", true=False, why="Training is compute-bound."),
        Statement(text="MQA's KV cache is H times smaller than MHA's.", true=True, why="One head is cached, not H."),
    ],
)
V = make_variant(Q, 0)


def test_the_key_is_derived_from_the_claims() -> None:
    assert Q.answer == "TFFT"


@pytest.mark.parametrize("answer", ["TFFT", "tfft", "T F F T", "t,f,f,t", "true false false true", " TFFT\n", "T; F; F; T"])
def test_accepts_every_way_of_writing_the_right_marks(answer: str) -> None:
    result = grade(V, answer)
    assert result.status is Status.CORRECT and result.score == 5, result.feedback


@pytest.mark.parametrize(
    ("answer", "fraction", "misjudged"),
    [("TTFT", 0.75, [2]), ("TTTT", 0.5, [2, 3]), ("FTTF", 0.0, [1, 2, 3, 4]), ("TFTT", 0.75, [3])],
)
def test_rejects_misjudged_claims_and_shows_their_why(answer: str, fraction: float, misjudged: list[int]) -> None:
    result = grade(V, answer)
    assert result.fraction == pytest.approx(fraction)
    assert result.details["misjudged"] == misjudged
    for i in misjudged:
        claim = Q.statements[i - 1]
        assert any(claim.text in line and claim.why in line for line in result.feedback)


@pytest.mark.parametrize(
    ("answer", "phrase", "position"),
    [
        ("", "empty", 0),
        ("TFF", "marked 3 of the 4", 3),
        ("TFFTT", "one too many", 4),
        ("TFXT", "'X' is not a mark", 2),
        ("T F ? T", "'?' is not a mark", 4),
        ("yes no no yes", "'y' is not a mark", 0),
    ],
)
def test_unreadable_marks_are_invalid_with_a_position(answer: str, phrase: str, position: int) -> None:
    result = grade(V, answer)
    assert result.status is Status.INVALID
    assert phrase in result.feedback[0]
    assert result.position == position


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = grade(V, text)
    assert 1 <= result.score <= 5


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ([(True, "a"), (True, "b"), (True, "c"), (True, "d")], "at least one false"),
        ([(False, "a"), (False, "b"), (False, "c"), (False, "d")], "at least one true"),
        ([(True, "a"), (False, "b"), (True, "a"), (False, "d")], "distinct"),
        ([(True, "a"), (False, "b"), (True, "c")], "at least 4"),
        ([(i % 2 == 0, str(i)) for i in range(7)], "at most 6"),
    ],
)
def test_the_model_refuses_a_bad_set_of_claims(claims: list[tuple[bool, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StatementsQuestion(
            id="bad", kind="statements", topic="mqa", prompt="p",
            statements=[{"text": t, "true": v, "why": "w"} for v, t in claims],
        )
