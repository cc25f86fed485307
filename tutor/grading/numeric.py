"""Grade a numeric answer: a number or arithmetic (`2*1024^2`, `2^21`, `1,048,576`, `4 GiB`).

The expected value is the question's `answer` (a number, or an expression over
the variant's params) computed exactly with rationals. An answer is correct when

1. it is within the tolerance: exact for an integer answer, otherwise rel 1e-3
   (a question's `tolerance: {rel, abs}` overrides both); or
2. it is a plainly rounded quantity (`4.29 GB`, `2.1M`, `4.3e9`) with at least
   two significant digits, and the exact value rounds to it at the last digit
   written; or
and never otherwise: a decimal byte unit (`4 GB`) that matches only when read with the binary
unit (`4 GiB`) is sent back (invalid, free) to be written in the unit meant, since accepting it
while nearer values (`4.1 GB`) are refused would make the accepted region non-monotone.

A wrong answer's feedback says how far off it is and names at most one cause of an exact
factor, and only one that follows from the question: bits vs bytes (a bytes question), a
decimal or binary prefix, a param of the question's formula (`h`), or a known ratio (`H/G`);
never a coincidence of numbers, and nothing when two causes fit equally.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import sympy

from tutor.bank.model import DecimalsRounding, NumericQuestion
from tutor.bank.variant import Variant
from tutor.grading.context import GradingContext, grading_context
from tutor.grading.grade import Grade, invalid_from
from tutor.grading.parse import MathSyntaxError, parse_math
from tutor.notation.numbers import format_exact
from tutor.grading.units import BINARY_PARTNER, DECIMAL_POWER, Quantity, read_quantity, unit_constants

__all__ = ["grade", "expected_value"]

DEFAULT_REL = sympy.Rational(1, 1000)
_UNIT_WORD = {"bytes": " bytes", "params": " params", "flops": " FLOPs", "s": " s", "ms": " ms", "us": " µs",
              "ratio": "×", None: ""}


def _context(variant: Variant) -> GradingContext:
    return grading_context(variant.question, variant.params, tuple(variant.params))


def _to_rational(expr: sympy.Expr) -> sympy.Rational | None:
    """An exact rational for a number; irrational numbers (π, √2) are approximated to 40 digits."""
    if isinstance(expr, sympy.Rational):
        return expr
    if expr.is_number and expr.is_real:
        return sympy.Rational(str(sympy.N(expr, 40)))
    return None


def expected_value(question: NumericQuestion, variant: Variant, raw: object) -> sympy.Rational:
    """The exact expected value of `raw` (the question's answer or a feedback rule's) for this variant."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{question.id}: a numeric answer must be a number or an expression, got {raw!r}")
    ctx = _context(variant)
    value = _to_rational(ctx.bind(ctx.key(raw, constants=unit_constants(question.unit))))
    if value is None:
        raise ValueError(f"{question.id}: answer {raw!r} is not a number for params {variant.params}")
    return value


