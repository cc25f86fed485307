"""Free-text reading against a rubric: never a verdict (needs_review), the pattern reading as a
provisional score, points that seem present/missing, weights, feedback-rule regexes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import FeedbackRule, RubricPoint, TextQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade as grade_with_rules
from tutor.grading.grade import Status
from tutor.grading.text import MAX_LENGTH, grade

# From the seed quiz: why is MQA faster than MHA at inference?
WHY_MQA = TextQuestion(
    id="why-mqa-faster",
    kind="text",
    topic="mqa",
    prompt="Why does multi-query attention decode faster than multi-head attention?",
    rubric=[
        RubricPoint(point="the KV cache is smaller (one K/V head)", match=[r"(smaller|less|fewer|shrink\w*).{0,40}(kv|cache|key)", r"(kv|cache).{0,40}(smaller|shrink|reduc)", r"one (k/v|kv|key.value) head"], weight=2),
        RubricPoint(point="decoding is memory-bandwidth bound", match=[r"memory.{0,20}(bandwidth|bound)", r"bandwidth"], weight=2),
        RubricPoint(point="fewer bytes are read per generated token", match=[r"(read|load|fetch|mov)\w*.{0,40}(less|fewer)", r"(less|fewer).{0,40}(read|load|fetch|mov)"]),
    ],
    answer="Each decoding step reads the whole KV cache; MQA keeps one K/V head, so the cache is h times smaller. "
    "Decoding is memory-bandwidth bound, so reading fewer bytes per token makes it faster.",
    feedback=[FeedbackRule(answer=r"fewer (flops|computations?)", message="The saving is memory traffic, not arithmetic.")],
)
SIMPLE = TextQuestion(
    id="what-is-gqa",
    kind="text",
    topic="gqa",
    prompt="What is GQA?",
    rubric=[
        RubricPoint(point="query heads are split into groups", match=[r"group"]),
        RubricPoint(point="each group shares one K/V head", match=[r"shar\w*.{0,30}(k/?v|key)", r"(k/?v|key).{0,40}shar"]),
    ],
    answer="Grouped-query attention splits the query heads into groups; each group shares one K/V head.",
)
QUESTIONS = {q.id: q for q in (WHY_MQA, SIMPLE)}


def _short(value: object) -> str | None:
    """Readable test ids for long answers."""
    return value[:24] + "..." if isinstance(value, str) and len(value) > 24 else None


def _variant(qid: str):
    return make_variant(QUESTIONS[qid], 0)


ACCEPT = [
    ("why-mqa-faster", WHY_MQA.answer),
    ("why-mqa-faster", "The KV cache is much smaller, and decoding is memory bound: we read far less per token."),
    ("why-mqa-faster", "with one k/v head the cache shrinks by h; since generation is bandwidth limited, fewer bytes are loaded each step"),
    ("why-mqa-faster", "MEMORY BANDWIDTH BOUND decoding; SMALLER KV CACHE; LOADS LESS DATA."),
    ("why-mqa-faster", "Decoding is\n\nmemory    bound.\nThe cache is smaller.\nWe fetch less."),
    ("why-mqa-faster", "Less data moved per token; smaller cache (one KV head); the bottleneck is memory bandwidth."),
    ("what-is-gqa", SIMPLE.answer),
    ("what-is-gqa", "Heads are grouped and the K/V heads are shared within a group."),
    ("what-is-gqa", "query heads form groups, each sharing a single key/value head"),
    ("what-is-gqa", "GROUPS of query heads; KV SHARED per group"),
    ("what-is-gqa", "A middle ground: query heads in g groups, every group shares one KV head."),
    ("what-is-gqa", "Keys and values are shared by the heads of each group."),
    ("what-is-gqa", "grouping; sharing of kv"),
    ("what-is-gqa", "ＧＲＯＵＰＳ share one kv head"),  # full-width letters are normalised (NFKC)
    ("what-is-gqa", "In a group, the key head is shared."),
]


@pytest.mark.parametrize(("qid", "answer"), ACCEPT, ids=_short)
def test_accepts_answers_making_every_point(qid: str, answer: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.NEEDS_REVIEW, result.feedback
    assert result.score == result.provisional_score == 5
    assert all(line.startswith("seems present: ") for line in result.feedback)


REJECT = [
    ("why-mqa-faster", "It uses fewer FLOPs.", 0.0, ["seems missing: the KV cache is smaller (one K/V head)"]),
    ("why-mqa-faster", "It is faster.", 0.0, ["seems missing: decoding is memory-bandwidth bound"]),
    ("why-mqa-faster", "The KV cache is smaller.", 0.4, ["seems present: the KV cache is smaller", "seems missing: decoding is memory-bandwidth bound"]),
    ("why-mqa-faster", "Decoding is memory bound.", 0.4, ["seems present: decoding is memory-bandwidth bound"]),
    ("why-mqa-faster", "We read less data.", 0.2, ["seems present: fewer bytes are read per generated token"]),
    ("why-mqa-faster", "The cache is smaller and decoding is memory bound.", 0.8, ["seems missing: fewer bytes are read per generated token"]),
    ("why-mqa-faster", "It uses more heads.", 0.0, []),
    ("what-is-gqa", "It groups query heads.", 0.5, ["seems missing: each group shares one K/V head"]),
    ("what-is-gqa", "KV heads are shared.", 0.5, ["seems missing: query heads are split into groups"]),
    ("what-is-gqa", "A kind of attention.", 0.0, ["seems missing: query heads are split into groups", "seems missing: each group shares one K/V head"]),
    ("what-is-gqa", "MHA with fewer heads", 0.0, []),
]


@pytest.mark.parametrize(("qid", "answer", "fraction", "phrases"), REJECT, ids=_short)
def test_scores_the_weight_of_points_made(qid: str, answer: str, fraction: float, phrases: list[str]) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.NEEDS_REVIEW
    assert result.fraction == pytest.approx(fraction)
    for phrase in phrases:
        assert any(line.startswith(phrase) for line in result.feedback), result.feedback


INVALID = [
    ("why-mqa-faster", "", "the answer is empty", 0),
    ("why-mqa-faster", " ", "the answer is empty", 0),
    ("why-mqa-faster", "\n\n\t", "the answer is empty", 0),
    ("why-mqa-faster", "\u3000\u2003", "the answer is empty", 0),
    ("why-mqa-faster", "a" * (MAX_LENGTH + 1), "the answer is too long (5001 characters; at most 5000)", MAX_LENGTH),
    ("why-mqa-faster", "memory bound " * 1000, "the answer is too long", MAX_LENGTH),
    ("what-is-gqa", "", "empty", 0),
    ("what-is-gqa", "   \n", "empty", 0),
    ("what-is-gqa", "\r\n", "empty", 0),
    ("what-is-gqa", "\t", "empty", 0),
    ("what-is-gqa", "\u00a0", "empty", 0),
    ("what-is-gqa", "\u2028", "empty", 0),
    ("what-is-gqa", "\x0b\x0c", "empty", 0),
    ("what-is-gqa", "g" * 5001, "too long", MAX_LENGTH),
    ("what-is-gqa", "group " * 2000, "too long", MAX_LENGTH),
]


@pytest.mark.parametrize(("qid", "answer", "phrase", "position"), INVALID, ids=_short)
def test_empty_or_oversized_answers_are_invalid(qid: str, answer: str, phrase: str, position: int) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INVALID
    assert phrase in result.feedback[0]
    assert result.position == position


def test_interpreted_is_the_normalised_answer_and_expected_the_model_answer() -> None:
    result = grade(_variant("what-is-gqa"), "  groups \n\n of heads ")
    assert result.interpreted == "groups of heads"
    assert result.expected == SIMPLE.answer
    assert result.details["seems_missing"] == ["each group shares one K/V head"]


def test_feedback_rule_answers_are_regexes() -> None:
    variant = _variant("why-mqa-faster")
    assert grade(variant, "It needs fewer FLOPs", expected=r"fewer (flops|computations?)").status is Status.CORRECT
    assert grade(variant, "The cache is small", expected=r"fewer (flops|computations?)").status is Status.INCORRECT
    result = grade_with_rules(variant, "MQA does fewer computations per token.")
    assert result.feedback[0] == "The saving is memory traffic, not arithmetic."
    assert result.status is Status.NEEDS_REVIEW


def test_a_broken_feedback_regex_is_a_bank_error() -> None:
    with pytest.raises(ValueError, match="does not compile"):
        grade(_variant("why-mqa-faster"), "anything", expected="(unclosed")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = grade(_variant("why-mqa-faster"), text)
    assert 1 <= result.score <= 5


LEADING = TextQuestion(
    id="leading",
    kind="text",
    topic="mqa",
    prompt="The seed article says the KV cache is smaller with MQA and that decoding is memory-bandwidth bound. "
    "Explain in your own words why that makes MQA decode faster.",
    rubric=WHY_MQA.rubric,
    answer=WHY_MQA.answer,
)


def test_copying_the_prompt_earns_no_points() -> None:
    result = grade(make_variant(LEADING, 0), LEADING.prompt)
    assert result.provisional_score == 1, result.feedback
    assert any("copied from the question" in line for line in result.feedback)


def test_points_made_in_own_words_still_count_beside_a_quoted_prompt() -> None:
    answer = LEADING.prompt + " Because each step reads less data: the cache is smaller, and memory bandwidth is the limit."
    assert grade(make_variant(LEADING, 0), answer).provisional_score == 5


def test_a_short_quote_from_the_prompt_still_counts() -> None:
    answer = "The KV cache is smaller; decoding is memory-bandwidth bound, so reading fewer bytes per token is faster."
    assert grade(make_variant(LEADING, 0), answer).provisional_score == 5


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("why-mqa-faster", "Smaller model."),
        ("what-is-gqa", "gr oup"),
        ("what-is-gqa", "shared weights"),
        ("what-is-gqa", "k v shared"),
        # Keyword stuffing: every rubric term, no sentence. It would make every point.
        ("what-is-gqa", "query heads grouped groups share shared K/V head"),
    ],
)
def test_a_list_of_keywords_is_sent_back_not_graded(qid: str, answer: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INVALID
    assert "keywords" in result.feedback[0]


def test_the_same_keywords_in_a_sentence_are_graded() -> None:
    result = grade(_variant("what-is-gqa"), "The query heads are split into groups and each group shares one K/V head.")
    assert result.status is Status.NEEDS_REVIEW and result.provisional_score == 5
