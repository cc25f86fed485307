"""Grade a formula answer (`2*G*d^2/H`, `2Gd²/H`, `\\frac{2Gd^2}{H}`) by equivalence with the key.

Declared symbols are positive; `where` definitions (`k: d/h`) are substituted in
both the answer and the key, so either spelling is accepted. Equivalence is
decided by `tutor.grading.equivalence` in bounded time. When it cannot be
decided (it needs simplification beyond the cheap canonical forms), the grade
is `invalid` with the message "could not decide": it costs the learner nothing
and asks for a simpler form, rather than marking a possibly right answer wrong.
"""

from __future__ import annotations

from dataclasses import replace

import sympy

from tutor.bank.model import SymbolicQuestion
from tutor.bank.variant import Variant
from tutor.grading.equivalence import Verdict, constant_ratio, divides_by_zero, equivalent, seed_for
from tutor.grading.grade import Grade, invalid_from
from tutor.grading.context import GradingContext, formula_symbols, grading_context
from tutor.grading.parse import MathSyntaxError, parse_math
from tutor.notation.numbers import format_exact
from tutor.notation.sympy_text import to_text

__all__ = ["grade"]


def _monomial_ratio(answer: sympy.Expr, expected: sympy.Expr) -> sympy.Expr | None:
    """`answer / expected` when sympy's automatic simplification makes it a product of
    powers of symbols (like H/G); no `cancel`, so it stays cheap on any input."""
    ratio = answer / expected
    for f in sympy.Mul.make_args(ratio):
        base, exp = f.as_base_exp()
        if not (f.is_Rational or (isinstance(base, sympy.Symbol) and exp.is_Rational)):
            return None
    return ratio


_POWERS = tuple(sympy.Rational(k, 2) for k in (1, -1, 2, -2, 3, -3, 4, -4))


def _in_learner_symbols(ratio: sympy.Expr, ctx: GradingContext, used: set[sympy.Symbol]) -> sympy.Expr:
    """`ratio` (over the base symbols) rewritten with the `where` names the learner wrote, where
    that makes it simpler: √H/√d_model is 1/√d_head when the learner used d_head = d_model/H."""
    best, best_size = ratio, len(ratio.free_symbols)
    for name, definition in ctx.where.items():
        if name not in used:
            continue
        for k in _POWERS:
            rest = ratio / definition**k
            if len(rest.free_symbols) + 1 < best_size or (rest == 1 and best_size > 1):
                best, best_size = rest * name**k, len(rest.free_symbols) + 1
    return best


def _hints(answer: sympy.Expr, expected: sympy.Expr, order: list[str], seed: int,
           ctx: GradingContext, used: set[sympy.Symbol]) -> list[str]:
    lines: list[str] = []
    ratio = constant_ratio(answer, expected, seed=seed)
    if ratio is not None:
        if ratio == -1:
            return ["the sign is wrong"]
        if ratio == 0:
            return ["your answer is 0 where the expected one is not"]
        value = sympy.Rational(ratio.numerator, ratio.denominator)
        big = value if abs(value) > 1 else 1 / value
        word = "too large" if abs(value) > 1 else "too small"
        return [f"off by a constant factor of {format_exact(abs(big))} ({word})"]
    monomial = _monomial_ratio(answer, expected)
    if monomial is not None and monomial.free_symbols:
        lines.append(f"your answer is {to_text(_in_learner_symbols(monomial, ctx, used), order)} times the expected one")
    missing = sorted(expected.free_symbols - answer.free_symbols, key=lambda s: s.name)
    extra = sorted(answer.free_symbols - expected.free_symbols, key=lambda s: s.name)
    if missing:
        lines.append(f"the expected answer depends on {', '.join(s.name for s in missing)}; yours does not")
    if extra:
        lines.append(f"your answer depends on {', '.join(s.name for s in extra)}; the expected one does not")
    return lines


def grade(variant: Variant, answer: str, expected: object | None = None) -> Grade:
    question = variant.question
    assert isinstance(question, SymbolicQuestion)
    ctx = grading_context(question, variant.params, formula_symbols(question))
    symbols = list(ctx.symbols)
    key = ctx.key(question.answer if expected is None else expected)
    expected_text = to_text(key, symbols)
    try:
        parsed = parse_math(answer, symbols)
    except MathSyntaxError as err:
        return invalid_from(err, expected=expected_text)
    interpreted = to_text(parsed, symbols)
    mine, theirs = ctx.resolve(parsed), ctx.resolve(key)
    seed = seed_for(answer, str(question.answer if expected is None else expected))
    if divides_by_zero(mine, seed=seed):
        return Grade.invalid(
            "your answer divides by zero: a denominator is 0 for every value of the symbols",
            interpreted=interpreted, expected=expected_text,
        )
    result = equivalent(mine, theirs, seed=seed)
    details = {"method": result.method}
    if result.verdict is Verdict.EQUAL:
        return Grade.of(1.0, interpreted=interpreted, expected=expected_text, details=details)
    if result.verdict is Verdict.UNDECIDED:
        undecided = Grade.invalid(
            "could not decide whether your answer equals the expected one; "
            "please write it in a simpler form (expanded, without min/max or nested roots)",
            interpreted=interpreted, expected=expected_text,
        )
        return replace(undecided, details={**details, "undecided": True})
    feedback = ["your answer is not equivalent to the expected one", *_hints(mine, theirs, symbols, seed, ctx, parsed.free_symbols | key.free_symbols)]
    return Grade.of(0.0, interpreted=interpreted, expected=expected_text, feedback=feedback, details=details)
