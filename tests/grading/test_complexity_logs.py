"""A log of an argument that does not grow is reduced from the argument's limit (red-team R0).

log(f): f -> inf is log f; f -> c > 1 a constant; f -> 1 is like f - 1 (log(1 + 1/L) ≍ 1/L, never a
constant to drop); f -> c < 1 is negative, refused."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import ComplexityQuestion
from tutor.bank.variant import make_variant
from tutor.grading.complexity import ComplexityError, dominant_terms, grade
from tutor.grading.grade import Status

x, y = sympy.symbols("x y", positive=True)

QUIZ = ComplexityQuestion(
    id="full", kind="complexity", topic="mha", prompt="?", symbols=["L", "D"], answer="O(L^2 D + L D^2)",
)
GQA = ComplexityQuestion(
    id="gqa", kind="complexity", topic="gqa", prompt="?", symbols=["B", "S", "d", "H", "G"],
    answer="O(B S d G/H)",
)


def _g(question: ComplexityQuestion, answer: str):
    return grade(make_variant(question, 0), answer)


@pytest.mark.parametrize("answer", [
    "O(L^2 D log(1 + 1/L) + L D^2)",
    "O(L^2 D log((L+1)/L) + L D^2)",
    "O(L^2 D * log2(1 + 1/L) + L D^2)",
    "O(L^2 D log(L/(L-1)) + L D^2)",
    "O(L^2 D * log(1 + 1/D) + L D^2)",
])
def test_a_log_tending_to_1_is_not_dropped_as_a_constant(answer: str) -> None:
    g = _g(QUIZ, answer)
    assert g.status is not Status.CORRECT, answer
    assert g.details.get("too_small"), g.feedback


def test_a_log_tending_to_1_cancels_a_growing_factor() -> None:
    assert _g(GQA, "O(B S G d/H * log(1 + 1/S) * S)").status is Status.CORRECT


@pytest.mark.parametrize("answer", ["O(L^2 D log(1/2 + 1/L) + L D^2)", "O(L^2 D log(1 - 1/L) + L D^2)"])
def test_a_log_below_1_is_refused(answer: str) -> None:
    g = _g(QUIZ, answer)
    assert g.status is Status.INVALID and "log" in " ".join(g.feedback)


def test_a_log_of_a_constant_above_1_is_a_constant() -> None:
    assert _g(QUIZ, "O(L^2 D log(2 + 1/L) + L D^2 log(3))").status is Status.CORRECT


def test_a_bound_only_under_an_assumed_relation_is_refused() -> None:
    g = _g(GQA, "O(B S d G/H log(1 + G/H))")
    assert g.status is Status.INVALID


growing = st.tuples(st.integers(0, 3), st.integers(0, 3))  # x^p y^q
shift = st.integers(1, 5)


@settings(max_examples=60, deadline=None)
@given(growing, shift, st.integers(1, 2), st.sampled_from(["plus", "ratio_up", "ratio_down"]))
def test_log_tending_to_1_reduces_like_its_argument_minus_1(pq, a, k, form) -> None:
    p, q = pq
    if form == "plus":  # log(1 + a/x^k) ≍ x^-k
        arg, decay = 1 + sympy.Integer(a) / x**k, k
    elif form == "ratio_up":  # log((x + a)/x) ≍ 1/x
        arg, decay = (x + a) / x, 1
    else:  # log(x/(x - a)) ≍ 1/x
        arg, decay = x / (x - a), 1
    expr = x**p * y**q * sympy.log(arg, evaluate=False) + y
    reference = x ** (p - decay) * y**q + y
    assert dominant_terms(expr) == dominant_terms(reference)


@settings(max_examples=40, deadline=None)
@given(growing, st.integers(2, 9), st.integers(1, 5))
def test_log_of_a_constant_limit_above_1_is_constant(pq, c, a) -> None:
    p, q = pq
    expr = x**p * y**q * sympy.log(c + sympy.Integer(a) / x, evaluate=False) + y
    assert dominant_terms(expr) == dominant_terms(x**p * y**q + y)


@settings(max_examples=30, deadline=None)
@given(growing, st.integers(2, 9), st.integers(1, 5))
def test_log_of_a_limit_below_1_is_refused(pq, c, a) -> None:
    p, q = pq
    expr = x**p * y**q * sympy.log(sympy.Integer(1) / c + sympy.Integer(a) / x, evaluate=False) + y
    with pytest.raises(ComplexityError):
        dominant_terms(expr)
