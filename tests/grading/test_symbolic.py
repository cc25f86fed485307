"""Formula answers: equivalence over positive symbols, `where` definitions, and "could not decide"."""

from __future__ import annotations

import pytest

from tutor.bank.model import SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade as grade_with_rules
from tutor.grading.equivalence import equivalent, seed_for
from tutor.grading.grade import Status
from tutor.grading.parse import parse_math
from tutor.grading.symbolic import grade

GQA_PARAMS = SymbolicQuestion(
    id="gqa-kv-params", kind="symbolic", topic="gqa", prompt="K/V parameters of GQA?",
    symbols=["G", "d", "H"], answer="2*G*d^2/H",
    feedback=[{"answer": "2*d*d/G", "message": "The number of K/V heads is G, each of size d/H."}],
)
CACHE = SymbolicQuestion(
    id="cache", kind="symbolic", topic="kv-cache", prompt="Cache entries?",
    symbols=["b", "h", "n", "d"], where={"k": "d/h"}, answer="2*b*h*n*k",
)
ATTN = SymbolicQuestion(
    id="scale", kind="symbolic", topic="attention", prompt="Score scale?", symbols=["d", "h"], answer="1/sqrt(d/h)",
)

ACCEPT = [
    (GQA_PARAMS, "2*G*d^2/H"),
    (GQA_PARAMS, "2Gd²/H"),
    (GQA_PARAMS, r"\frac{2Gd^2}{H}"),
    (GQA_PARAMS, r"\frac{2 G d^{2}}{H}"),
    (GQA_PARAMS, "2 G d d / H"),
    (GQA_PARAMS, "2·G·d²/H"),
    (GQA_PARAMS, "G d^2 (2/H)"),
    (GQA_PARAMS, "2*d*d/H*G"),
    (GQA_PARAMS, "(2Gd^2)/H"),
    (GQA_PARAMS, "2 (d/H) G d"),
    (GQA_PARAMS, "G*d*(d/H) + G*d*(d/H)"),
    (GQA_PARAMS, "2Gd^2/H + log(d) - log(d)"),
    (GQA_PARAMS, "(G d^2 + G d^2)/H"),
    (GQA_PARAMS, "2 G d^3/(H d)"),
    (GQA_PARAMS, "$2G\\cdot d^2 / H$"),
    (CACHE, "2*b*h*n*k"),
    (CACHE, "2bnd"),
    (CACHE, "2 b h n d/h"),
    (CACHE, "b n (2d)"),
    (ATTN, "1/sqrt(d/h)"),
    (ATTN, "sqrt(h/d)"),
    (ATTN, r"\sqrt{h}/\sqrt{d}"),
    (ATTN, "(d/h)^(-1/2)"),
]

REJECT = [
    (GQA_PARAMS, "2*d*d/G"),
    (GQA_PARAMS, "2Gd^2"),
    (GQA_PARAMS, "Gd^2/H"),
    (GQA_PARAMS, "4Gd^2/H"),
    (GQA_PARAMS, "2Hd^2/G"),
    (GQA_PARAMS, "-2Gd^2/H"),
    (GQA_PARAMS, "2Gd^2/H + 1"),
    (GQA_PARAMS, "2Gd/H"),
    (GQA_PARAMS, "2 d^2"),
    (GQA_PARAMS, "2 G d^2 / H^2"),
    (GQA_PARAMS, "(2Gd)^2/H"),
    (GQA_PARAMS, "2 G (d+1)^2/H"),
    (GQA_PARAMS, "max(G, H) 2 d^2/H"),
    (CACHE, "b h n k"),
    (CACHE, "2 b n d/h"),
    (CACHE, "2 b h n d"),
    (ATTN, "1/sqrt(d)"),
    (ATTN, "h/d"),
]

INVALID = [
    (GQA_PARAMS, "", 0),
    (GQA_PARAMS, "2*g*d^2/H", 2),
    (GQA_PARAMS, "2Gd^2/h", 6),
    (GQA_PARAMS, "2xd", 1),
    (GQA_PARAMS, "2Gd^2/", 6),
    (GQA_PARAMS, "(2Gd^2/H", 8),
    (GQA_PARAMS, "2Gd^2)/H", 5),
    (GQA_PARAMS, "2Gd^2/HG", 5),
    (GQA_PARAMS, "d^200", 1),
    (GQA_PARAMS, "d^G", 1),
    (GQA_PARAMS, "2 G d^2 @ H", 8),
    (GQA_PARAMS, "exp(d)", 0),
    (GQA_PARAMS, "2G d2/H", 3),
    (GQA_PARAMS, r"\frac{2Gd^2}", 12),
    (CACHE, "2bnk h m", 7),
    (ATTN, "sqrt(", 5),
]


@pytest.mark.parametrize("question, answer", ACCEPT)
def test_accepts(question: SymbolicQuestion, answer: str) -> None:
    result = grade(make_variant(question, 0), answer)
    assert result.status is Status.CORRECT, result.feedback
    assert result.score == 5


@pytest.mark.parametrize("question, answer", REJECT)
def test_rejects(question: SymbolicQuestion, answer: str) -> None:
    result = grade(make_variant(question, 0), answer)
    assert result.status is Status.INCORRECT, (result.status, result.feedback)
    assert result.score == 1


