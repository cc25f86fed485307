"""Unit suffixes for numeric answers (`128 KiB`, `2.1M`, `7B params`, `4 GB`) and rounded quantities.

Each question `unit` has its own table of whole-word suffixes, passed to the
parser as named constants (they are never made by splitting a run of letters,
so `MB` is never M·B). Bytes use decimal `KB MB GB TB` and binary `KiB MiB GiB TiB`;
params and flops use `K M B/G T`. `read_quantity` recognises the plain forms
(`4.29 GB`, `4.3e9`, `2.1×10^6`) whose digits say how much the learner rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from tutor.notation.scripts import from_superscript

__all__ = ["BINARY_PARTNER", "DECIMAL_POWER", "TIME_UNITS", "Quantity", "read_quantity", "unit_constants"]

_ONE = sympy.Integer(1)
_K, _M, _G, _T, _P = (sympy.Integer(10) ** e for e in (3, 6, 9, 12, 15))
_KI, _MI, _GI, _TI = (sympy.Integer(2) ** e for e in (10, 20, 30, 40))

_BYTE_WORDS = {"B": _ONE, "byte": _ONE, "bytes": _ONE, "Byte": _ONE, "Bytes": _ONE}
# Spelled-out byte units, singular and plural: `4 gibibytes`, `128 kilobytes`.
_SPELLED = {
    "kilobyte": _K, "megabyte": _M, "gigabyte": _G, "terabyte": _T, "petabyte": _P,
    "kibibyte": _KI, "mebibyte": _MI, "gibibyte": _GI, "tebibyte": _TI,
}
_BYTES = {
    **_BYTE_WORDS,
    "KB": _K, "kB": _K, "MB": _M, "GB": _G, "TB": _T, "PB": _P,
    "KiB": _KI, "MiB": _MI, "GiB": _GI, "TiB": _TI,
    **{w + s: v for w, v in _SPELLED.items() for s in ("", "s")},
}
# Time, in seconds; a question's unit (`s`, `ms`, `us`) is the base its values are written in.
_SECONDS = {
    "s": _ONE, "sec": _ONE, "secs": _ONE, "second": _ONE, "seconds": _ONE,
    "ms": sympy.Rational(1, 10**3), "msec": sympy.Rational(1, 10**3),
    "millisecond": sympy.Rational(1, 10**3), "milliseconds": sympy.Rational(1, 10**3),
    "us": sympy.Rational(1, 10**6), "µs": sympy.Rational(1, 10**6), "μs": sympy.Rational(1, 10**6),
    "microsecond": sympy.Rational(1, 10**6), "microseconds": sympy.Rational(1, 10**6),
    "ns": sympy.Rational(1, 10**9), "nanosecond": sympy.Rational(1, 10**9), "nanoseconds": sympy.Rational(1, 10**9),
}
TIME_UNITS = ("s", "ms", "us")
# A ratio written `8x`, `8 X`, `8×` (a trailing × is read as x by the numeric grader), `8 times`.
_RATIO = {"x": _ONE, "X": _ONE, "times": _ONE}
_COUNT_PREFIXES = {"K": _K, "k": _K, "M": _M, "B": _G, "G": _G, "T": _T, "P": _P}
_COUNT_WORDS = {"thousand": _K, "million": _M, "billion": _G, "trillion": _T}
_PARAM_WORDS = ("params", "param", "parameters", "parameter", "weights")
_FLOP_WORDS = ("FLOPs", "FLOPS", "FLOP", "flops", "flop", "Flops")

BINARY_PARTNER = {"KB": "KiB", "kB": "KiB", "MB": "MiB", "GB": "GiB", "TB": "TiB"}
BINARY_PARTNER.update({
    f"{word}{s}": f"{binary}{s}"
    for word, binary in (("kilobyte", "kibibyte"), ("megabyte", "mebibyte"), ("gigabyte", "gibibyte"),
                         ("terabyte", "tebibyte"))
    for s in ("", "s")
})
DECIMAL_POWER = {"KB": 3, "kB": 3, "MB": 6, "GB": 9, "TB": 12}
DECIMAL_POWER.update({f"{w}{s}": p for w, p in (("kilobyte", 3), ("megabyte", 6), ("gigabyte", 9), ("terabyte", 12))
                      for s in ("", "s")})


def unit_constants(unit: str | None) -> dict[str, sympy.Integer]:
    """The whole-word suffixes a question with this `unit` accepts, and their values."""
    if unit is None:
        return {}
    if unit == "bytes":
        return dict(_BYTES)
    if unit in TIME_UNITS:
        base = _SECONDS[unit]
        return {name: value / base for name, value in _SECONDS.items()}
    if unit == "ratio":
        return dict(_RATIO)
    words = _PARAM_WORDS if unit == "params" else _FLOP_WORDS
    table: dict[str, sympy.Integer] = {**_COUNT_PREFIXES, **_COUNT_WORDS}
    for w in words:
        table[w] = _ONE
    if unit == "flops":
        for prefix, value in _COUNT_PREFIXES.items():
            if prefix in "KMGTP":
                for w in ("FLOPs", "FLOPS", "FLOP", "flops"):
                    table[prefix + w] = value
    return table


@dataclass(frozen=True)
class Quantity:
    """A number written as `mantissa × 10^exponent unit`, with how finely it was written.

    `quantum` is the value of one step in the last digit the learner wrote, in the
    question's base unit (bytes, params, FLOPs): `4.29 GB` has quantum 10^7 bytes.
    """

    value: sympy.Rational  # in base units
    quantum: sympy.Rational  # one step of the last written digit, in base units
    scale: sympy.Rational  # 10^exponent × the suffix's factor: what one unit of the mantissa is worth
    significant: int  # significant digits written
    unit: str | None  # the suffix (`GB`), None for a bare or scientific number
    scientific: bool
    mantissa_text: str


_QUANTITY = re.compile(
    r"""^\s*
    (?P<mant>\d+(?:\.\d*)?|\.\d+)
    (?:
        [eE](?P<e1>[+-]?\d+)
      | \s*(?:\*|×|·|⋅|x|\\times|\\cdot)\s*10\s*(?:\^|\*\*)\s*\{?\s*(?P<e2>[+-]?\d+)\s*\}?
      | \s*(?:\*|×|·|⋅|x|\\times|\\cdot)\s*10(?P<e3>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
    )?
    \s*(?P<unit>[A-Za-zµμ]+)?
    \s*(?P<word>[A-Za-z]+)?
    \s*$""",
    re.VERBOSE,
)


def read_quantity(text: str, unit: str | None) -> Quantity | None:
    """Read a plain rounded quantity (`4.29 GB`, `4.3e9`, `2.1M params`); None for any other form."""
    m = _QUANTITY.match(text.replace("\u2009", " ").replace("\u202f", " "))
    if m is None:
        return None
    table = unit_constants(unit)
    suffix, word = m.group("unit"), m.group("word")
    factor = _ONE
    if suffix is not None:
        if suffix not in table:
            return None
        factor = table[suffix]
        if word is not None and (word not in table or table[word] != 1):
            return None
        if factor == 1:  # `4.29e9 bytes`: a word, not a scaling suffix
            suffix = None
    elif word is not None:
        return None
    mant = m.group("mant")
    exp_text = m.group("e1") or m.group("e2") or from_superscript(m.group("e3") or "") or None
    exponent = int(exp_text) if exp_text else 0
    if abs(exponent) > 300:
        return None
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return None
    mantissa = sympy.Rational(mant)  # exact
    scale = sympy.Rational(10) ** exponent * factor
    return Quantity(
        value=mantissa * scale,
        quantum=sympy.Rational(1, 10 ** len(frac)) * scale,
        scale=scale,
        significant=len(digits),
        unit=suffix,
        scientific=exp_text is not None,
        mantissa_text=mant,
    )
