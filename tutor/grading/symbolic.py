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

from tutor.bank.model import ComplexityQuestion, ShapeQuestion, SymbolicQuestion
from tutor.bank.variant import Variant
from tutor.grading.equivalence import Verdict, constant_ratio, divides_by_zero, equivalent, seed_for
from tutor.grading.grade import Grade, invalid_from
from tutor.grading.parse import MathSyntaxError, parse_math
from tutor.notation.numbers import format_exact
from tutor.notation.sympy_text import to_text

__all__ = ["allowed_symbols", "grade", "parse_key", "substitute_where"]


def allowed_symbols(question: SymbolicQuestion | ComplexityQuestion) -> list[str]:
    """The declared symbols, then any `where` names not among them (a learner may use either)."""
    return list(dict.fromkeys([*question.symbols, *question.where]))


def parse_key(raw: object, question: SymbolicQuestion | ComplexityQuestion | ShapeQuestion,
              symbols: list[str], *, allow_big_o: bool = False) -> sympy.Expr:
    """Parse an answer written in the bank (a number or an expression); a bad one is a bank error."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{question.id}: an answer must be an expression, got {raw!r}")
    text = repr(raw) if isinstance(raw, float) else str(raw)
    try:
        return parse_math(text, symbols, allow_big_o=allow_big_o)
    except MathSyntaxError as err:
        raise ValueError(f"{question.id}: answer {raw!r} cannot be read: {err.message}") from None


def substitute_where(expr: sympy.Expr, where: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """Replace each `where` name by its definition until none is left (definitions may chain)."""
    for _ in range(len(where) + 1):
        if not expr.free_symbols & set(where):
            return expr
        expr = expr.xreplace(where)
    raise ValueError(f"`where` definitions refer to each other in a cycle: {sorted(s.name for s in where)}")


def where_map(question: SymbolicQuestion | ComplexityQuestion, symbols: list[str]) -> dict[sympy.Symbol, sympy.Expr]:
    return {
        sympy.Symbol(name, positive=True): parse_key(value, question, symbols)
        for name, value in question.where.items()
    }


def _invalid(err: MathSyntaxError, answer: str, expected: str) -> Grade:
    return invalid_from(err, expected=expected)


def _monomial_ratio(answer: sympy.Expr, expected: sympy.Expr) -> sympy.Expr | None:
    """`answer / expected` when sympy's automatic simplification makes it a product of
    powers of symbols (like H/G); no `cancel`, so it stays cheap on any input."""
    ratio = answer / expected
    for f in sympy.Mul.make_args(ratio):
        base, exp = f.as_base_exp()
        if not (f.is_Rational or (isinstance(base, sympy.Symbol) and exp.is_Rational)):
            return None
    return ratio


def _hints(answer: sympy.Expr, expected: sympy.Expr, order: list[str], seed: int) -> list[str]:
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
        lines.append(f"your answer is {to_text(monomial, order)} times the expected one")
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
    symbols = allowed_symbols(question)
    key = parse_key(question.answer if expected is None else expected, question, symbols)
    expected_text = to_text(key, symbols)
    try:
        parsed = parse_math(answer, symbols)
    except MathSyntaxError as err:
        return _invalid(err, answer, expected_text)
    interpreted = to_text(parsed, symbols)
    where = where_map(question, symbols)
    mine, theirs = substitute_where(parsed, where), substitute_where(key, where)
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
    feedback = ["your answer is not equivalent to the expected one", *_hints(mine, theirs, symbols, seed)]
    return Grade.of(0.0, interpreted=interpreted, expected=expected_text, feedback=feedback, details=details)
