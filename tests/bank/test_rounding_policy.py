"""A prompt that fixes the rounding has the matching `rounding:` policy, and the policy decides (red-team R12)."""

from __future__ import annotations

import re

import pytest
import sympy

from tutor.bank.loader import load_bank
from tutor.bank.model import DecimalsRounding, NumericQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade
from tutor.grading.numeric import expected_value

FIXES_ROUNDING = re.compile(r"decimal|nearest whole number|significant fig|significant digit", re.IGNORECASE)


def test_every_prompt_that_fixes_the_rounding_sets_a_policy() -> None:
    missing = []
    for q in load_bank().questions:
        if isinstance(q, NumericQuestion) and FIXES_ROUNDING.search(q.prompt) and q.rounding is None:
            values = {expected_value(q, make_variant(q, s), q.answer) for s in range(3)}
            if any(v.q != 1 for v in values):  # an integer answer is graded exactly anyway
                missing.append(q.id)
    # attn-scale-numeric says "Give a decimal" (0.0625 is exact): the form, not a rounding
    assert set(missing) <= {"attn-scale-numeric"}, missing


QUESTION = NumericQuestion(id="d", kind="numeric", topic="attention", prompt="Tokens? Give two decimals.",
                           answer="4.68559", rounding={"decimals": 2}, tolerance={"rel": 0.01})


@pytest.mark.parametrize("answer, ok", [("4.69", True), ("4.68559", True), ("4.685", True), ("4.6949", True),
                                        ("4.68", False), ("4.7", False), ("4.695", False), ("4.6", False)])
def test_decimals_policy_accepts_exactly_what_rounds_the_same(answer: str, ok: bool) -> None:
    result = grade(make_variant(QUESTION, 0), answer)
    assert (result.status is Status.CORRECT) is ok, (answer, result.feedback)
    if not ok:
        assert "rounds to 4.69" in result.feedback[-1]


def test_decimals_policy_is_monotone() -> None:
    variant = make_variant(QUESTION, 0)
    target = sympy.Rational("4.68559")
    values = [sympy.Rational(k, 1000) for k in range(4600, 4780)]
    accepted = [v for v in values if grade(variant, str(float(v))).status is Status.CORRECT]
    assert accepted == [v for v in values if min(accepted) <= v <= max(accepted)]
    assert min(accepted) <= target <= max(accepted)
    assert isinstance(QUESTION.rounding, DecimalsRounding)
