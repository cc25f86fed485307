"""The accepted region of a numeric answer is monotone in its value, no known mistake's value is
accepted, and "give more digits" is said only when the right value really rounds to the answer
(red-team R2). Swept over built-in questions, in every byte unit and several precisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sympy

from tutor.bank.loader import load_bank
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade
from tutor.grading.numeric import expected_value

QUESTIONS = ["kvc-bytes-per-batch", "mqa-tens-of-megabytes-numeric", "quant-int8-bytes-per-token"]
UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _unit_for(value: sympy.Rational) -> list[str]:
    return [u for u, size in UNITS.items() if 1 <= value / size < 10_000]


@pytest.mark.parametrize("qid", QUESTIONS)
def test_accepted_values_are_an_interval_in_each_unit_and_precision(bank, qid: str) -> None:
    variant = make_variant(bank.get(qid), 0)
    target = expected_value(variant.question, variant, variant.question.answer)
    for unit in _unit_for(target):
        center = Decimal(int(target.p)) / Decimal(int(target.q)) / Decimal(UNITS[unit])
        swept = []
        for decimals in (0, 1, 2):
            step = Decimal(1).scaleb(-decimals)
            start = center.quantize(step)
            verdicts = []
            for k in range(-12, 13):
                m = start + k * step
                if m > 0:
                    verdicts.append((abs(m - center), f"{m} {unit}", grade(variant, f"{m} {unit}").status))
            # if a farther value is accepted, every nearer one (same unit, same digits) is too
            for far, text, status in verdicts:
                if status is Status.CORRECT:
                    nearer = [(t, s) for d, t, s in verdicts if d < far and s is not Status.CORRECT]
                    assert not nearer, (qid, text, nearer)
            swept += verdicts
        # across precisions: every accepted answer is explained as written (decimal unit): within the
        # tolerance, or a rounding of the value at its last digit with two or more significant digits.
        # (`4 GB` accepted as 4 GiB while `4.1 GB` and `4.2 GB`, nearer, were refused was R2.)
        q = variant.question
        band = max(sympy.Rational(repr(q.tolerance.abs)), sympy.Rational(repr(q.tolerance.rel)) * target) \
            if q.tolerance is not None else (0 if target.q == 1 else target / 1000)
        for _, text, status in swept:
            if status is Status.CORRECT:
                mant = Decimal(text.split()[0])
                value = sympy.Rational(str(mant)) * UNITS[unit]
                half = sympy.Rational(10) ** mant.as_tuple().exponent * UNITS[unit] / 2
                significant = len(mant.as_tuple().digits) if mant >= 1 else len(str(mant).lstrip("0.")) or 1
                assert abs(value - target) <= band or (significant >= 2 and abs(value - target) <= half), (qid, text)


@pytest.mark.parametrize("qid", QUESTIONS)
def test_trailing_zeros_do_not_change_a_binary_reading(bank, qid: str) -> None:
    variant = make_variant(bank.get(qid), 0)
    target = expected_value(variant.question, variant, variant.question.answer)
    for unit in ("KB", "MB", "GB"):
        m = target / UNITS[unit.replace("B", "iB")]
        if m.q == 1:  # a whole number of binary units: `4 GB` and `4.0 GB` get one verdict
            assert grade(variant, f"{m} {unit}").status is grade(variant, f"{m}.0 {unit}").status


def test_the_exact_binary_number_with_a_decimal_unit_is_not_accepted(bank) -> None:
    variant = make_variant(bank.get("kvc-bytes-per-batch"), 0)
    for answer in ("4 GB", "4.0 GB", "4.00 GB"):
        result = grade(variant, answer)
        assert result.status is Status.INVALID and "write GiB" in result.feedback[0], answer
    assert grade(variant, "4 GiB").status is Status.CORRECT


def _sig(value: sympy.Rational, size: int, digits: int) -> str:
    x = Decimal(int(value.p)) / Decimal(int(value.q)) / Decimal(size)
    return format(x.quantize(Decimal(1).scaleb(x.adjusted() - digits + 1)), "f")


def _numeric_with_rules(bank):
    for q in bank.questions:
        if q.kind == "numeric" and q.feedback and q.unit == "bytes":
            yield q


def test_no_rule_value_is_accepted_and_more_digits_only_when_true(bank) -> None:
    checked = 0
    for q in _numeric_with_rules(bank):
        variant = make_variant(q, 0)
        target = expected_value(q, variant, q.answer)
        for rule in q.feedback:
            try:
                value = expected_value(q, variant, rule.answer)
            except ValueError:
                continue
            if value == target:
                continue
            for unit in _unit_for(value):
                for digits in (2, 3, 4):
                    shown = _sig(value, UNITS[unit], digits)
                    answer = f"{shown} {unit}"
                    result = grade(variant, answer)
                    as_written = sympy.Rational(shown) * UNITS[unit]
                    quantum = sympy.Rational(10) ** Decimal(shown).as_tuple().exponent * UNITS[unit]
                    target_rounds = abs(as_written - target) * 2 <= quantum
                    if not target_rounds:
                        assert result.status is not Status.CORRECT, (q.id, answer, result.feedback)
                    text = " ".join(result.feedback)
                    if "give more digits" in text and "read as" not in text:
                        assert target_rounds, (q.id, answer, text)
                    checked += 1
    assert checked > 20


def test_a_known_mistake_in_decimal_mb_gets_its_rule_message(bank) -> None:
    variant = make_variant(bank.get("quant-int8-bytes-per-token"), 0)
    result = grade(variant, "0.16 MB")  # 163,840 (codes only) rounds to 0.16 MB; 166,400 rounds to 0.17 MB
    assert result.status is Status.INCORRECT
    assert "give more digits" not in " ".join(result.feedback)
    assert result.feedback[0] == grade(variant, "1.6e5").feedback[0]
