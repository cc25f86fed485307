"""Bounded-time equivalence of two parsed expressions over positive symbols.

The answer and the expected expression are compared in three steps, each with a
bound on its cost (the parser already bounds degree and constant size):

1. structural equality of sympy's automatic canonical forms;
2. exact evaluation of both at random large positive integers (Python
   fractions, no floating point). A single point where they differ proves them
   different. For rational functions (no roots, logs, min/max, π), agreement at
   every point is an identity test: a non-zero difference of degree D vanishes
   at a random point of [2^31, 2^32] with probability at most D/2^31, so six
   points leave a chance below 10^-30 (Schwartz–Zippel);
3. otherwise high-precision evaluation (mpmath) at random points: a difference
   seen at two precisions proves them different; agreement is confirmed
   exactly by sympy's cheap canonical forms (expand, expand_log, cancel), run
   only when the expanded size is estimated to be small. If that cannot
   confirm it, the verdict is UNDECIDED, never "different".
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

import mpmath
import sympy

from tutor.grading.parse import MathMax, MathMin

__all__ = [
    "Equivalence",
    "NotExact",
    "Verdict",
    "constant_ratio",
    "divides_by_zero",
    "equivalent",
    "estimate_terms",
    "evaluate_approx",
    "evaluate_exact",
    "random_points",
    "seed_for",
]

POINTS = 6
MAX_EXPAND_TERMS = 3000


class Verdict(StrEnum):
    EQUAL = "equal"
    DIFFERENT = "different"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Equivalence:
    verdict: Verdict
    method: str  # "structural", "identity test", "canonical form", "counterexample", "undecided"


class NotExact(Exception):
    """The expression has a part that rational arithmetic cannot evaluate exactly."""


def _fraction(value: sympy.Rational) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _exact_root(value: Fraction, n: int) -> Fraction:
    if value < 0:
        raise NotExact
    num, num_ok = sympy.integer_nthroot(value.numerator, n)
    den, den_ok = sympy.integer_nthroot(value.denominator, n)
    if not (num_ok and den_ok):
        raise NotExact
    return Fraction(int(num), int(den))


def evaluate_exact(expr: sympy.Expr, env: Mapping[sympy.Symbol, Fraction]) -> Fraction:
    """The exact value of `expr` at `env`; raises NotExact for logs, irrational roots and constants."""
    if isinstance(expr, sympy.Rational):
        return _fraction(expr)
    if isinstance(expr, sympy.Symbol):
        return env[expr]
    if isinstance(expr, sympy.Add):
        return sum((evaluate_exact(a, env) for a in expr.args), Fraction(0))
    if isinstance(expr, sympy.Mul):
        out = Fraction(1)
        for a in expr.args:
            out *= evaluate_exact(a, env)
        return out
    if isinstance(expr, sympy.Pow):
        base = evaluate_exact(expr.base, env)
        exp = expr.exp
        if not isinstance(exp, sympy.Rational):
            raise NotExact
        if exp.q != 1:
            base = _exact_root(base, int(exp.q))
        return base ** int(exp.p)
    if isinstance(expr, MathMin):
        return min(evaluate_exact(a, env) for a in expr.args)
    if isinstance(expr, MathMax):
        return max(evaluate_exact(a, env) for a in expr.args)
    raise NotExact


def evaluate_approx(expr: sympy.Expr, env: Mapping[sympy.Symbol, Fraction], dps: int) -> mpmath.mpf:
    """`expr` at `env` with `dps` decimal digits (mpmath; no overflow)."""
    with mpmath.workdps(dps):
        return _approx(expr, env)


def _approx(expr: sympy.Expr, env: Mapping[sympy.Symbol, Fraction]) -> mpmath.mpf:
    if isinstance(expr, sympy.Rational):
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if isinstance(expr, sympy.Symbol):
        v = env[expr]
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(expr, sympy.Add):
        return mpmath.fsum(_approx(a, env) for a in expr.args)
    if isinstance(expr, sympy.Mul):
        out = mpmath.mpf(1)
        for a in expr.args:
            out *= _approx(a, env)
        return out
    if isinstance(expr, sympy.Pow):
        base = _approx(expr.base, env)
        exp = expr.exp
        if isinstance(exp, sympy.Rational):
            if exp.q == 1:
                return base ** int(exp.p)
            if base < 0:
                raise NotExact
            return base ** (mpmath.mpf(int(exp.p)) / int(exp.q))
        return base ** _approx(exp, env)
    if isinstance(expr, sympy.log):
        arg = _approx(expr.args[0], env)
        if arg <= 0:
            raise NotExact
        return mpmath.log(arg)
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    if isinstance(expr, MathMin):
        return min(_approx(a, env) for a in expr.args)
    if isinstance(expr, MathMax):
        return max(_approx(a, env) for a in expr.args)
    raise NotExact


def seed_for(*texts: str) -> int:
    """A reproducible seed for the random points, from the texts being compared."""
    digest = hashlib.sha256("\x00".join(texts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def random_points(
    symbols: Sequence[sympy.Symbol], count: int, seed: int, *, low: int, high: int
) -> list[dict[sympy.Symbol, Fraction]]:
    """`count` points with every symbol a random integer in [low, high] (reproducible from `seed`)."""
    rng = random.Random(seed)
    return [{s: Fraction(rng.randint(low, high)) for s in symbols} for _ in range(count)]


def estimate_terms(expr: sympy.Expr, cap: int = 10**9) -> int:
    """An upper bound on the number of terms `sympy.expand(expr)` makes (capped at `cap`)."""
    if isinstance(expr, sympy.Add):
        return min(cap, sum(estimate_terms(a, cap) for a in expr.args))
    if isinstance(expr, sympy.Mul):
        out = 1
        for a in expr.args:
            out = min(cap, out * estimate_terms(a, cap))
        return out
    if isinstance(expr, sympy.Pow) and isinstance(expr.exp, sympy.Integer):
        t = estimate_terms(expr.base, cap)
        n = abs(int(expr.exp))
        if t <= 1:
            return 1
        if n > 64:
            return cap
        return min(cap, math.comb(n + t - 1, t - 1))
    if expr.args:
        return min(cap, max(estimate_terms(a, cap) for a in expr.args))
    return 1


def _free(exprs: Iterable[sympy.Expr]) -> list[sympy.Symbol]:
    found: set[sympy.Symbol] = set()
    for e in exprs:
        found |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    return sorted(found, key=lambda s: s.name)


def _has_piecewise(expr: sympy.Expr) -> bool:
    return expr.has(MathMin, MathMax)


def _canonically_zero(diff: sympy.Expr) -> bool:
    """Cheap exact forms of a difference, tried only when their size is known to be small."""
    if estimate_terms(diff, MAX_EXPAND_TERMS + 1) > MAX_EXPAND_TERMS or sympy.count_ops(diff) > 400:
        return False
    expanded = sympy.expand(sympy.expand_log(diff, force=True))
    if expanded == 0:
        return True
    if expanded.has(MathMin, MathMax) or estimate_terms(expanded, MAX_EXPAND_TERMS + 1) > MAX_EXPAND_TERMS:
        return False
    return sympy.cancel(sympy.together(expanded)) == 0


DEFAULT_SEED = 0x5EED


def equivalent(
    answer: sympy.Expr, expected: sympy.Expr, *, seed: int = DEFAULT_SEED, points: int = POINTS
) -> Equivalence:
    """Decide whether `answer` equals `expected` for all positive values of their symbols.

    `seed` picks the random points; graders pass `seed_for(answer_text, key_text)` so
    that points differ per question and answer yet a grade is reproducible.
    """
    if answer == expected:
        return Equivalence(Verdict.EQUAL, "structural")
    symbols = _free((answer, expected))
    exact = True
    compared = 0
    for env in random_points(symbols, points, seed, low=2**31, high=2**32):
        try:
            a = _exact_or_none(answer, env)
            e = _exact_or_none(expected, env)
        except NotExact:
            exact = False
            break
        if a is None and e is None:  # both undefined here: this point says nothing
            continue
        if a != e:  # a value against an undefined one is a difference
            return Equivalence(Verdict.DIFFERENT, "counterexample")
        compared += 1
    if exact and compared == 0:
        return Equivalence(Verdict.UNDECIDED, "undecided")
    if exact and not _has_piecewise(answer - expected):
        return Equivalence(Verdict.EQUAL, "identity test")
    if not exact:
        for env in random_points(symbols, points, seed + 1, low=2, high=1000):
            if _differs_approx(answer, expected, env):
                return Equivalence(Verdict.DIFFERENT, "counterexample")
    if divides_by_zero(answer, seed=seed) != divides_by_zero(expected, seed=seed):
        return Equivalence(Verdict.DIFFERENT, "counterexample")
    ratio = _number_ratio(answer, expected)
    if ratio is not None:
        return Equivalence(Verdict.EQUAL if ratio else Verdict.DIFFERENT, "constant ratio")
    if _canonically_zero(answer - expected):
        return Equivalence(Verdict.EQUAL, "canonical form")
    return Equivalence(Verdict.UNDECIDED, "undecided")


def _number_ratio(answer: sympy.Expr, expected: sympy.Expr) -> bool | None:
    """Whether `answer / expected` is 1, when sympy's automatic simplification makes it a number.

    Catches a constant factor too close to 1 for the two-precision check (`x·(1 + 10^-20)`).
    None when the ratio still has symbols or cannot be evaluated.
    """
    if expected == 0:
        return None
    ratio = answer / expected
    if ratio.free_symbols or ratio.has(sympy.zoo, sympy.nan):
        return None
    if isinstance(ratio, sympy.Rational):
        return ratio == 1
    try:
        value = evaluate_approx(ratio, {}, 120)
    except (NotExact, ZeroDivisionError, ValueError):
        return None
    with mpmath.workdps(120):
        return None if abs(value - 1) < mpmath.mpf(10) ** -100 else False


def _exact_or_none(expr: sympy.Expr, env: Mapping[sympy.Symbol, Fraction]) -> Fraction | None:
    """The exact value, or None where `expr` divides by zero; raises NotExact as evaluate_exact does."""
    try:
        return evaluate_exact(expr, env)
    except ZeroDivisionError:
        return None


def divides_by_zero(expr: sympy.Expr, *, seed: int = DEFAULT_SEED, points: int = 3) -> bool:
    """Whether `expr` is undefined at every one of a few random points: a denominator that is 0
    for all values, such as `1/((n+1)^2 - n^2 - 2n - 1)`, which sympy does not simplify away.

    A denominator that is not identically 0 vanishes at a random point of [2^31, 2^32] with
    negligible probability, so three undefined points mean "always undefined". Expressions
    with roots or logs are evaluated with 60 digits at small points, where rounding cannot
    cancel a large term down to a false 0.
    """
    symbols = _free((expr,))
    big = random_points(symbols, points, seed + 3, low=2**31, high=2**32)
    small = random_points(symbols, points, seed + 4, low=2, high=1000)
    for exact_env, approx_env in zip(big, small):
        try:
            evaluate_exact(expr, exact_env)
            return False
        except ZeroDivisionError:
            continue
        except NotExact:
            pass
        try:
            evaluate_approx(expr, approx_env, 60)
            return False
        except ZeroDivisionError:
            continue
        except (NotExact, ValueError):
            return False
    return True


def _differs_approx(a: sympy.Expr, b: sympy.Expr, env: Mapping[sympy.Symbol, Fraction]) -> bool:
    """True when a and b differ at `env` by more than rounding at both 30 and 80 digits."""
    for dps in (30, 80):
        try:
            x = evaluate_approx(a, env, dps)
            y = evaluate_approx(b, env, dps)
        except (NotExact, ZeroDivisionError, ValueError):
            return False
        with mpmath.workdps(dps):
            scale = max(abs(x), abs(y), mpmath.mpf(1))
            if abs(x - y) <= scale * mpmath.mpf(10) ** (-(dps // 2)):
                return False
    return True


def constant_ratio(
    answer: sympy.Expr, expected: sympy.Expr, *, seed: int = DEFAULT_SEED, points: int = 4
) -> Fraction | None:
    """`answer / expected` when it is the same rational number at every random point, else None."""
    symbols = _free((answer, expected))
    ratio: Fraction | None = None
    for env in random_points(symbols, points, seed + 2, low=2**31, high=2**32):
        try:
            a = evaluate_exact(answer, env)
            e = evaluate_exact(expected, env)
        except (NotExact, ZeroDivisionError):
            return None
        if e == 0:
            return None
        r = a / e
        if ratio is None:
            ratio = r
        elif r != ratio:
            return None
    return ratio
