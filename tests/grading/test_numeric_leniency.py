"""Rounding and GB-vs-GiB leniency never hide a known mistake, and never make the accepted region non-monotone."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

from tutor.bank.model import NumericQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade


def _question(answer: object, rules: list[tuple[object, str]] = (), unit: str = "params", **extra) -> NumericQuestion:
    return NumericQuestion(
        id="lenient", kind="numeric", topic="mha", prompt="How many?", answer=answer, unit=unit,
        feedback=[{"answer": a, "message": m} for a, m in rules], **extra,
    )


def _rounded(value: int, digits: int) -> str:
    """`value` in millions, rounded to `digits` significant digits: `8.4M`."""
    text = f"{Decimal(value) / Decimal(10**6):.{digits}g}"
    return f"{text}M"


# 4·d² + 4·d with d = 1448: weights and biases; the rule forgets the biases (4·d²).
WITH_BIASES = 4 * 1448**2 + 4 * 1448
WITHOUT = 4 * 1448**2


def test_a_rounded_answer_a_rule_also_rounds_to_is_sent_back() -> None:
    question = _question(WITH_BIASES, [(WITHOUT, "Count the biases too.")])
    result = grade(make_variant(question, 0), "8.39M")  # both 8,392,996 and 8,386,816 round to 8.39M
    assert result.status is Status.INVALID
    assert "give more digits" in result.feedback[0] and "at least 4 significant digits" in result.feedback[0]
    assert grade(make_variant(question, 0), "8.393M").status is Status.CORRECT  # more digits tell them apart
    assert grade(make_variant(question, 0), "8.387M").feedback[0] == "Count the biases too."


def test_rounding_policy_exact_and_significant() -> None:
    exact = _question(WITH_BIASES, rounding="exact")
    assert grade(make_variant(exact, 0), "8.39M").status is Status.INCORRECT
    assert grade(make_variant(exact, 0), str(WITH_BIASES)).status is Status.CORRECT
    three = _question(WITH_BIASES, rounding={"significant": 3})
    assert grade(make_variant(three, 0), "8.4M").status is Status.INCORRECT
    assert grade(make_variant(three, 0), "8.39M").status is Status.CORRECT
    result = grade(make_variant(three, 0), "8M")
    assert any("at least three significant digits" in line for line in result.feedback)


def test_no_significant_digits_hint_for_an_exact_power_of_two_multiple() -> None:
    question = _question(2**23, unit="bytes")
    result = grade(make_variant(question, 0), "16 MiB")  # exactly 2x: a counting mistake
    assert result.status is Status.INCORRECT
    assert not any("significant digits" in line for line in result.feedback)


@settings(max_examples=60, deadline=None)
@given(
    value=st.integers(min_value=1_000_000, max_value=999_000_000),
    delta=st.integers(min_value=1, max_value=50_000),
    digits=st.integers(min_value=2, max_value=4),
)
def test_property_a_rounded_answer_that_also_rounds_from_a_rule_is_never_correct(value: int, delta: int, digits: int) -> None:
    rule_value = value + delta
    question = _question(value, [(rule_value, "a known mistake")])
    shown = _rounded(value, digits)
    result = grade(make_variant(question, 0), shown)
    rule_rounds_too = _rounded(rule_value, digits) == shown
    exact = Decimal(shown[:-1]) * 10**6 == value  # the exact value itself is never "rounded"
    if rule_rounds_too and not exact:
        assert result.status is not Status.CORRECT, (shown, value, rule_value)
    elif result.status is not Status.CORRECT:
        assert result.status is Status.INVALID or result.feedback  # never silently wrong


@settings(max_examples=40, deadline=None)
@given(gib=st.integers(min_value=1, max_value=64), decimals=st.integers(min_value=0, max_value=2))
def test_property_gb_answers_accepted_form_an_interval(gib: int, decimals: int) -> None:
    """Among `m GB` answers written with the same digits, the accepted ones are contiguous and
    include the one nearest the value: no farther answer accepted while a nearer one is refused."""
    question = _question(gib * 2**30, unit="bytes")
    variant = make_variant(question, 0)
    target = Decimal(gib * 2**30) / Decimal(10**9)
    step = Decimal(1).scaleb(-decimals)
    low = (Decimal(gib) - 1).quantize(step)
    accepted = []
    m = low
    while m <= target + 1:
        if m > 0:
            accepted.append((m, grade(variant, f"{m} GB").status is Status.CORRECT))
        m += step
    below = [ok for m, ok in accepted if m <= target]
    above = [ok for m, ok in accepted if m > target]
    # walking toward the value from below, once accepted, stays accepted; walking away above, once refused, stays refused
    assert below == sorted(below), [(str(m), ok) for m, ok in accepted]
    assert above == sorted(above, reverse=True), [(str(m), ok) for m, ok in accepted]