def _describe(value: sympy.Rational, unit: str | None) -> str:
    """`4,294,967,296 bytes (4 GiB)`, `2,097,152 params (≈ 2.1M)`."""
    text = format_exact(value) + _UNIT_WORD[unit]
    if unit not in ("bytes", "params", "flops") or value.q != 1 or abs(value) < 1000:
        return text
    v = abs(int(value))
    if unit == "bytes":
        scales = [("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3),
                  ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)]
        decimal = [("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)]
    else:
        scales = [("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)]
        decimal = scales
    for name, size in scales:
        if v % size == 0 and v // size < 10_000:
            sep = " " if unit == "bytes" else ""
            return f"{text} ({format_exact(sympy.Integer(v // size))}{sep}{name})"
    for name, size in decimal:
        if v >= size:
            sep = " " if unit == "bytes" else ""
            return f"{text} (≈ {_approx(sympy.Rational(v, size))}{sep}{name})"
    return text


def _approx(value: sympy.Rational, digits: int = 3) -> str:
    """Three significant digits of any size of number (floats overflow past 1e308)."""
    with localcontext() as ctx:
        ctx.prec = digits + 5
        return format(Decimal(int(value.p)) / Decimal(int(value.q)), f".{digits}g")


def _round_half_up(value: sympy.Rational, places: int) -> sympy.Rational:
    scale = sympy.Integer(10) ** places
    return sympy.floor(value * scale + sympy.Rational(1, 2)) / scale


def _within(value: sympy.Rational, target: sympy.Rational, rel: sympy.Rational, abs_: sympy.Rational) -> bool:
    return abs(value - target) <= max(abs_, rel * abs(target))


def _rounds_to(
    q: Quantity, target: sympy.Rational, factor_ratio: sympy.Rational = sympy.Integer(1), *, digits: int = 2
) -> bool:
    """Whether `target` rounds to what the learner wrote, written with at least `digits` significant digits."""
    if q.significant < digits:
        return False
    return abs(q.value * factor_ratio - target) * 2 <= q.quantum * factor_ratio


def _min_digits(question: NumericQuestion) -> int | None:
    """The fewest significant digits a rounded answer may have; None: rounded answers are not read as rounded."""
    if question.rounding == "exact" or isinstance(question.rounding, DecimalsRounding):
        return None
    if question.rounding is not None:
        return question.rounding.significant
    return 2


def _known_values(variant: Variant, target: sympy.Rational) -> list[sympy.Rational]:
    """The values the question knows about besides `target`: its answer and its feedback rules' answers."""
    question = variant.question
    assert isinstance(question, NumericQuestion)
    out: list[sympy.Rational] = []
    for raw in (question.answer, *(rule.answer for rule in question.feedback)):
        try:
            value = expected_value(question, variant, raw)
        except ValueError:
            continue
        if value != target and value not in out:
            out.append(value)
    return out


def _too_rounded(
    quantity: Quantity, others: list[sympy.Rational], ratio: sympy.Rational, digits: int, shown: str
) -> str | None:
    """Why a rounded answer cannot be accepted: another value the question knows rounds to it too."""
    clash = [v for v in others if _rounds_to(quantity, v, ratio, digits=digits)]
    if not clash:
        return None
    needed = quantity.significant + 1
    return (
        f"give more digits: {shown} is what the right value and a common mistake both round to, "
        f"so it cannot tell them apart (at least {needed} significant digits, or the exact number)"
    )


def _abbreviated(q: Quantity) -> bool:
    """Whether a quantity abbreviates a large number (`4.29 GB`, `2.1M`, `4.3e9`): only then is it
    read as rounded at its last digit. `1.3e0` or `4.4e-2` is a plain number written another
    way, held to the tolerance as `1.3` and `0.044` are."""
    return bool(q.unit or q.scientific) and q.scale >= 1000


def _decimal_for_binary(
    q: Quantity, target: sympy.Rational, others: list[sympy.Rational], rel: sympy.Rational, abs_: sympy.Rational,
    digits: int | None, expected_text: str, shown: str,
) -> str | None:
    """`4 GB` for 4 GiB: right only if GB was meant as GiB, which the grader cannot know. Not accepted
    (accepting it while `4.1 GB` and `4.2 GB`, nearer as written, are refused would make the accepted
    region non-monotone), not marked wrong: sent back (invalid, free) to be written in the unit meant.
    As written it must match nothing the question knows (`0.16 MB` that is a known mistake's value in
    decimal MB gets that mistake's message, not a retry)."""
    binary = BINARY_PARTNER[q.unit]
    ratio = unit_constants("bytes")[binary] / unit_constants("bytes")[q.unit]
    exact = _within(q.value * ratio, target, rel, abs_)
    if not exact and (digits is None or not _abbreviated(q) or not _rounds_to(q, target, ratio, digits=digits)):
        return None
    as_written = [v for v in others if _within(q.value, v, rel, abs_)
                  or (digits is not None and _abbreviated(q) and _rounds_to(q, v, digits=digits))]
    if as_written:
        return None  # a known mistake as written: graded, so that its rule's message is given
    if not exact:
        clash = _too_rounded(q, others, ratio, digits or 1, f"{shown} (read as {binary})")
        if clash is not None:
            return clash
    return (
        f"{q.unit} or {binary}? {q.mantissa_text} {q.unit} is {format_exact(q.value)} bytes ({q.unit} is decimal: "
        f"10^{DECIMAL_POWER[q.unit]}), which is not the value; if you mean {q.mantissa_text} {binary} "
        f"({format_exact(q.value * ratio)} bytes), write {binary}"
    )


def unit_rule_misfires(variant: Variant, answer: str, rule_answer: object) -> bool:
    """Whether a feedback rule about a unit slip (its value is the answer's times 1000ᵏ or 1024ᵏ:
    "That is in seconds") would misfire on `answer` because the learner wrote a unit (`1280 ns`):
    whatever went wrong, it was not leaving the number in another unit."""
    question = variant.question
    assert isinstance(question, NumericQuestion)
    quantity = read_quantity(answer, question.unit)
    if quantity is None or quantity.unit is None:
        return False
    try:
        target = expected_value(question, variant, question.answer)
        value = expected_value(question, variant, rule_answer)
    except ValueError:
        return False
    if target == 0 or value == 0:
        return False
    ratio = abs(value / target)
    ratio = max(ratio, 1 / ratio)
    return any(ratio == base**k for base in (1000, 1024) for k in range(1, 5))


# Head-count pairs whose ratio is a known cause ("H/G": counted query heads for KV heads).
_KNOWN_RATIOS = (("H", "G"), ("h", "g"), ("n_heads", "n_kv_heads"), ("H", "H_kv"))


def _formula_params(variant: Variant) -> set[str]:
    """Params that appear in the question's own formula or a feedback rule's: the quantities a
    learner can plausibly have left out or put in twice."""
    question = variant.question
    names: set[str] = set()
    for raw in (question.answer, *(rule.answer for rule in question.feedback)):
        if isinstance(raw, str):
            names |= {n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", raw) if n in variant.params}
    return names


def _causes(variant: Variant) -> list[list[tuple[sympy.Rational, str]]]:
    """Causes of an exact factor that follow from the question, in tiers of priority: units
    (bits vs bytes, a decimal or binary prefix), then a param of the formula left out or doubled,
    then a known ratio such as H/G. A coincidence of numbers is not a cause."""
    question = variant.question
    assert isinstance(question, NumericQuestion)
    units: list[tuple[sympy.Rational, str]] = []
    if question.unit == "bytes":
        units += [(sympy.Integer(8), "8 (bits vs bytes?)"), (sympy.Integer(2) ** 20, "1024² (MiB vs bytes?)"),
                  (sympy.Integer(2) ** 30, "1024³ (GiB vs bytes?)")]
    if question.unit in ("bytes", "params", "flops"):
        units += [(sympy.Integer(1000), "1000 (a decimal prefix: K, M, G)"),
                  (sympy.Integer(1024), "1024 (a binary prefix: Ki, Mi, Gi)")]
        for k in (1, 2, 3, 4):
            units.append((sympy.Rational(1024, 1000) ** k, "1.024" + ("" if k == 1 else f"^{k}")
                          + " (binary vs decimal prefixes: Ki/Mi/Gi vs K/M/G)"))
    values = {sym.name: v for sym, v in _context(variant).values.items()}
    used = _formula_params(variant)
    params = [(v, name) for name, v in values.items() if name in used and v > 1]
    ratios = [(values[a] / values[b], f"{a}/{b}") for a, b in _KNOWN_RATIOS
              if a in values and b in values and values[a] > values[b]]
    return [units, params, ratios]


def _how_far(value: sympy.Rational, target: sympy.Rational, variant: Variant) -> list[str]:
    if target == 0:
        return [f"the expected value is 0; yours is {format_exact(value)}"]
    ratio = value / target
    lines: list[str] = []
    if ratio < 0:
        lines.append("the sign is wrong")
        ratio = -ratio
        if ratio == 1:
            return lines
    if ratio == 0:
        return lines + ["your answer is 0"]
    big = ratio if ratio > 1 else 1 / ratio
    direction = "too large" if ratio > 1 else "too small"
    cause = None
    for tier in _causes(variant):
        found = list(dict.fromkeys(label for factor, label in tier if factor == big))
        if found:
            cause = found[0] if len(found) == 1 else None  # two equally likely causes: name neither
            break
    if cause is not None:
        number = format_exact(big) if big.q == 1 else None
        shown = cause if number is None or cause.startswith(number) else f"{number} = {cause}"
        lines.append(f"off by exactly a factor of {shown} ({direction})")
    elif big.q == 1:
        lines.append(f"off by exactly a factor of {format_exact(big)} ({direction})")
    elif big < 2:
        percent = (big - 1) * 100
        shown = f"{_approx(percent)}%" if percent >= sympy.Rational(1, 100) else f"{format_exact(abs(value - target))}, {_approx(percent, 2)}%"
        lines.append(f"off by {shown} ({direction})")
    else:
        lines.append(f"off by a factor of about {_approx(big, 4)} ({direction})")
    return lines


_UNIT_WORDS = ("bytes", "thousand", "million", "billion", "trillion")


def _unit_param_clash(
    answer: str, variant: Variant, constants: dict[str, sympy.Integer], value: sympy.Rational
) -> tuple[str, int] | None:
    """A param named like a unit suffix, written right after a number, that changes the value.

    With a batch param `B` in a bytes question, `4096 B` may be 4096 bytes or 4096·B;
    with `B = 1` in a FLOPs question, `88B` may be 88 billion or 88. The parser reads
    the param; reading the unit instead must give the same value, or the answer is
    ambiguous (invalid, so it costs nothing) rather than graded by a guess.
    "After a number" includes a closing bracket or a superscript (`(2^30) B`, `2³⁰B`).
    `4096*B` (an explicit product) is always the param.
    """
    clashes = sorted(set(constants) & set(variant.params))
    if not clashes:
        return None
    suffix = re.compile(r"(?<=[0-9.)\]}⁰¹²³⁴⁵⁶⁷⁸⁹])\s*(" + "|".join(re.escape(c) for c in clashes) + r")(?!\w)")
    hits = list(suffix.finditer(answer))
    if not hits:
        return None
    alias = "Zunitsuffix"
    while alias in variant.params or alias in constants:
        alias += "z"
    pieces, at = [], 0
    for hit in hits:
        pieces += [answer[at:hit.start(1)], alias + hit.group(1)]
        at = hit.end(1)
    as_units = "".join(pieces) + answer[at:]
    unit_table = dict(constants)
    for name in clashes:
        unit_table[alias + name] = constants[name]
    try:
        unit_value = _to_rational(
            _context(variant).bind(parse_math(as_units, variant.params, constants=unit_table))
        )
    except MathSyntaxError:
        return None
    if unit_value is None or unit_value == value:
        return None
    hit = hits[0]
    name = hit.group(1)
    word = next((w for w in _UNIT_WORDS if constants.get(w) == constants[name] and w not in variant.params), None)
    unit_form = f"'{word}'" if word is not None else f"a unit other than {name}"
    meaning = word if word is not None else f"×{format_exact(constants[name])}"
    return (
        f"'{name}' at column {hit.start(1) + 1} is ambiguous: after a number it reads as the unit {name} "
        f"({meaning}), but {name} is also the param {name} = {variant.params[name]}; "
        f"write {unit_form} for the unit, or '*{name}' for the param",
        hit.start(1),
    )


def grade(variant: Variant, answer: str, expected: object | None = None) -> Grade:
    question = variant.question
    assert isinstance(question, NumericQuestion)
    target = expected_value(question, variant, question.answer if expected is None else expected)
    expected_text = _describe(target, question.unit)
    if question.unit == "ratio":  # `8×` as printed: the trailing sign is the ratio's x (same length, same columns)
        answer = re.sub(r"[×✕]\s*$", lambda m: "x" + m.group(0)[1:], answer)
    try:
        parsed = parse_math(answer, variant.params, constants=unit_constants(question.unit))
    except MathSyntaxError as err:
        return invalid_from(err, expected=expected_text)
    substituted = _context(variant).bind(parsed)
    if substituted.has(sympy.zoo, sympy.nan):
        return Grade.invalid("your answer divides by zero (with the question's values)", expected=expected_text)
    value = _to_rational(substituted)
    if value is None:
        return Grade.invalid("the answer is not a number", expected=expected_text)
    clash = _unit_param_clash(answer, variant, unit_constants(question.unit), value)
    if clash is not None:
        message, position = clash
        return Grade.invalid(message, position=position, expected=expected_text)
    interpreted = _describe(value, question.unit)

    if question.tolerance is not None:
        rel, abs_ = sympy.Rational(repr(question.tolerance.rel)), sympy.Rational(repr(question.tolerance.abs))
    elif target.q == 1:
        rel, abs_ = sympy.Integer(0), sympy.Integer(0)
    else:
        rel, abs_ = DEFAULT_REL, sympy.Integer(0)

    details = {"value": str(value), "expected_value": str(target)}
    if isinstance(question.rounding, DecimalsRounding):  # the prompt fixes the rounding: it decides, not a tolerance
        places = question.rounding.decimals
        wanted = _round_half_up(target, places)
        if _round_half_up(value, places) == wanted:
            return Grade.of(1.0, interpreted=interpreted, expected=expected_text, details=details)
        shown = format_exact(wanted)
        word = "a whole number" if places == 0 else f"{places} decimal{'s' if places > 1 else ''}"
        feedback = [f"expected {expected_text}; you gave {interpreted}", *_how_far(value, target, variant),
                    f"the question asks for {word}: the value rounds to {shown}"]
        return Grade.of(0.0, interpreted=interpreted, expected=expected_text, feedback=feedback, details=details)
    if _within(value, target, rel, abs_):
        feedback = [] if value == target else [f"within the tolerance of the exact value {expected_text}"]
        return Grade.of(1.0, interpreted=interpreted, expected=expected_text, feedback=feedback, details=details)

    quantity = read_quantity(answer, question.unit)
    digits = _min_digits(question)
    others = _known_values(variant, target) if quantity is not None and digits is not None else []
    if digits is not None and quantity is not None and _abbreviated(quantity) and _rounds_to(quantity, target, digits=digits):
        clash = _too_rounded(quantity, others, sympy.Integer(1), digits, answer.strip())
        if clash is not None:
            return Grade.invalid(clash, expected=expected_text, interpreted=interpreted)
        return Grade.of(
            1.0, interpreted=interpreted, expected=expected_text, details=details,
            feedback=[f"accepted as the exact value {expected_text} rounded to the digits you wrote"],
        )
    if quantity is not None and quantity.unit in BINARY_PARTNER and question.unit == "bytes":
        ambiguous = _decimal_for_binary(quantity, target, others, rel, abs_, digits, expected_text, answer.strip())
        if ambiguous is not None:
            return Grade.invalid(ambiguous, expected=expected_text, interpreted=interpreted)

    feedback = [f"expected {expected_text}; you gave {interpreted}", *_how_far(value, target, variant)]
    ratio = value / target if target else sympy.Integer(0)
    power_of_two = ratio > 0 and (ratio.p & (ratio.p - 1)) == 0 and (ratio.q & (ratio.q - 1)) == 0 and ratio != 1
    if (
        quantity is not None and _abbreviated(quantity) and digits is not None and quantity.significant < digits
        and not power_of_two  # an exact 2^k multiple is a counting mistake, not a rounding one
        and _rounds_to(quantity, target, digits=1)  # only a right value rounded too far, not one 45x off
    ):
        word = {1: "one", 2: "two", 3: "three", 4: "four"}.get(digits, str(digits))
        feedback.append(f"give at least {word} significant digits when you round (e.g. 4.3 GB, not 4 GB)")
    return Grade.of(0.0, interpreted=interpreted, expected=expected_text, feedback=feedback, details=details)
