"""The safe math parser: what it accepts, what it builds, and how it reports what it cannot read."""

from __future__ import annotations

import pytest
import sympy

from tutor.grading.parse import MathMax, MathMin, MathSyntaxError, parse_math, parse_math_full
from tutor.notation.sympy_text import to_text

SYMBOLS = ["b", "n", "d", "G", "H", "h", "k", "d_model", "n_kv"]
S = {name: sympy.Symbol(name, positive=True) for name in SYMBOLS}
b, n, d, G, H, h = (S[x] for x in "b n d G H h".split())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2*G*d^2/H", 2 * G * d**2 / H),
        ("2Gd²/H", 2 * G * d**2 / H),
        (r"\frac{2Gd^2}{H}", 2 * G * d**2 / H),
        (r"\dfrac{2 G d^{2}}{H}", 2 * G * d**2 / H),
        ("2 G d d / H", 2 * G * d**2 / H),
        ("2·G·d²/H", 2 * G * d**2 / H),
        ("2 × G ⋅ d**2 ÷ H", 2 * G * d**2 / H),
        ("b n d", b * n * d),
        ("bnd", b * n * d),
        ("2(b+n)", 2 * (b + n)),
        ("(b)(n)", b * n),
        ("[b + n] d", (b + n) * d),
        (r"\left( b + n \right) d", (b + n) * d),
        ("−d^2", -(d**2)),
        ("-d^2", -(d**2)),
        ("d^-1", 1 / d),
        ("d⁻¹", 1 / d),
        ("2^-1", sympy.Rational(1, 2)),
        ("b^2^1", b**2),
        ("√d", sympy.sqrt(d)),
        (r"\sqrt{d h}", sympy.sqrt(d * h)),
        (r"\sqrt[3]{d}", d ** sympy.Rational(1, 3)),
        ("d^{1/2}", sympy.sqrt(d)),
        ("sqrt(d)", sympy.sqrt(d)),
        ("n log n", n * sympy.log(n)),
        ("nlogn", n * sympy.log(n)),
        (r"n \log n", n * sympy.log(n)),
        ("log2(n)", sympy.log(n) / sympy.log(2)),
        (r"\log_2 n", sympy.log(n) / sympy.log(2)),
        ("max(b, n)", MathMax(b, n)),
        ("min(b, n)", MathMin(b, n)),
        ("d_model n_kv", S["d_model"] * S["n_kv"]),
        ("d_{model}^2", S["d_model"] ** 2),
        (r"2 \cdot d \times h", 2 * d * h),
        (r"$2\,d\,h$", 2 * d * h),
        ("π d", sympy.pi * d),
        ("1/2", sympy.Rational(1, 2)),
        ("0.125", sympy.Rational(1, 8)),
        ("1e-3", sympy.Rational(1, 1000)),
        ("2.5E6", sympy.Integer(2_500_000)),
        ("1,048,576", sympy.Integer(1_048_576)),
        ("1_048_576", sympy.Integer(1_048_576)),
        ("2*1024^2", sympy.Integer(2_097_152)),
        ("2^21", sympy.Integer(2_097_152)),
        ("dd", d**2),
        ("G d^2 (2/H)", 2 * G * d**2 / H),
    ],
)
def test_accepts(text: str, expected: sympy.Expr) -> None:
    assert parse_math(text, SYMBOLS) == expected


def test_symbols_are_positive() -> None:
    expr = parse_math("d", SYMBOLS)
    assert expr.is_positive is True
    assert parse_math("sqrt(d^2)", SYMBOLS) == d


def test_builds_sympy_objects_not_strings_of_python() -> None:
    # `__import__` is not a declared symbol: it is named and refused, never evaluated.
    with pytest.raises(MathSyntaxError) as info:
        parse_math("__import__('os')", SYMBOLS)
    assert info.value.position == 0


@pytest.mark.parametrize(
    "text, position, fragment",
    [
        ("x + 1", 0, "unknown symbol 'x' at column 1; allowed: b, n, d"),
        ("b + x", 4, "unknown symbol 'x' at column 5"),
        ("bxd", 0, "unknown symbol 'bxd'"),
        ("D", 0, "did you mean 'd'?"),
        ("d2", 0, "write d^2"),
        ("b +", 3, "expected a value"),
        ("(b + n", 6, "expected ')'"),
        ("b + n)", 5, "unmatched ')'"),
        ("(b]", 2, "does not match"),
        ("", 0, "empty answer"),
        ("b # n", 2, "unexpected character '#'"),
        ("2 3", 2, "two numbers side by side"),
        ("1/2n", 1, "ambiguous"),
        ("d^100", 1, "exponent 100"),
        ("d^n", 1, "must be a number"),
        ("9^9^9^9", 3, "too large"),
        ("10^5000", 2, "too large"),
        ("1" * 50, 0, "too many digits"),
        ("((((((((((" * 7 + "b" + "))))))))))" * 7, None, "too deeply nested"),
        ("-" * 200 + "b", None, "too deeply nested"),
        ("b/0", 1, "division by zero"),
        ("log(0)", 0, "not positive"),
        (r"\foo{b}", 0, "unknown LaTeX command"),
        ("O(b)", 0, "only for big-O answers"),
        ("exp(b)", 0, "unknown function 'exp' at column 1; functions: sqrt, log"),
        ("b" * 1001, 1000, "too long"),
    ],
)
def test_rejects_with_position(text: str, position: int | None, fragment: str) -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse_math(text, SYMBOLS)
    assert fragment in info.value.message
    if position is not None:
        assert info.value.position == position


