"""The shared notation tables and patterns: one home, read the same way by every layer."""

from __future__ import annotations

from fractions import Fraction

import sympy

from tutor.grading import grade
from tutor.bank.loader import load_bank
from tutor.bank.variant import make_variant, placeholders, render
from tutor.notation.numbers import format_exact, format_param
from tutor.notation.scripts import from_superscript, superscript, to_subscript, to_superscript
from tutor.notation.spans import MATH_OR_CODE, PLACEHOLDER, code_body, math_body


def test_superscripts_round_trip() -> None:
    assert superscript(-12) == "⁻¹²"
    assert from_superscript("⁻¹²") == "-12"
    assert to_superscript("2") == "²" and to_superscript("x") is None
    assert to_subscript("h") == "ₕ" and to_subscript("Q") is None


def test_spans_find_math_and_code_but_not_prose() -> None:
    text = "Let $d^2$ be `x.view(b, {n})` and $$\\frac{a}{b}$$ for {n}."
    found = [(m.group("math"), m.group("code")) for m in MATH_OR_CODE.finditer(text)]
    assert found == [("$d^2$", None), (None, "`x.view(b, {n})`"), ("$$\\frac{a}{b}$$", None)]
    assert math_body("$$x$$") == "x" and math_body("$y$") == "y"
    assert code_body("``a`b``") == "a`b"
    assert PLACEHOLDER.findall("{n} {{lit}} {d_h}") == ["n", "d_h"]
    assert placeholders("{a}{{b}}") == ["a"]


def test_numbers() -> None:
    assert format_param(2.0) == "2" and format_param(0.5) == "0.5" and format_param(4096) == "4096"
    assert render("{n} and {{n}}", {"n": 8.0}) == "8 and {n}"
    assert format_exact(sympy.Integer(4294967296)) == "4,294,967,296"
    assert format_exact(Fraction(1, 8)) == "0.125"
    assert format_exact(sympy.Rational(1, 3)) == "0.333333…"


def test_invalid_grades_carry_the_span_as_data() -> None:
    bank = load_bank()
    symbolic = next(q for q in bank.questions if q.kind == "symbolic")
    result = grade(make_variant(symbolic, 0), "2 + zzz")
    assert result.status.value == "invalid"
    assert (result.position, result.position_end) == (4, 7)
    assert result.to_json(symbolic.id)["position_end"] == 7
    shape = next(q for q in bank.questions if q.kind == "shape")
    first = str(shape.answer[0])
    result = grade(make_variant(shape, 0), f"[{first}, sqrt(2)]")
    start = len(first) + 3
    assert (result.position, result.position_end) == (start, start + 5)  # `sqrt(`
