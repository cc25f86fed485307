"""Grade a big-O answer (`O(b·d² + b·n·d)`, `\\mathcal{O}(bd^2+bnd)`, or a bare expression).

Both the answer and the key are reduced to their dominant terms: `where` is
substituted, products are multiplied out (exactly, so `(n+1)² - n²` is `O(n)`),
constant factors are dropped, and a term is dropped when another one bounds it
for all values of the symbols, which are at least 1 and independent except for the
question's `assume:` relations between monomials (`M <= N*d`, `G*d_h <= d`; `G <= H` is
assumed whenever both are declared), decided exactly over the exponents (logarithms
are compared for large values: `n` bounds `log n`, `n·log n` bounds `n`).
Rules for what is not a polynomial: `(Σ tᵢ)^p ≍ Σ tᵢ^p` for p > 0;
`1/(Σ tᵢ)` needs one dominant term; `log(x)` of a product or sum is the sum of
`log` of the symbols in its dominant terms (`|log(n/m)| <= log n + log m`); the log
of an argument that does not grow follows from its limit c: c > 1 is a constant, c = 1 is
like the argument minus 1 (`log(1 + 1/L) ≍ 1/L`), c < 1 (`log(1/m)`) is negative, so refused; `max(a, b) ≍ a + b`; `min` is refused.

The grade compares the sets of dominant terms: full credit when they are equal,
otherwise the fraction |answer ∩ expected| / |answer ∪ expected| (so a missing
term and an extra term each cost), with feedback naming both; an expected term is named missing only
when no term of the answer bounds it (a looser term gets "not tight" instead). A bound that misses a
growing term (no term of the answer bounds it: an underestimate, not a bound at all)
gets half that fraction; an overestimate (extra or looser terms) keeps it.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import sympy

from tutor.bank.model import ComplexityQuestion
from tutor.bank.variant import Variant
from tutor.grading.context import formula_symbols, grading_context
from tutor.grading.equivalence import estimate_terms
from tutor.grading.grade import Grade, invalid_from
from tutor.grading.parse import MathMax, MathMin, MathSyntaxError, parse_math_full
from tutor.notation.scripts import superscript

__all__ = ["ComplexityError", "Term", "dominant_terms", "format_big_o", "grade"]

MAX_TERMS = 400

# A term is a product of powers of symbols and of their logarithms, without its
# coefficient: ((symbol, power, log power), ...) sorted by symbol name.
Term = tuple[tuple[str, Fraction, Fraction], ...]


class ComplexityError(ValueError):
    """An expression we cannot reduce to dominant terms (negative, min, too large)."""


@dataclass(frozen=True)
class _Poly:
    """A sum of terms with rational coefficients (exact for polynomial parts)."""

    terms: dict[Term, Fraction]


def _num(x: Fraction | int) -> Fraction | int:
    """Whole exponents are kept as ints: Fraction arithmetic is slow."""
    return int(x) if isinstance(x, Fraction) and x.denominator == 1 else x


def _mul_terms(a: Term, b: Term) -> Term:
    if not a:
        return b
    if not b:
        return a
    out: dict[str, tuple] = {name: (p, l) for name, p, l in a}
    for name, p, l in b:
        if name in out:
            p0, l0 = out[name]
            out[name] = (_num(p0 + p), _num(l0 + l))
        else:
            out[name] = (p, l)
    return tuple(sorted((n, p, l) for n, (p, l) in out.items() if p != 0 or l != 0))


def _pow_term(a: Term, k: Fraction) -> Term:
    return tuple((n, _num(p * k), _num(l * k)) for n, p, l in a)


def _poly_mul(a: _Poly, b: _Poly) -> _Poly:
    if len(a.terms) * len(b.terms) > MAX_TERMS * 4:
        raise ComplexityError("too many terms after multiplying out; write the dominant terms directly")
    out: dict[Term, Fraction] = {}
    for (ta, ca), (tb, cb) in itertools.product(a.terms.items(), b.terms.items()):
        t = _mul_terms(ta, tb)
        out[t] = out.get(t, Fraction(0)) + ca * cb
    return _clean(out)


def _poly_add(parts: Sequence[_Poly]) -> _Poly:
    out: dict[Term, Fraction] = {}
    for part in parts:
        for t, c in part.terms.items():
            out[t] = out.get(t, Fraction(0)) + c
    return _clean(out)


def _clean(terms: dict[Term, Fraction]) -> _Poly:
    kept = {t: c for t, c in terms.items() if c != 0}
    if len(kept) > MAX_TERMS:
        raise ComplexityError("too many terms after multiplying out; write the dominant terms directly")
    return _Poly(kept)


_ZERO = (0, 0)

# Relations `small <= c·big` that hold in this question (`assume:` and the defaults), each side a
# monomial written canonically (`M`, `N·d`, `G·d_h`, `d^2/H`); set for the duration of one
# reduction: dominance uses them to drop terms like d²·G/H beside d², or N·d beside N²d²/M when M <= N·d.
_RELATIONS: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar("relations", default=())
# Pairs assumed whenever both symbols are declared: KV heads never outnumber query heads.
DEFAULT_RELATIONS: tuple[tuple[str, str], ...] = (("G", "H"), ("g", "h"), ("n_kv_heads", "n_heads"), ("H_kv", "H"))
_RELATION = re.compile(r"\s*(<=|≤|<|>=|≥|>)\s*")
_FACTOR = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\s*(?:\^|\*\*)\s*(?P<exp>-?\d+|\(\s*-?\d+\s*/\s*\d+\s*\)))?)\s*"
)
_MONOMIAL_HELP = (
    "each side must be a monomial: symbols multiplied or divided, with whole or (p/q) powers and an optional "
    "positive constant, such as 'M <= N*d', 'G*d_h <= d' or '1 <= G <= H' (no sums, differences or functions)"
)


class RelationError(ValueError):
    """An `assume:` entry that is not a chain of relations between monomials."""


@dataclass(frozen=True)
class _Monomial:
    coef: Fraction
    powers: tuple[tuple[str, Fraction], ...]  # sorted by name, no zero powers

    def text(self) -> str:
        num = [n if p == 1 else f"{n}^{_frac_text(p)}" for n, p in self.powers if p > 0]
        den = [n if p == -1 else f"{n}^{_frac_text(-p)}" for n, p in self.powers if p < 0]
        if self.coef != 1 or not num:
            num.insert(0, _frac_text(self.coef))
        text = "·".join(num)
        if den:
            text += "/" + (den[0] if len(den) == 1 else "(" + "·".join(den) + ")")
        return text


def _frac_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"({value.numerator}/{value.denominator})"


@functools.lru_cache(maxsize=512)
def parse_monomial(text: str) -> _Monomial:
    """`2·N·d^2/M` -> coefficient and powers; `·`, `*`, `/`, `^`, `**` and juxtaposition by spaces."""
    src = text.replace("·", "*").replace("×", "*").replace("⋅", "*").strip()
    if not src:
        raise RelationError("a side of the relation is empty")
    coef = Fraction(1)
    powers: dict[str, Fraction] = {}
    sign, pos = 1, 0
    while True:
        m = _FACTOR.match(src, pos)
        if m is None or m.end() == pos:
            raise RelationError(f"cannot read {text!r} at {src[pos:pos + 1] or 'its end'!r}")
        if m["num"] is not None:
            value = Fraction(m["num"])
            if value <= 0:
                raise RelationError(f"the constant in {text!r} must be positive")
            coef = coef * value if sign > 0 else coef / value
        else:
            exp = Fraction((m["exp"] or "1").strip("() ").replace(" ", ""))
            powers[m["name"]] = powers.get(m["name"], Fraction(0)) + sign * exp
        pos = m.end()
        if pos == len(src):
            break
        if src.startswith("**", pos):
            raise RelationError(f"cannot read {text!r} at '**'")
        if src[pos] == "*":
            sign, pos = 1, pos + 1
        elif src[pos] == "/":
            sign, pos = -1, pos + 1
        elif src[pos - 1].isspace():  # `N d`: juxtaposition multiplies
            sign = 1
        else:
            raise RelationError(f"cannot read {text!r} at {src[pos]!r}")
    return _Monomial(coef, tuple(sorted((n, p) for n, p in powers.items() if p != 0)))


def relation_entries(question: ComplexityQuestion) -> list[tuple[int, str]]:
    """Each `assume:` entry that cannot be read, with a message: (index, message)."""
    out = []
    for i, text in enumerate(question.assume):
        try:
            _parse_assume(question, text)
        except RelationError as err:
            out.append((i, f"assume {text!r}: {err}"))
    return out


def _parse_assume(question: ComplexityQuestion, text: str) -> list[tuple[str, str]]:
    declared = set(question.symbols) | set(question.where)
    parts = _RELATION.split(str(text).strip())
    sides, ops = parts[0::2], parts[1::2]
    if len(sides) < 2 or any(not s.strip() for s in sides):
        raise RelationError("write relations such as 'G <= H', '1 <= G <= H' or 'M <= N*d'; " + _MONOMIAL_HELP)
    monos = []
    for side in sides:
        try:
            mono = parse_monomial(side)
        except RelationError as err:
            raise RelationError(f"{err}; {_MONOMIAL_HELP}") from None
        for name, _ in mono.powers:
            if name not in declared:
                raise RelationError(f"{name!r} is not a declared symbol (symbols: {', '.join(question.symbols)})")
        monos.append(mono)
    out = []
    for left, op, right in zip(monos, ops, monos[1:]):
        small, big = (left, right) if op in ("<=", "≤", "<") else (right, left)
        if not small.powers and all(p > 0 for _, p in big.powers):
            continue  # `1 <= G`, `1 <= N·d`: every symbol is at least 1 already
        if not small.powers and not big.powers:
            continue
        out.append((small.text(), big.text()))
    return out


def relations(question: ComplexityQuestion) -> tuple[tuple[str, str], ...]:
    """The `small <= c·big` pairs a question assumes (canonical monomial texts): its `assume:` list
    and the defaults that apply. An entry that cannot be read raises ValueError naming it."""
    declared = set(question.symbols) | set(question.where)
    out = [pair for pair in DEFAULT_RELATIONS if set(pair) <= declared]
    for text in question.assume:
        try:
            pairs = _parse_assume(question, text)
        except RelationError as err:
            raise ValueError(f"{question.id}: assume {text!r}: {err}") from None
        for pair in pairs:
            if pair not in out:
                out.append(pair)
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _relation_vectors(rels: tuple[tuple[str, str], ...]) -> tuple[dict[str, Fraction], ...]:
    """Each relation small <= c·big as the exponents of small/big, a monomial that stays bounded."""
    out = []
    for small, big in rels:
        vec: dict[str, Fraction] = {}
        for name, p in parse_monomial(small).powers:
            vec[name] = vec.get(name, Fraction(0)) + p
        for name, p in parse_monomial(big).powers:
            vec[name] = vec.get(name, Fraction(0)) - p
        out.append({n: p for n, p in vec.items() if p != 0})
    return tuple(out)


def _log_moves(rels: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """(a, b) with log a <= C·log b for large values: a relation aᵖ <= c·b^q between single symbols
    (p, q > 0) gives log a <= (q/p)·log b + C."""
    out = []
    for small, big in rels:
        s, b = parse_monomial(small).powers, parse_monomial(big).powers
        if len(s) == 1 and len(b) == 1 and s[0][1] > 0 and b[0][1] > 0 and s[0][0] != b[0][0]:
            out.append((s[0][0], b[0][0]))
    return out


@functools.lru_cache(maxsize=8192)
def _bounded_cached(ratio: tuple[tuple[str, tuple], ...], rels: tuple[tuple[str, str], ...]) -> bool:
    """Whether Π xᵛ·(log x)ᵘ (the ratio small/big of two terms) stays bounded for every value of the
    symbols (each >= 1, large for logs) that the relations allow.

    Sound by construction: it looks for λᵢ >= 0 with v - Σ λᵢ·rᵢ = w <= 0 componentwise, where rᵢ are
    the exponents of the relations' bounded ratios small/big; then the ratio is Π (smallᵢ/bigᵢ)^λᵢ
    (bounded) times Π x^w·(log x)ᵘ, which is bounded when every symbol whose log power is positive has
    w < 0 (a power beats a log). Log powers may first move along `a <= c·b^q` (log a <= C·log b).
    An exact rational linear program (sympy's simplex) decides whether such λ exist.
    """
    v = {n: Fraction(pl[0]) for n, pl in ratio}
    u = {n: Fraction(pl[1]) for n, pl in ratio}
    vecs = _relation_vectors(rels)
    tries = [u]
    moves = _log_moves(rels)
    if moves and any(x > 0 for x in u.values()):
        moved = dict(u)
        for _ in range(len(moves) + 1):
            changed = False
            for a, b in moves:
                if moved.get(a, 0) > 0:
                    moved[b] = moved.get(b, Fraction(0)) + moved[a]
                    moved[a] = Fraction(0)
                    changed = True
                if moved.get(b, 0) < 0:
                    moved[a] = moved.get(a, Fraction(0)) + moved[b]
                    moved[b] = Fraction(0)
                    changed = True
            if not changed:
                break
        tries.append(moved)
    return any(_exponents_fit(v, logs, vecs) for logs in tries)


def _exponents_fit(v: dict[str, Fraction], logs: dict[str, Fraction], vecs: tuple[dict[str, Fraction], ...]) -> bool:
    names = sorted(set(v) | {n for vec in vecs for n in vec} | {n for n, x in logs.items() if x})
    strict = [n for n in names if logs.get(n, 0) > 0]
    useful = [vec for vec in vecs if vec]
    if not useful:
        return all(v.get(n, 0) <= 0 for n in names) and all(v.get(n, 0) < 0 for n in strict)
    k = len(useful)
    # Variables λ_1..λ_k >= 0 and t in [0, 1]; rows Σ cᵢ·xᵢ <= rhs: v_x - Σ λᵢ rᵢₓ (+ t where the log
    # power is positive) <= 0. Exact Fourier–Motzkin elimination of the λ (a handful of relations),
    # then the interval left for t. (sympy's simplex was seen returning an infeasible point.)
    rows: list[tuple[tuple[Fraction, ...], Fraction]] = []
    for n in names:
        coeffs = tuple(-Fraction(vec.get(n, 0)) for vec in useful) + (Fraction(1 if n in strict else 0),)
        rows.append((coeffs, -Fraction(v.get(n, 0))))
    for i in range(k + 1):
        rows.append((tuple(Fraction(-1 if j == i else 0) for j in range(k + 1)), Fraction(0)))
    rows.append((tuple(Fraction(1 if j == k else 0) for j in range(k + 1)), Fraction(1)))
    for j in range(k):
        pos = [r for r in rows if r[0][j] > 0]
        neg = [r for r in rows if r[0][j] < 0]
        new = {r for r in rows if r[0][j] == 0}
        for (cp, bp), (cn, bn) in itertools.product(pos, neg):
            a, b = cp[j], -cn[j]
            coeffs = tuple(x / a + y / b for x, y in zip(cp, cn))
            new.add((coeffs, bp / a + bn / b))
        if len(new) > 4000:
            return False  # too large to decide: claim nothing
        rows = list(new)
    lo, hi = Fraction(0), Fraction(1)
    for coeffs, rhs in rows:
        c = coeffs[k]
        if c > 0:
            hi = min(hi, rhs / c)
        elif c < 0:
            lo = max(lo, rhs / c)
        elif rhs < 0:
            return False
    if lo > hi:
        return False
    return hi > 0 if strict else True


def _powers(term: Term) -> dict[str, tuple]:
    return {n: (p, l) for n, p, l in term}


def _dominates_powers(b: dict[str, tuple], s: dict[str, tuple]) -> bool:
    for n, pl in s.items():
        if pl > b.get(n, _ZERO):
            break
    else:
        if not any(n not in s and pl < _ZERO for n, pl in b.items()):
            return True
    rels = _RELATIONS.get()
    if not rels:
        return False
    # with relations: is the ratio small/big bounded wherever the relations hold?
    ratio = {n: (pl[0] - b.get(n, _ZERO)[0], pl[1] - b.get(n, _ZERO)[1]) for n, pl in s.items()}
    for n, pl in b.items():
        if n not in s:
            ratio[n] = (-pl[0], -pl[1])
    key = tuple(sorted((n, pl) for n, pl in ratio.items() if pl != _ZERO))
    return _bounded_cached(key, rels)


def _dominates(big: Term, small: Term) -> bool:
    """Whether `small / big` stays bounded when every symbol is >= 1 (and large, for logs)."""
    return _dominates_powers(_powers(big), _powers(small))


def _frontier(poly: _Poly) -> dict[Term, Fraction]:
    """The terms no other term bounds; a dominant term with a negative coefficient is an error.

    Terms are visited from the largest total power down, so a term can only be
    bounded by one already kept (dominance is transitive): O(terms × kept).
    """

    def size(term: Term) -> tuple:
        return (sum(p for _, p, _ in term), sum(l for _, _, l in term))

    kept: dict[Term, Fraction] = {}
    kept_powers: list[dict[str, tuple]] = []
    for t, c in sorted(poly.terms.items(), key=lambda item: size(item[0]), reverse=True):
        powers = _powers(t)
        if not any(_dominates_powers(o, powers) for o in kept_powers):
            kept[t] = c
            kept_powers.append(powers)
    if _RELATIONS.get() and len(kept) > 1:
        # with relations, a term of the same total power can bound one kept before it (d² bounds d²·G/H)
        items = list(kept.items())
        kept = {
            t: c for i, (t, c) in enumerate(items)
            if not any(j != i and _dominates(o, t) and not _dominates(t, o) for j, (o, _) in enumerate(items))
        }
    if any(c < 0 for c in kept.values()):
        raise ComplexityError("the expression is negative for large values: check the signs")
    return kept


def _const(value: Fraction) -> _Poly:
    return _clean({(): value})


def _reduce(expr: sympy.Expr) -> _Poly:
    if isinstance(expr, sympy.Rational):
        return _const(Fraction(int(expr.p), int(expr.q)))
    if isinstance(expr, sympy.Symbol):
        return _Poly({((expr.name, 1, 0),): Fraction(1)})
    if isinstance(expr, sympy.Add):
        return _poly_add([_reduce(a) for a in expr.args])
    if isinstance(expr, sympy.Mul):
        out = _const(Fraction(1))
        for a in expr.args:
            out = _poly_mul(out, _reduce(a))
        return out
    if isinstance(expr, sympy.Pow):
        exp = expr.exp
        if not isinstance(exp, sympy.Rational):
            raise ComplexityError("exponents must be numbers")
        base = _reduce(expr.base)
        if exp.q == 1 and exp > 0:
            out, square, k = _const(Fraction(1)), base, int(exp)
            while True:  # exponentiation by squaring
                if k & 1:
                    out = _poly_mul(out, square)
                k >>= 1
                if not k:
                    return out
                square = _poly_mul(square, square)
        k = Fraction(int(exp.p), int(exp.q))
        front = _frontier(base)
        if not front:
            if k > 0:  # a root of an expression that is 0: the term is 0
                return _Poly({})
            raise ComplexityError("your answer divides by zero: a denominator is 0 for every value")
        if k > 0:  # (Σ tᵢ)^k ≍ Σ tᵢ^k
            return _Poly({_pow_term(t, k): Fraction(1) for t in front})
        if len(front) > 1:
            shown = " + ".join(_term_text(t, ()) for t in front)
            raise ComplexityError(f"cannot bound 1/({shown}) by a sum of terms; simplify it first")
        (t,) = front
        return _Poly({_pow_term(t, k): Fraction(1)})
    if isinstance(expr, sympy.log):
        if expr.args[0].has(sympy.log):
            raise ComplexityError("nested logarithms are not supported")
        front = _frontier(_reduce(expr.args[0]))
        if not front:
            raise ComplexityError("a logarithm of zero: its argument is 0 for every value")
        if all(p <= 0 for t in front for _, p, _ in t) and any(p < 0 for t in front for _, p, _ in t):
            # log(2/m), log(1/m): the argument shrinks to 0, so the log is negative for large values.
            # Never a constant to drop (it grows like log m), and never a bound (a cost is positive).
            raise ComplexityError(
                "a logarithm of an argument that shrinks to 0 (such as log(1/m)) is negative for large "
                "values, so it bounds nothing: write the log of what grows (log m, not log(1/m))"
            )
        # |log t| for a term t = Π sᵖ is at most Σ |p|·log s: a symbol in the dominant terms counts
        # whether it grows the argument or shrinks it (|log(n/m)| <= log n + log m).
        growing = sorted({n for t in front for n, p, _ in t if p != 0})
        if not growing:
            return _log_of_bounded(expr.args[0])
        return _Poly({((n, 0, 1),): Fraction(1) for n in growing})
    if isinstance(expr, MathMax):
        return _poly_add([_Poly(dict.fromkeys(_frontier(_reduce(a)), Fraction(1))) for a in expr.args])
    if isinstance(expr, MathMin):
        raise ComplexityError("min(...) is not supported in a complexity answer; give the bound as a sum")
    if expr.is_number:
        if expr.is_positive:
            return _const(Fraction(1))
        raise ComplexityError("a constant that is not positive")
    raise ComplexityError(f"cannot analyse {expr}")


_LOG_NOT_GROWING = (
    "a logarithm of an argument that does not grow (such as log(1 + 1/L)) is not a constant to drop: "
    "{why}; write the bound without it"
)


def _log_of_bounded(arg: sympy.Expr) -> _Poly:
    """See `_log_of_bounded_cached`: the same argument under the same relations reduces the same way
    (a feedback rule's grading reads the answer again)."""
    return _log_of_bounded_cached(arg, _RELATIONS.get())


@functools.lru_cache(maxsize=256)
def _log_of_bounded_cached(arg: sympy.Expr, relations: tuple[tuple[str, str], ...]) -> _Poly:
    """log(f) for an argument whose dominant term is a constant: f tends to a limit c as the symbols
    grow. c > 1: a positive constant; c = 1: log f ~ f - 1, which shrinks (log(1 + 1/L) ~ 1/L), so it
    is reduced as f - 1 (written exactly over one denominator); c < 1: negative, refused."""
    token = _RELATIONS.set(())
    try:  # every other term must shrink to 0 on its own, not only under an assumed a <= b (1 + G/H)
        alone = set(_frontier(_reduce(arg)))
    finally:
        _RELATIONS.reset(token)
    if alone != {()}:
        raise ComplexityError(_LOG_NOT_GROWING.format(why="its size depends on how the symbols compare"))
    t = sympy.Dummy("t", positive=True)
    diagonal = arg.subs({s: t for s in arg.free_symbols}, simultaneous=True)
    try:
        c = _rational_limit(diagonal, t)
        if c is None:  # not a ratio of polynomials in t (roots): sympy's general limit, slower
            c = sympy.limit(diagonal, t, sympy.oo)
    except Exception:  # noqa: BLE001 - sympy raises many kinds; an unknown limit is refused below
        c = None
    if c is None or not c.is_number or not c.is_finite or c.has(sympy.nan, sympy.zoo):
        raise ComplexityError(_LOG_NOT_GROWING.format(why="its limit cannot be determined"))
    if c > 1:
        return _const(Fraction(1))
    if c < 1:
        raise ComplexityError(
            "a logarithm of an argument that stays below 1 (such as log(1/m) or log(1/2 + 1/m)) is negative "
            "for large values, so it bounds nothing: write the log of what grows"
        )
    # c == 1: log f ~ f - 1 -> 0. Reduce f - 1 over one denominator, so that cancellation is exact.
    rest = sympy.cancel(sympy.together(arg - 1))
    try:
        front = _frontier(_reduce(rest))
    except ComplexityError:
        front = {}
    if not front or any(p > 0 for term in front for _, p, _ in term) or set(front) == {()}:
        raise ComplexityError(_LOG_NOT_GROWING.format(why="it tends to 1, so the log shrinks like (argument - 1), "
                                                          "which cannot be reduced here"))
    return _Poly({term: Fraction(1) for term in front})


def _rational_limit(expr: sympy.Expr, t: sympy.Symbol) -> sympy.Expr | None:
    """The limit at infinity of a ratio of polynomials in `t` from the leading terms (fast); None for
    anything else."""
    num, den = sympy.fraction(sympy.cancel(sympy.together(expr)))
    if not (num.is_polynomial(t) and den.is_polynomial(t)):
        return None
    p, q = sympy.Poly(num, t), sympy.Poly(den, t)
    if p.degree() > q.degree():
        return sympy.oo
    if p.degree() < q.degree():
        return sympy.Integer(0)
    return p.LC() / q.LC()


def dominant_terms(expr: sympy.Expr, assumed: tuple[tuple[str, str], ...] = ()) -> frozenset[Term]:
    """The set of dominant terms of `expr` (coefficients dropped), with `assumed` `a <= b` relations."""
    token = _RELATIONS.set(assumed)
    try:
        return _dominant_terms(expr)
    finally:
        _RELATIONS.reset(token)


def _dominant_terms(expr: sympy.Expr) -> frozenset[Term]:
    estimate = estimate_terms(expr, 10**6)
    if estimate > MAX_TERMS:
        raise ComplexityError(
            f"too many terms to multiply out (up to {estimate:,}); write the dominant terms directly"
        )
    front = _frontier(_reduce(expr))
    if not front:
        raise ComplexityError("the expression is 0")
    return frozenset(front)


def _exp_text(value: Fraction) -> str:
    if value == 1:
        return ""
    if value.denominator == 1:
        return superscript(value.numerator)
    return f"^({value.numerator}/{value.denominator})"


def _term_text(term: Term, order: Sequence[str]) -> str:
    rank = {n: i for i, n in enumerate(order)}
    items = sorted(term, key=lambda x: (rank.get(x[0], len(rank)), x[0]))
    num: list[str] = []
    den: list[str] = []
    for name, p, _ in items:
        if p > 0:
            num.append("√" + name if p == Fraction(1, 2) else name + _exp_text(p))
        elif p < 0:
            den.append("√" + name if p == Fraction(-1, 2) else name + _exp_text(-p))
    for name, _, l in items:
        if l > 0:
            num.append(f"log({name})" + _exp_text(l) if l != 1 else f"log({name})")
        elif l < 0:
            den.append(f"log({name})" + _exp_text(-l) if l != -1 else f"log({name})")
    text = "·".join(num) or "1"
    if den:
        text += "/" + (den[0] if len(den) == 1 else f"({'·'.join(den)})")
    return text


def _sorted_terms(terms: frozenset[Term] | set[Term], order: Sequence[str]) -> list[Term]:
    rank = {n: i for i, n in enumerate(order)}

    def key(term: Term) -> tuple:
        degree = sum(p for _, p, _ in term)
        logs = sum(l for _, _, l in term)
        vector = sorted(((rank.get(n, len(rank)), n), -p, -l) for n, p, l in term)
        return (-degree, -logs, vector)

    return sorted(terms, key=key)


def format_big_o(terms: frozenset[Term] | set[Term], order: Sequence[str]) -> str:
    """`O(b·d² + b·n·d)`: highest degree first, symbols in the question's order."""
    return "O(" + " + ".join(_term_text(t, order) for t in _sorted_terms(terms, order)) + ")"


def _ratio_note(extra: Term, missing: Term, order: Sequence[str]) -> str | None:
    ratio = _mul_terms(extra, _pow_term(missing, Fraction(-1)))
    if _dominates(ratio, ()) and ratio:
        return f"{_term_text(extra, order)} is {_term_text(ratio, order)} times {_term_text(missing, order)}"
    return None


def grade(variant: Variant, answer: str, expected: object | None = None) -> Grade:
    question = variant.question
    assert isinstance(question, ComplexityQuestion)
    token = _RELATIONS.set(relations(question))
    try:
        return _grade(variant, question, answer, expected)
    finally:
        _RELATIONS.reset(token)


def _grade(variant: Variant, question: ComplexityQuestion, answer: str, expected: object | None) -> Grade:
    ctx = grading_context(question, variant.params, formula_symbols(question))
    symbols = list(ctx.symbols)
    raw = question.answer if expected is None else expected
    try:
        key_terms = dominant_terms(ctx.resolve(ctx.key(str(raw), allow_big_o=True)), _RELATIONS.get())
    except ComplexityError as err:
        raise ValueError(f"{question.id}: answer {raw!r} cannot be read: {err}") from None
    order = [s for s in question.symbols]
    expected_text = format_big_o(key_terms, order)
    try:
        parsed = parse_math_full(answer, symbols, allow_big_o=True)
    except MathSyntaxError as err:
        return invalid_from(err, expected=expected_text)
    try:
        terms = dominant_terms(ctx.resolve(parsed.expr), _RELATIONS.get())
    except ComplexityError as err:
        return Grade.invalid(str(err), expected=expected_text)
    interpreted = format_big_o(terms, order)
    matched = terms & key_terms
    missing = _sorted_terms(key_terms - terms, order)
    extra = _sorted_terms(terms - key_terms, order)
    fraction = len(matched) / len(terms | key_terms)
    # A bound that leaves out a growing term is too small: it is not a bound at all. It gets half
    # the credit the same overlap would get as an overestimate (extra, dominated terms).
    unbounded = [m for m in missing if not any(_dominates(t, m) for t in terms)]
    if unbounded:
        fraction /= 2
    details = {"matched": len(matched), "missing": len(unbounded), "extra": len(extra), "too_small": bool(unbounded)}
    notes: list[str] = []
    assumed = _RELATIONS.get()
    if assumed:
        try:
            dropped = _sorted_terms(dominant_terms(ctx.resolve(parsed.expr), ()) - terms, order)
        except ComplexityError:
            dropped = []
        if dropped:
            shown = ", ".join(f"{a} ≤ {b}" for a, b in assumed)
            notes.append(f"dropped as dominated, since {shown}: " + ", ".join(_term_text(t, order) for t in dropped))
    if not missing and not extra:
        return Grade.of(1.0, interpreted=interpreted, expected=expected_text, details=details, feedback=notes)
    feedback: list[str] = []
    if matched:
        feedback.append("right: " + ", ".join(_term_text(t, order) for t in _sorted_terms(matched, order)))
    if unbounded:  # an expected term that a term of the answer bounds is not missing: the bound is loose
        feedback.append("missing: " + ", ".join(_term_text(t, order) for t in unbounded))
    if unbounded:
        feedback.append(
            "your bound is too small: nothing in it bounds " + ", ".join(_term_text(t, order) for t in unbounded)
            + " (an underestimate earns half the credit of an overestimate)"
        )
    if extra:
        feedback.append("not in the expected bound: " + ", ".join(_term_text(t, order) for t in extra))
    for e in extra:
        for m in missing:
            note = _ratio_note(e, m, order)
            if note is not None:
                feedback.append(f"{note}: your bound is not tight")
    return Grade.of(fraction, interpreted=interpreted, expected=expected_text, feedback=feedback + notes,
                    details=details)
