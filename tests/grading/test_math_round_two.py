"""Issue 11 classes in typed math and big-O: shrinking logs, roots of negatives, Θ/Ω, log^k, underestimates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tutor.bank.model import ComplexityQuestion, SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade
from tutor.grading.parse import MathSyntaxError, parse_math

NM = ComplexityQuestion(id="nm", kind="complexity", topic="attention", prompt="?", symbols=["n", "m"], answer="O(n log m)")
N = ComplexityQuestion(id="n", kind="complexity", topic="attention", prompt="?", symbols=["n", "m"], answer="O(n)")
SORTISH = ComplexityQuestion(id="s", kind="complexity", topic="attention", prompt="?", symbols=["n"], answer="O(n log^2 n)")
FORMULA = SymbolicQuestion(id="f", kind="symbolic", topic="mha", prompt="?", symbols=["n"], answer="n")


# --- 2. a log of a shrinking argument is never dropped as a constant: it is negative, so no bound
@pytest.mark.parametrize("answer", ["n*log(2/m)", "O(n*log(1/m))", "O(n log(1/(m^2)))", "n + n log(3/m)"])
def test_logs_of_shrinking_arguments_are_refused_not_dropped(answer: str) -> None:
    for question in (NM, N):
        result = grade(make_variant(question, 0), answer)
        assert result.status is Status.INVALID  # never O(n), never O(n log m): a negative bound bounds nothing
        assert "shrinks to 0" in result.feedback[0] and "log m, not log(1/m)" in result.feedback[0]


@pytest.mark.parametrize("answer", ["O(n log(m))", "n log(m^2/3)", "n log(2m)"])
def test_logs_of_growing_arguments_reduce_to_log_m(answer: str) -> None:
    assert grade(make_variant(NM, 0), answer).status is Status.CORRECT


def test_a_log_of_a_ratio_is_bounded_by_both_logs() -> None:
    result = grade(make_variant(NM, 0), "O(n log(n/m))")
    assert result.status is not Status.CORRECT and "log(n)" in result.interpreted and "log(m)" in result.interpreted


# --- 3. roots of negative values are refused
@pytest.mark.parametrize("answer", ["sqrt(-1)^2 + n + 1", "(-8)^(1/3) + n", r"\sqrt{-4} n", "√(0-1)·n"])
def test_roots_of_negatives_are_invalid_with_a_message(answer: str) -> None:
    result = grade(make_variant(FORMULA, 0), answer)
    assert result.status is Status.INVALID
    assert "root of a negative value" in result.feedback[0] and "complex" in result.feedback[0]


def test_even_powers_of_negatives_still_read() -> None:
    assert parse_math("(-2)^2 n", ["n"]) == parse_math("4n", ["n"])


# --- 11. Θ and Ω say "write O(...)", never "unknown function"
@pytest.mark.parametrize("answer, letter", [("Θ(n)", "Θ"), (r"\Theta(n)", "Θ"), ("Theta(n)", "Θ"), ("Ω(n)", "Ω"), (r"\Omega(n)", "Ω")])
def test_theta_and_omega_ask_for_o(answer: str, letter: str) -> None:
    result = grade(make_variant(N, 0), answer)
    assert result.status is Status.INVALID
    assert result.feedback[0].startswith(f"{letter}(...) at column 1") and "write O(...)" in result.feedback[0]
    assert "unknown" not in result.feedback[0]
    assert result.position == 0


# --- 14. log^k written the usual way
@pytest.mark.parametrize("answer", ["O(n log^2 n)", "n log^2(n)", "n log² n", r"n \log^{2} n", "n (log n)^2", "n log(n)^2"])
def test_log_powers(answer: str) -> None:
    assert grade(make_variant(SORTISH, 0), answer).status is Status.CORRECT


def test_log_power_needs_an_argument() -> None:
    with pytest.raises(MathSyntaxError, match="needs an argument"):
        parse_math("log^2", ["n"])


# --- 6. an underestimate earns less than an overestimate
MQA = ComplexityQuestion(id="mqa", kind="complexity", topic="mqa", prompt="?", symbols=["b", "n", "d"], answer="O(b d^2 + b n d)")


def test_missing_a_growing_term_earns_less_than_an_extra_term() -> None:
    under = grade(make_variant(MQA, 0), "O(b n d)")
    over = grade(make_variant(MQA, 0), "O(b d^2 + b n d + n^2)")
    assert under.fraction < over.fraction
    assert any("your bound is too small" in line for line in under.feedback)
    assert not any("too small" in line for line in over.feedback)


@settings(max_examples=40, deadline=None)
@given(extra=st.sampled_from(["n^2", "d^3", "b^2 n", "n d^2"]), keep=st.sampled_from(["b d^2", "b n d"]))
def test_property_an_underestimate_never_outscores_the_matching_overestimate(extra: str, keep: str) -> None:
    under = grade(make_variant(MQA, 0), f"O({keep})")
    over = grade(make_variant(MQA, 0), f"O(b d^2 + b n d + {extra})")
    assert under.fraction < over.fraction


# --- 4. domain facts: `assume:` relations (and the G <= H default) when dropping dominated terms
GQA_PREFILL = ComplexityQuestion(id="gp", kind="complexity", topic="gqa", prompt="?", symbols=["B", "S", "d", "H", "G"],
                                 answer="O(B*S^2*d + B*S*d^2)")
PAIR = ComplexityQuestion(id="pair", kind="complexity", topic="attention", prompt="?", symbols=["n", "m"],
                          answer="O(n^2)", assume=["m <= n"])


def test_g_at_most_h_drops_the_dominated_term_and_says_so() -> None:
    result = grade(make_variant(GQA_PREFILL, 0), "O(B S^2 d + B S d^2 + B S d^2 G/H)")
    assert result.status is Status.CORRECT
    assert result.feedback == ("dropped as dominated, since G ≤ H: B·S·d²·G/H",)


def test_declared_assumptions_are_used_and_independent_symbols_are_not() -> None:
    assert grade(make_variant(PAIR, 0), "O(n^2 + n m)").status is Status.CORRECT
    assert grade(make_variant(PAIR, 0), "O(n^2 + m^2)").status is Status.CORRECT
    free = ComplexityQuestion(id="free", kind="complexity", topic="attention", prompt="?", symbols=["n", "m"], answer="O(n^2)")
    assert grade(make_variant(free, 0), "O(n^2 + n m)").status is not Status.CORRECT


def test_a_bad_assumption_is_a_bank_error() -> None:
    bad = ComplexityQuestion(id="bad", kind="complexity", topic="attention", prompt="?", symbols=["n"], answer="O(n)",
                             assume=["n <= q"])
    with pytest.raises(ValueError, match="'q' is not a declared symbol"):
        grade(make_variant(bad, 0), "O(n)")


def test_the_built_in_gqa_questions_accept_exact_bounds() -> None:
    from tutor.bank.loader import load_bank

    bank = load_bank()
    for qid, answer in (("gqa-prefill-complexity", "O(B S^2 d + B S d^2 + B S d^2 G/H)"),
                        ("gqa-decode-memory-complexity", "O(d^2 + d^2 G/H + B S G d / H)")):
        assert grade(make_variant(bank.get(qid), 0), answer).status is Status.CORRECT
