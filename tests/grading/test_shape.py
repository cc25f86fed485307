"""Shape grading: the written forms accepted, wrong shapes explained axis by axis, unreadable ones located."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import FeedbackRule, ShapeQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade as grade_with_rules
from tutor.grading.grade import Status
from tutor.grading.shape import canonical_answer, grade


def question(qid: str, answer: list, prompt: str = "What shape?", **extra) -> ShapeQuestion:
    return ShapeQuestion(id=qid, kind="shape", topic="mqa", prompt=prompt, answer=answer, **extra)


# The seeds' Problem 4 (a) and (b): MQA's W_q keeps its heads, W_k has one shared head.
P4_PROMPT = "The input $x$ has shape $[b, d]$; there are $h$ query heads of size $q$, one key head of size `k`. Shape of {w}?"
P4A = question("p4a", ["h", "d", "q"], prompt=P4_PROMPT.replace("{w}", "W_q"))
P4B = question("p4b", ["d", "k"], prompt=P4_PROMPT.replace("{w}", "W_k"))
GQA_K = question("gqa-k", ["b", "g", "n", "k"], where={"k": "d/h"})
MHA_CACHE = question("mha-cache", ["b", "h", "n", "k"], where={"k": "d/h"}, params={"h": [8], "d": 1024})
NUMBERS = question("numbers", ["b", 8, "n", 128], params={"h": 8, "k": 128})
HEADS = question("heads", ["b", "n", "n_heads*d_head"])
SCALAR_ROW = question("row", ["d"])
WITH_X = question("with-x", ["b", "x"])
QUESTIONS = {q.id: q for q in (P4A, P4B, GQA_K, MHA_CACHE, NUMBERS, HEADS, SCALAR_ROW, WITH_X)}

ACCEPT = [
    ("p4a", "[h, d, q]"),
    ("p4a", "(h,d,q)"),
    ("p4a", "h x d x q"),
    ("p4a", "h×d×q"),
    ("p4a", "h, d, q"),
    ("p4a", "torch.Size([h, d, q])"),
    ("p4a", "  [ h ,  d ,q ]  "),
    ("p4a", "[h d q]"),
    ("p4a", "[h  d   q]"),
    ("p4a", "hxdxq"),
    ("p4a", "`[h, d, q]`"),
    ("p4a", "[h, d, q]."),
    ("p4a", "['h', 'd', 'q']"),
    ("p4b", "[d, k]"),
    ("p4b", "d x k"),
    ("p4b", "Size([d, k])"),
    ("gqa-k", "[b, g, n, k]"),
    ("gqa-k", "[b, g, n, d/h]"),
    ("gqa-k", "(b, g, n, d / h)"),
    ("gqa-k", "[b, g, n, \\frac{d}{h}]"),
    ("mha-cache", "[b, 8, n, 128]"),
    ("mha-cache", "[b, h, n, d/h]"),
    ("mha-cache", "b × 8 × n × 128"),
    ("numbers", "[b, h, n, k]"),
    ("numbers", "[b, 8, n, 128]"),
    ("numbers", "[b, 4*2, n, 2^7]"),
    ("heads", "[b, n, n_heads*d_head]"),
    ("heads", "[b, n, d_head n_heads]"),
    ("row", "[d]"),
    ("row", "d"),
    ("row", "(d,)"),
    ("with-x", "[b, x]"),
    ("with-x", "b, x"),
]

REJECT = [
    ("p4a", "[d, q]", 1 / 3, ["missing axis 0: h"]),
    # issue 11: the right axes in the wrong order earn half credit, whatever the rank (as an einsum output)
    ("p4a", "[h, q, d]", 0.5, ["axes 1 and 2 are swapped (q and d)"]),
    ("p4a", "[d, h, q]", 0.5, ["axes 0 and 1 are swapped"]),
    ("p4a", "[q, h, d]", 0.5, ["the right axes in the wrong order: expected [h, d, q]"]),
    ("p4a", "[h, d, k]", 2 / 3, ["axis 2: you wrote k, expected q"]),
    ("p4a", "[h, d*q]", 1 / 6, ["axis 1: d*q merges expected axes 1-2 [d, q] into one"]),
    ("p4a", "[h d*q]", 1 / 6, ["axis 1: d*q merges expected axes 1-2 [d, q] into one"]),
    ("p4a", "[h, d, q, h]", 3 / 8, ["extra axis 3: h"]),
    ("p4b", "[h, d, k]", 1 / 3, ["extra axis 0: h"]),
    ("p4b", "[k, d]", 0.5, ["axes 0 and 1 are swapped"]),
    ("gqa-k", "[b, g, n, d]", 0.75, ["axis 3: you wrote d, expected k = d/h"]),
    ("gqa-k", "[b, h, n, k]", 0.75, ["axis 1: you wrote h, expected g"]),
    ("gqa-k", "[b, n, g, k]", 0.5, ["axes 1 and 2 are swapped (n and g)"]),
    ("gqa-k", "[b, g, n]", 0.375, ["you wrote 3 axes; expected 4", "missing axis 3: k = d/h"]),
    ("mha-cache", "[b, 8, n, 64]", 0.75, ["axis 3: you wrote 64, expected k = d/h = 128"]),
    ("mha-cache", "[b, n, h, k]", 0.5, ["swapped"]),
    ("mha-cache", "[b, h, n, d]", 0.75, ["expected k = d/h = 128"]),
    ("numbers", "[b, 1, n, 128]", 0.75, ["axis 1: you wrote 1, expected 8"]),
    ("heads", "[b, n, n_heads, d_head]", 0.25, ["axes 2-3 [n_heads, d_head] split expected axis 2"]),
    ("row", "[1, d]", 0.25, ["extra axis 0: 1"]),
    ("with-x", "b x x", 1 / 3, ["extra axis 2: x"]),
]

INVALID = [
    ("p4a", "", "empty", 0),
    ("p4a", "   ", "empty", 0),
    ("p4a", "[]", "empty", 0),
    ("p4a", "[h, , q]", "an empty dimension", 3),
    ("p4a", "[h, d, w]", "unknown symbol 'w'", 7),
    ("p4a", "[h, d, n]", "allowed: h, d, q, x, b, k", 7),
    ("p4a", "[h, d, q", "'[' at column 1 is never closed", 0),
    ("p4a", "[h, d, q))", "')' at column 9 does not match '['", 8),
    ("p4a", "h, d, q]", "']' at column 8 closes nothing", 7),
    ("p4a", "[h, d, q @]", "unexpected character '@'", 9),
    ("p4a", "[h, d/, q]", "", 6),
    ("p4a", "[h, d, 2^^q]", "", None),
    ("p4a", "[" + ", ".join(["h"] * 20) + "]", "too many axes", None),
    ("p4a", "h" * 1001, "too long", 1000),
    ("gqa-k", "[b, G, n, k]", "did you mean 'g'", 4),
    ("gqa-k", "[b, g, n, d/H]", "unknown symbol 'H'", 12),
    ("heads", "[b, n, nheads*d_head]", "unknown symbol", 7),
    ("p4b", "[d, k] + [h]", "", None),
    ("p4b", "[d, max(d, k)]", "'max' at column 5: a dimension is a name, a number or arithmetic", 4),
    ("p4b", "[d, \\sqrt{k}]", "not a function", 4),
    ("p4b", "[d, log2 (k)]", "'log2' at column 5", 4),
]


def _short(value: object) -> str | None:
    """Readable test ids for long answers."""
    return value[:24] + "..." if isinstance(value, str) and len(value) > 24 else None


def _variant(qid: str):
    return make_variant(QUESTIONS[qid], seed=0)


@pytest.mark.parametrize(("qid", "answer"), ACCEPT, ids=_short)
def test_accepts_every_written_form(qid: str, answer: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.CORRECT, result.feedback
    assert result.score == 5


@pytest.mark.parametrize(("qid", "answer", "fraction", "phrases"), REJECT, ids=_short)
def test_rejects_wrong_shapes_naming_the_axes(qid: str, answer: str, fraction: float, phrases: list[str]) -> None:
    result = grade(_variant(qid), answer)
    assert result.status in (Status.PARTIAL, Status.INCORRECT)
    assert result.fraction == pytest.approx(fraction)
    text = " | ".join(result.feedback)
    for phrase in phrases:
        assert phrase in text


@pytest.mark.parametrize(("qid", "answer", "phrase", "position"), INVALID, ids=_short)
def test_unreadable_shapes_are_invalid_with_a_place(qid: str, answer: str, phrase: str, position: int | None) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INVALID
    assert phrase in result.feedback[0]
    if position is not None:
        assert result.position == position


def test_unknown_names_list_the_allowed_ones() -> None:
    result = grade(_variant("gqa-k"), "[b, g, n, m]")
    assert "allowed: b, g, n, k, d, h" in result.feedback[0]


def test_interpreted_and_expected_are_canonical() -> None:
    result = grade(_variant("gqa-k"), "torch.Size([b,g , n,d/h])")
    assert result.interpreted == "[b, g, n, d/h]"
    assert result.expected == "[b, g, n, k] with k = d/h"
    assert grade(_variant("mha-cache"), "[b, 8, n, 128]").expected == "[b, h, n, k] with k = d/h, d = 1024, h = 8"


def test_space_separated_product_gets_a_hint() -> None:
    result = grade(_variant("p4a"), "[h * d * q]")
    assert result.status is Status.INCORRECT
    assert "separate the axes with commas, as in [b, n, d]" in result.feedback


def test_expected_override_uses_the_same_equivalence() -> None:
    variant = _variant("gqa-k")
    assert grade(variant, "[b, n, g, d/h]", expected=["b", "n", "g", "k"]).status is Status.CORRECT
    assert grade(variant, "[b, n, g, d/h]", expected="[b, n, g, k]").status is Status.CORRECT
    assert grade(variant, "[b, g, n, k]", expected=["b", "n", "g", "k"]).status is Status.PARTIAL


def test_feedback_rules_reach_names_only_the_rule_uses() -> None:
    q = question(
        "mqa-wk",
        ["d", "k"],
        feedback=[FeedbackRule(answer=["h", "d", "k"], message="In MQA all heads share one key projection.")],
    )
    result = grade_with_rules(make_variant(q, 0), "h x d x k")
    assert result.feedback[0] == "In MQA all heads share one key projection."


def test_params_drawn_per_variant_are_substituted() -> None:
    q = question("cache-params", ["b", "h", "n", "k"], params={"h": [4, 8, 16], "k": 64})
    for seed in range(5):
        variant = make_variant(q, seed)
        h = variant.params["h"]
        assert grade(variant, f"[b, {h}, n, 64]").status is Status.CORRECT
        assert grade(variant, f"[b, {h * 2}, n, 64]").status is Status.PARTIAL


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_the_canonical_answer_grades_correct(qid: str) -> None:
    variant = _variant(qid)
    assert grade(variant, canonical_answer(variant)).status is Status.CORRECT


def test_a_broken_answer_key_is_a_bank_error() -> None:
    q = question("broken", ["b", "d/("])
    with pytest.raises(ValueError, match="cannot read the dimension"):
        grade(make_variant(q, 0), "[b, d]")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = grade(_variant("gqa-k"), text)
    assert result.status in set(Status)
    assert 1 <= result.score <= 5


LLAMA_K = question("llama-k", [2, 10, 1024])


@pytest.mark.parametrize(
    ("answer", "position", "says"),
    [
        ("[2, 10, 1,024]", 9, "looks like a thousands separator"),  # a thousands separator among spaced axis commas
        ("[2,10,1,024]", 8, "'024' at column 9 has a leading zero"),  # '024' is no axis: a leading zero
        ("[2, 10, 1,536]", 9, "looks like a thousands separator"),
        ("(2, 10, 001)", 8, "'001' at column 9 has a leading zero"),
    ],
)
def test_a_thousands_separator_in_a_shape_is_not_read_as_two_axes(answer: str, position: int, says: str) -> None:
    result = grade(make_variant(LLAMA_K, 0), answer)
    assert result.status is Status.INVALID, (result.status, result.interpreted)
    assert result.position == position
    # Each message says which of the two it is (every one mentions "1024" as the example to write).
    assert says in result.feedback[0], result.feedback[0]


@pytest.mark.parametrize("answer", ["[2,10,1024]", "[2, 10, 1024]", "[2, 10, 1_024]", "2 x 10 x 1024"])
def test_plain_numeric_shapes_still_read(answer: str) -> None:
    assert grade(make_variant(LLAMA_K, 0), answer).status is Status.CORRECT


def test_a_dimension_that_divides_by_zero_is_invalid() -> None:
    answer = "[b, g, n, 1/((d+1)^2 - d^2 - 2d - 1)]"
    result = grade(make_variant(GQA_K, 0), answer)
    assert result.status is Status.INVALID, (result.status, result.feedback)
    assert "divides by zero" in result.feedback[0]
    assert result.position == answer.index("1/")