@pytest.mark.parametrize("question, answer, position", INVALID)
def test_invalid_says_where(question: SymbolicQuestion, answer: str, position: int) -> None:
    result = grade(make_variant(question, 0), answer)
    assert result.status is Status.INVALID
    assert result.position == position, result.feedback


def test_unknown_symbol_lists_the_allowed_ones() -> None:
    result = grade(make_variant(GQA_PARAMS, 0), "2*G*x^2/H")
    assert result.feedback[0] == "unknown symbol 'x' at column 5; allowed: G, d, H"
    assert result.position == 4  # where the caret goes; each front end draws its own


def test_interpreted_is_canonical() -> None:
    result = grade(make_variant(GQA_PARAMS, 0), r"\frac{2Gd^2}{H}")
    assert result.interpreted == "2·G·d²/H"
    assert result.expected == "2·G·d²/H"


@pytest.mark.parametrize(
    "answer, hint",
    [
        ("4Gd^2/H", "off by a constant factor of 2 (too large)"),
        ("Gd^2/H", "off by a constant factor of 2 (too small)"),
        ("-2Gd^2/H", "the sign is wrong"),
        ("2Hd^2/G", "your answer is H²/G² times the expected one"),
        ("2d^2", "the expected answer depends on G, H; yours does not"),
    ],
)
def test_feedback_explains_the_difference(answer: str, hint: str) -> None:
    result = grade(make_variant(GQA_PARAMS, 0), answer)
    assert hint in result.feedback, result.feedback


def test_undecidable_is_not_marked_wrong() -> None:
    question = SymbolicQuestion(
        id="minmax", kind="symbolic", topic="attention", prompt="?", symbols=["n", "w"], answer="min(n, w) + max(n, w)",
    )
    result = grade(make_variant(question, 0), "n + w")
    assert result.status is Status.INVALID
    assert "could not decide" in result.feedback[0]
    assert result.details["undecided"] is True


def test_feedback_rule_uses_the_same_equivalence() -> None:
    result = grade_with_rules(make_variant(GQA_PARAMS, 0), "2 d^2/G")
    assert result.feedback[0] == "The number of K/V heads is G, each of size d/H."


@pytest.mark.parametrize(
    "answer, key, verdict",
    [
        ("(b+n)^2", "b^2 + 2 b n + n^2", "equal"),
        ("(b+n)^20 - (n+b)^20", "0", "equal"),
        ("1/(b-n) - 1/(n-b)", "2/(b-n)", "equal"),
        ("log(b^2 n)", "2 log(b) + log(n)", "equal"),
        ("sqrt(b n)", "sqrt(b) sqrt(n)", "equal"),
        ("log2(n)", "log(n)/log(2)", "equal"),
        ("(b+n)^20", "(b+n)^20 + 1", "different"),
        ("sqrt(b + n)", "sqrt(b) + sqrt(n)", "different"),
        ("log(b + n)", "log(b) + log(n)", "different"),
        ("π b", "3.14159 b", "different"),
    ],
)
def test_equivalence_verdicts(answer: str, key: str, verdict: str) -> None:
    symbols = ["b", "n"]
    result = equivalent(parse_math(answer, symbols), parse_math(key, symbols), seed=seed_for(answer, key))
    assert result.verdict.value == verdict


@pytest.mark.parametrize(
    "question, answer",
    [
        (GQA_PARAMS, "1/((H+G)^2 - H^2 - 2HG - G^2)"),  # a denominator that is 0 for every value
        (GQA_PARAMS, "2*G*d^2/H + 1/((d+1)^2 - d^2 - 2d - 1)"),
        (GQA_PARAMS, "(H - G)/((H+1)^2 - H^2 - 2H - 1)"),
        (ATTN, "sqrt(h)/((h+1)^2 - h^2 - 2h - 1)"),  # the inexact (mpmath) path
    ],
)
def test_dividing_by_an_expression_that_is_always_zero_never_passes(question: SymbolicQuestion, answer: str) -> None:
    result = grade(make_variant(question, 0), answer)
    assert result.status is Status.INVALID, (result.status, result.feedback)
    assert "divides by zero" in result.feedback[0]


@pytest.mark.parametrize(
    "answer, key",
    [
        ("1/((b+n)^2 - b^2 - 2 b n - n^2)", "b/n"),
        ("sqrt(b)/((b+1)^2 - b^2 - 2b - 1)", "sqrt(b)"),
        ("b/n", "b/n + 1/((b+n)^2 - b^2 - 2 b n - n^2)"),
    ],
)
def test_a_point_where_one_side_is_undefined_is_never_agreement(answer: str, key: str) -> None:
    symbols = ["b", "n"]
    result = equivalent(parse_math(answer, symbols), parse_math(key, symbols), seed=seed_for(answer, key))
    assert result.verdict.value != "equal"


@pytest.mark.parametrize(
    "answer",
    ["sqrt(h/d)*(1 + 10^-20)", "sqrt(h/d)*(1 + 10^-40)", "sqrt(h/d)*0.99999999999999999999"],
)
def test_a_tiny_constant_factor_is_wrong_not_undecided(answer: str) -> None:
    result = grade(make_variant(ATTN, 0), answer)
    assert result.status is Status.INCORRECT, (result.status, result.feedback)
