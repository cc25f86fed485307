"""Choice grading: option text, letter or number in the displayed order; several picks; partial credit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import ChoiceQuestion, FeedbackRule
from tutor.bank.variant import make_variant
from tutor.grading import grade as grade_with_rules
from tutor.grading.choice import canonical_answer, grade
from tutor.grading.grade import Status

# From the seed quiz: which variant shares one K/V head across all query heads?
ONE = ChoiceQuestion(
    id="shared-kv",
    kind="choice",
    topic="mqa",
    prompt="Which attention variant uses a single key/value head shared by every query head?",
    options=["Multi-head attention (MHA)", "Multi-query attention (MQA)", "Grouped-query attention (GQA)", "Cross attention"],
    answer="Multi-query attention (MQA)",
    shuffle=False,
)
# Several right answers, shown shuffled.
MANY = ChoiceQuestion(
    id="cache-shrinks",
    kind="choice",
    topic="kv-cache",
    prompt="Which of these shrink the KV cache?",
    options=["MQA", "GQA", "More query heads", "A longer context", "Fewer KV heads"],
    answer=["MQA", "GQA", "Fewer KV heads"],
)
NUMBERS = ChoiceQuestion(
    id="kv-heads",
    kind="choice",
    topic="gqa",
    prompt="Llama 2 70B has 64 query heads and 8 KV heads. How many query heads share a KV head?",
    options=["1", "4", "8", "64"],
    answer="8",
    shuffle=False,
)
PARAMS = ChoiceQuestion(
    id="groups",
    kind="choice",
    topic="gqa",
    prompt="With {h} query heads and {g} groups, how many query heads per group?",
    params={"h": [8, 16], "g": 2},
    options=["{g}", "{h}", "h/g"],
    answer="h/g",
    shuffle=False,
)
QUESTIONS = {q.id: q for q in (ONE, MANY, NUMBERS, PARAMS)}


def _short(value: object) -> str | None:
    """Readable test ids for long answers."""
    return value[:24] + "..." if isinstance(value, str) and len(value) > 24 else None


def _variant(qid: str, seed: int = 0):
    return make_variant(QUESTIONS[qid], seed)


def _letter_of(variant, text: str) -> str:
    return "ABCDEFGH"[variant.options.index(text)]


ACCEPT = [
    ("shared-kv", "B"),
    ("shared-kv", "b"),
    ("shared-kv", "(b)"),
    ("shared-kv", "b)"),
    ("shared-kv", "B."),
    ("shared-kv", "2"),
    ("shared-kv", "Multi-query attention (MQA)"),
    ("shared-kv", "  multi-QUERY   attention (mqa).  "),
    ("shared-kv", "Option B"),
    ("shared-kv", "answer: b"),
    ("shared-kv", "B) Multi-query attention (MQA)"),
    ("kv-heads", "8"),  # an option's own text wins over its number
    ("kv-heads", "C"),
    ("groups", "h/g"),
    ("groups", "C"),
]


@pytest.mark.parametrize(("qid", "answer"), ACCEPT, ids=_short)
def test_accepts_text_letter_or_number(qid: str, answer: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.CORRECT, result.feedback
    assert result.score == 5


def test_accepts_all_right_picks_in_any_written_form() -> None:
    variant = _variant("cache-shrinks")
    letters = [_letter_of(variant, t) for t in ("MQA", "GQA", "Fewer KV heads")]
    numbers = [str("ABCDE".index(x) + 1) for x in letters]
    for answer in (
        ", ".join(letters),
        " ".join(letters).lower(),
        f"{letters[0]}, {letters[1]} and {letters[2]}",
        f"{letters[2]} & {letters[0]}; {letters[1]}",
        " ".join(numbers),
        ",".join(numbers),
        "MQA, GQA, fewer kv heads",
        "gqa and MQA and Fewer KV heads",
        "[MQA, GQA, Fewer KV heads]",
        "['MQA', 'GQA', 'Fewer KV heads']",
        f"({numbers[0]}, {numbers[1]}, {numbers[2]})",
        f"[{letters[0]} {letters[1]} {letters[2]}]",
    ):
        result = grade(variant, answer)
        assert result.status is Status.CORRECT, (answer, result.feedback)


REJECT = [
    ("shared-kv", "A", 0.0, ["not right: A) Multi-head attention (MHA)"]),
    ("shared-kv", "3", 0.0, ["not right: C) Grouped-query attention (GQA)"]),
    ("shared-kv", "cross attention", 0.0, ["not right: D) Cross attention"]),
    ("shared-kv", "A, B", 0.0, ["this question has one answer; you chose 2", "right: B)"]),
    ("shared-kv", "B C D", 0.0, ["you chose 3"]),
    ("kv-heads", "4", 0.0, ["not right: B) 4"]),
    ("kv-heads", "D", 0.0, ["not right: D) 64"]),
    ("groups", "A", 0.0, ["not right: A) 2"]),
    ("groups", "2", 0.0, ["not right: A) 2"]),  # the option whose text is "2", not option number 2
    ("groups", "a, c", 0.0, ["you chose 2", "right: C) h/g"]),
    ("shared-kv", "1", 0.0, ["not right: A) Multi-head attention (MHA)"]),
    ("shared-kv", "d", 0.0, ["not right: D) Cross attention"]),
    ("shared-kv", "multi-head attention (MHA)", 0.0, ["not right: A)"]),
    ("kv-heads", "1", 0.0, ["not right: A) 1"]),
    ("kv-heads", "64", 0.0, ["not right: D) 64"]),
    ("kv-heads", "a", 0.0, ["not right: A) 1"]),
]


@pytest.mark.parametrize(("qid", "answer", "fraction", "phrases"), REJECT, ids=_short)
def test_rejects_wrong_picks(qid: str, answer: str, fraction: float, phrases: list[str]) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INCORRECT
    assert result.fraction == fraction
    text = " | ".join(result.feedback)
    for phrase in phrases:
        assert phrase in text


@pytest.mark.parametrize(
    ("picks", "fraction", "status"),
    [
        (["MQA"], 1 / 3, Status.PARTIAL),
        (["MQA", "GQA"], 2 / 3, Status.PARTIAL),
        (["MQA", "GQA", "A longer context"], 1 / 3, Status.PARTIAL),
        (["MQA", "A longer context"], 0.0, Status.INCORRECT),
        (["A longer context", "More query heads"], 0.0, Status.INCORRECT),
        (["MQA", "GQA", "Fewer KV heads", "A longer context"], 2 / 3, Status.PARTIAL),
        (["MQA", "GQA", "Fewer KV heads", "A longer context", "More query heads"], 1 / 3, Status.PARTIAL),
    ],
)
def test_partial_credit_is_right_minus_wrong_over_right(picks: list[str], fraction: float, status: Status) -> None:
    variant = _variant("cache-shrinks")
    answer = ", ".join(_letter_of(variant, p) for p in picks)
    result = grade(variant, answer)
    assert result.status is status
    assert result.fraction == pytest.approx(fraction)
    if fraction < 1:
        assert any(line.startswith("you missed") or line.startswith("not right") for line in result.feedback)


INVALID = [
    ("shared-kv", "", "the answer is empty", 0),
    ("shared-kv", "   ", "the answer is empty", 0),
    ("shared-kv", "E", "there is no option E: answer with a letter A-D, a number 1-4, or an option's text", 0),
    ("shared-kv", "z", "there is no option Z", 0),
    ("shared-kv", "5", "there is no option 5", 0),
    ("shared-kv", "0", "there is no option 0", 0),
    ("shared-kv", "B, F", "there is no option F", 3),
    ("shared-kv", "multi query", "'multi query' is not one of the options", 0),
    ("shared-kv", "MQA", "'MQA' is not one of the options", 0),
    ("shared-kv", "A) Multi-query attention (MQA)", "A and the text", 0),
    ("shared-kv", "B; the one with one head", "is not one of the options", 3),
    ("shared-kv", "x" * 2001, "too long", 2000),
    ("kv-heads", "16", "there is no option 16", 0),
    ("kv-heads", "E", "letter A-D", 0),
    ("cache-shrinks", "A, B, G", "there is no option G", 6),
    ("groups", "h / g", "not one of the options", 0),
]


@pytest.mark.parametrize(("qid", "answer", "phrase", "position"), INVALID, ids=_short)
def test_unknown_picks_are_invalid_listing_the_letters(qid: str, answer: str, phrase: str, position: int) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INVALID
    assert phrase in result.feedback[0]
    assert result.position == position


def test_letters_follow_the_displayed_shuffled_order() -> None:
    for seed in range(6):
        variant = _variant("cache-shrinks", seed)
        assert sorted(variant.options) == sorted(MANY.options)
        wrong = _letter_of(variant, "A longer context")
        assert grade(variant, wrong).status is Status.INCORRECT
        assert grade(variant, _letter_of(variant, "MQA")).status is Status.PARTIAL


def test_params_are_rendered_in_options_and_answer() -> None:
    variant = _variant("groups", seed=3)
    assert variant.options[1] == str(variant.params["h"])
    assert grade(variant, str(variant.params["h"])).status is Status.INCORRECT


def test_interpreted_and_expected_show_letters_and_text() -> None:
    result = grade(_variant("shared-kv"), "2")
    assert result.interpreted == "B) Multi-query attention (MQA)"
    assert result.expected == "B) Multi-query attention (MQA)"


def test_expected_override_and_feedback_rules() -> None:
    variant = _variant("shared-kv")
    assert grade(variant, "C", expected="Grouped-query attention (GQA)").status is Status.CORRECT
    q = ONE.model_copy(
        update={"feedback": [FeedbackRule(answer="Grouped-query attention (GQA)", message="GQA keeps several KV heads.")]}
    )
    result = grade_with_rules(make_variant(q, 0), "c")
    assert result.feedback[0] == "GQA keeps several KV heads."


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_the_canonical_answer_grades_correct(qid: str) -> None:
    for seed in range(4):
        variant = _variant(qid, seed)
        assert grade(variant, canonical_answer(variant)).status is Status.CORRECT


def test_a_broken_answer_key_is_a_bank_error() -> None:
    with pytest.raises(ValueError, match="not one of the options"):
        grade(_variant("shared-kv"), "B", expected="Sliding window")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = grade(_variant("cache-shrinks"), text)
    assert 1 <= result.score <= 5


WITH_COMMAS = ChoiceQuestion(
    id="softmax-axis",
    kind="choice",
    topic="attention",
    prompt="Over which axis of the scores does softmax run?",
    options=["m, the key positions (the last axis)", "n, the query positions", "h, the heads"],
    answer="m, the key positions (the last axis)",
    shuffle=False,
)


@pytest.mark.parametrize(
    "answer", ["m , the key positions ( the last axis )", "m,the key positions (the last axis)", "M, the key positions (the last axis)."]
)
def test_option_text_is_read_whatever_the_spacing_around_punctuation(answer: str) -> None:
    assert grade(make_variant(WITH_COMMAS, 0), answer).status is Status.CORRECT
