"""Numbers as text: a param as a prompt shows it, an exact value with thousands separators."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

__all__ = ["format_exact", "format_param"]


def format_param(value: int | float) -> str:
    """A param's value as a prompt (or a typed answer) shows it: `4096`, `2.0` -> `2`, `0.5`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _fraction(value: Any) -> Fraction:
    if hasattr(value, "p") and hasattr(value, "q"):  # a sympy Rational, without importing sympy here
        return Fraction(int(value.p), int(value.q))
    return Fraction(value)


def format_exact(value: Any, *, separators: bool = True) -> str:
    """An exact number (int, Fraction, sympy Rational): `4294967296` -> `4,294,967,296`;
    `0.125` -> `0.125`; `1/3` -> `0.333333…` (a fraction with no short decimal is approximated)."""
    frac = _fraction(value)
    if frac.denominator == 1:
        if len(str(abs(frac.numerator))) > MAX_SHOWN_DIGITS:
            return _excerpt(frac.numerator)
        return f"{frac.numerator:,}" if separators else str(frac.numerator)
    den = frac.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    places = max(twos, fives)
    if den == 1 and places <= 12:
        scaled = abs(frac.numerator) * 10**places // frac.denominator
        whole, part = divmod(scaled, 10**places)
        sign = "-" if frac < 0 else ""
        whole_text = f"{whole:,}" if separators else str(whole)
        return f"{sign}{whole_text}.{str(part).rjust(places, '0').rstrip('0')}"
    return _approximate(frac)


# An integer longer than this is shown as an excerpt with its digit count (`2^3000` has 904 digits).
MAX_SHOWN_DIGITS = 30


def _excerpt(n: int) -> str:
    """`1,230,231,922,…,884,180,898,236,823 (904 digits)`: the first and last digits of a huge integer."""
    digits = str(abs(n))
    sign = "-" if n < 0 else ""
    return f"{sign}{digits[:12]}…{digits[-12:]} ({len(digits):,} digits)"


def _approximate(frac: Fraction) -> str:
    """Six significant digits of a fraction of any size (floats overflow past 1e308); a value that
    shows as a whole number at six digits but is not one shows the difference (`1 + 5.42e-20`)."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(frac.numerator) / Decimal(frac.denominator)
        shown = f"{exact:.6g}"
        nearest = round(frac)
        if Decimal(shown) == nearest and frac != nearest:
            diff = exact - nearest
            sign = "+" if diff > 0 else "-"
            return f"{nearest:,} {sign} {abs(diff):.3g}"
    return f"{shown}…"