def test_error_span_is_data() -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse_math("2*b + xyz", SYMBOLS)
    assert (info.value.position, info.value.end) == (6, 9)  # the whole unknown word
    with pytest.raises(MathSyntaxError) as info:
        parse_math("2*b + #", SYMBOLS)
    assert (info.value.position, info.value.end) == (6, 7)


def test_thousands_separator_not_inside_function_arguments() -> None:
    assert parse_math("max(1,000)", SYMBOLS) == 1


def test_big_o_forms() -> None:
    for text in ("O(b n d)", r"\mathcal{O}(bnd)", r"\mathcal O(b n d)", "𝒪(bnd)"):
        parsed = parse_math_full(text, SYMBOLS, allow_big_o=True)
        assert (parsed.expr, parsed.had_big_o) == (b * n * d, True)
    parsed = parse_math_full("b n d", SYMBOLS, allow_big_o=True)
    assert (parsed.expr, parsed.had_big_o) == (b * n * d, False)
    assert parse_math("O(b d^2) + O(b n d)", SYMBOLS, allow_big_o=True) == b * d**2 + b * n * d


def test_declared_multi_letter_symbol_wins_over_splitting() -> None:
    assert parse_math("Gd", ["G", "d", "Gd"]) == sympy.Symbol("Gd", positive=True)
    assert parse_math("Gd", ["G", "d"]) == G * d


def test_constants_are_whole_words_only() -> None:
    constants = {"MB": sympy.Integer(10**6)}
    assert parse_math("2 MB", [], constants=constants) == 2 * 10**6
    with pytest.raises(MathSyntaxError):
        parse_math("2 M", [], constants=constants)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("2*G*d^2/H", "2·d²·G/H"),
        ("H G d", "d·G·H"),
        ("b d (d + n)", "b·d·(n + d)"),
        ("d/(h G)", "d/(G·h)"),
        ("sqrt(d)", "√d"),
        ("d^(3/2)", "d^(3/2)"),
        ("n log n", "n·log(n)"),
        ("1 - d^2", "1 - d²"),
    ],
)
def test_canonical_text(text: str, shown: str) -> None:
    assert to_text(parse_math(text, SYMBOLS), ["b", "n", "d", "G", "H", "h"]) == shown


@pytest.mark.parametrize("text", ["2G d²∕H", "2G d²⁄H", "2G d^2 ∕ H"])
def test_unicode_division_slashes_divide(text: str) -> None:
    from tutor.grading.parse import parse_math

    G_, d_, H_ = (sympy.Symbol(s, positive=True) for s in ("G", "d", "H"))
    assert parse_math(text, ["G", "d", "H"]) == 2 * G_ * d_**2 / H_


@pytest.mark.parametrize("text", ["log 2n", "n log 2n", "√2d", "sqrt 2d", "log 2(n)", "ln 10n"])
def test_a_bare_function_of_a_number_glued_to_a_name_is_ambiguous(text: str) -> None:
    # `log 2n` is log(2n) to most readers, but log(2)·n by the rule that a bare function takes one factor.
    from tutor.grading.parse import MathSyntaxError, parse_math

    with pytest.raises(MathSyntaxError) as err:
        parse_math(text, ["n", "d"])
    assert "ambiguous" in err.value.message


_N, _D = sympy.Symbol("n", positive=True), sympy.Symbol("d", positive=True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("log 2 n", _N * sympy.log(2)),
        ("log(2n)", sympy.log(2 * _N)),
        ("√2 d", sympy.sqrt(2) * _D),
        ("log n d", _D * sympy.log(_N)),
        ("log 2^n", None),
    ],
)
def test_spaced_or_bracketed_bare_function_arguments_still_read(text: str, expected: sympy.Expr | None) -> None:
    from tutor.grading.parse import MathSyntaxError, parse_math

    if expected is None:  # a symbolic exponent is refused as before, not as ambiguous
        with pytest.raises(MathSyntaxError) as err:
            parse_math(text, ["n", "d"])
        assert "ambiguous" not in err.value.message
        return
    assert parse_math(text, ["n", "d"]) == expected


@pytest.mark.parametrize("text", ["n^1/2", "d^-1/2", "d**-1/2", "n^1/3", "1/d^-1/2"])
def test_a_power_of_one_over_a_number_is_ambiguous(text: str) -> None:
    # `d^-1/2` is (1/d)/2 by precedence, but is typed for 1/√d; `n^1/2` for √n.
    from tutor.grading.parse import MathSyntaxError, parse_math

    with pytest.raises(MathSyntaxError) as err:
        parse_math(text, ["n", "d"])
    assert "ambiguous" in err.value.message
    assert "^(" in err.value.message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("n^(1/2)", sympy.sqrt(_N)),
        ("d^{-1/2}", 1 / sympy.sqrt(_D)),
        ("n^2/2", _N**2 / 2),
        ("n^1 / d", _N / _D),
        ("d^-1 / 2", 1 / (2 * _D)),
    ],
)
def test_other_powers_before_a_division_still_read(text: str, expected: sympy.Expr) -> None:
    from tutor.grading.parse import parse_math

    assert parse_math(text, ["n", "d"]) == expected
