"""`assume:` relations between monomials (`M <= N*d`, `G*d_h <= d`) when dropping dominated terms.

A term is dropped only when the ratio dropped/kept stays bounded for every value of the symbols (each
>= 1) that the declared relations allow. On a log scale (x = log of each symbol) the ratio Π sᵛ is
bounded only if v·x <= 0 on the cone {x >= 0, r·x <= 0 for each relation r = small/big}; the property
tests check that necessary condition at many directions of that cone, so whatever the grader drops is
really bounded (a wrong drop would be a false accept), and nothing bounded only by a relation that was
not declared is dropped.
"""

from __future__ import annotations

import itertools
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from tutor.bank.loader import load_bank
from tutor.bank.model import ComplexityQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.complexity import dominant_terms, parse_monomial, relations
from tutor.grading.selfcheck import validate

NAMES = ("N", "d", "M")
SYMS = sympy.symbols(NAMES, positive=True)
# directions on the log scale: every symbol's log in 0..3 (the extreme rays of the small cones below)
DIRECTIONS = [x for x in itertools.product(range(4), repeat=len(NAMES)) if any(x)]

exponents = st.lists(st.integers(-2, 2), min_size=3, max_size=3)


def text_of(vec: list[int]) -> str:
    num = [f"{n}^{p}" for n, p in zip(NAMES, vec) if p > 0]
    den = [f"{n}^{-p}" for n, p in zip(NAMES, vec) if p < 0]
    return "*".join(num or ["1"]) + "".join(f"/{f}" for f in den)


def expr_of(vec: list[int]) -> sympy.Expr:
    return sympy.Mul(*(s**p for s, p in zip(SYMS, vec)))


def rel_vector(small: str, big: str) -> dict[str, Fraction]:
    out = {n: Fraction(0) for n in NAMES}
    for n, p in parse_monomial(small).powers:
        out[n] += p
    for n, p in parse_monomial(big).powers:
        out[n] -= p
    return out


def cone(rels: tuple[tuple[str, str], ...]) -> list[tuple[int, ...]]:
    vecs = [rel_vector(s, b) for s, b in rels]
    return [x for x in DIRECTIONS if all(sum(v[n] * xi for n, xi in zip(NAMES, x)) <= 0 for v in vecs)]


def unbounded_somewhere(ratio: list[int], rels) -> bool:
    return any(sum(p * xi for p, xi in zip(ratio, x)) > 0 for x in cone(rels))


def relation_pairs():
    pair = st.tuples(exponents, exponents).filter(lambda p: p[0] != p[1] and (any(p[0]) or any(p[1])))
    return st.lists(pair, min_size=1, max_size=3).map(
        lambda ps: tuple((text_of(a), text_of(b)) for a, b in ps))


@settings(max_examples=150, deadline=None)
@given(a=exponents, b=exponents, rels=relation_pairs())
def test_whatever_is_dropped_is_bounded_under_the_relations(a, b, rels):
    if a == b or not cone(rels):
        return
    kept = dominant_terms(expr_of(a) + expr_of(b), rels)
    for dropped, other in ((a, b), (b, a)):
        term = dominant_terms(expr_of(dropped), ())
        if not (term <= kept):
            ratio = [x - y for x, y in zip(dropped, other)]
            assert not unbounded_somewhere(ratio, rels), (text_of(dropped), text_of(other), rels)


@settings(max_examples=150, deadline=None)
@given(a=exponents, b=exponents, rels=relation_pairs())
def test_nothing_is_dropped_on_a_relation_that_was_not_declared(a, b, rels):
    """Declaring only some of the relations: a term bounded only under the others stays."""
    if a == b:
        return
    for k in range(len(rels)):
        declared = rels[:k] + rels[k + 1:]
        kept = dominant_terms(expr_of(a) + expr_of(b), declared)
        for dropped, other in ((a, b), (b, a)):
            ratio = [x - y for x, y in zip(dropped, other)]
            if unbounded_somewhere(ratio, declared):
                assert dominant_terms(expr_of(dropped), ()) <= kept, (text_of(dropped), declared)


@pytest.mark.parametrize("rels, kept, dropped", [
    ((("M", "N·d"),), "N**2*d**2/M", "N*d"),
    ((("M", "N·d"),), "N**2*d**2/M", "M"),
    ((("H", "d"),), "S*d**2", "S*d*H"),
    ((("G·d_h", "d"),), "S*d", "S*G*d_h"),
    ((("G·d_h", "d"), ("H", "d")), "S*d**2", "S*G*d_h*H"),
    ((("M", "N^2"),), "N*log(N)", "sqrt(M)"),
    ((("d", "M"), ("M", "N·d")), "N**2*d**2/M", "N"),
])
def test_a_monomial_relation_drops_the_bounded_term(rels, kept, dropped):
    syms = {n: sympy.Symbol(n, positive=True) for n in ("N", "d", "M", "H", "S", "G", "d_h")}
    k, dr = sympy.sympify(kept, locals=syms), sympy.sympify(dropped, locals=syms)
    assert dominant_terms(k + dr, rels) == dominant_terms(k, ())
    assert dominant_terms(k + dr, ()) == dominant_terms(k, ()) | dominant_terms(dr, ())  # not without it


@pytest.mark.parametrize("rels, a, b", [
    ((("M", "N·d"),), "N**2*d**2/M", "d**2"),     # M/N² is not bounded by M <= N·d
    ((("M", "N·d"),), "N**2*d**2/M", "N**2"),     # M/d² is not either
    ((("d", "M"),), "N**2*d**2/M", "N*d"),        # needs M <= N·d, not d <= M
    ((("G·d_h", "d"),), "S*d", "S*G*d_h**2"),
    ((("M", "N^2"),), "sqrt(M)*log(M)", "N"),       # √M·log M can exceed N when M = N²
])
def test_a_term_not_bounded_under_the_relations_stays(rels, a, b):
    syms = {n: sympy.Symbol(n, positive=True) for n in ("N", "d", "M", "H", "S", "G", "d_h")}
    ea, eb = sympy.sympify(a, locals=syms), sympy.sympify(b, locals=syms)
    assert dominant_terms(ea + eb, rels) == dominant_terms(ea, ()) | dominant_terms(eb, ())


def test_flash_feedback_names_the_monomial_relation():
    q = next(q for q in load_bank().questions if q.id == "flash-hbm-complexity")
    assert ("M", "N·d") in relations(q)
    g = grade(make_variant(q, 0), "O(N^2 d^2/M + N d)")
    assert g.score == 5
    assert any("dropped as dominated" in f and "M ≤ N·d" in f and f.endswith("N·d") for f in g.feedback), g.feedback
    assert grade(make_variant(q, 0), "O(N^2 d^2/M + d^2)").score < 5


@pytest.mark.parametrize("assume, fragment", [
    ("M <= N + d", "monomial"),
    ("M <= N - d", "monomial"),
    ("M <= log(N)", "monomial"),
    ("M <= N*zz", "'zz' is not a declared symbol"),
    ("M <= 0*N", "must be positive"),
    ("M", "write relations"),
    ("M <= ", "write relations"),
])
def test_validate_refuses_an_assume_that_is_not_a_monomial_relation(tmp_path: Path, assume, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(f"""\
        questions:
          - id: r-bad
            kind: complexity
            topic: attention
            prompt: HBM accesses with SRAM of M elements?
            symbols: [N, d, M]
            assume: ["d <= M", "{assume}"]
            answer: O(N^2*d^2/M)
        """), encoding="utf-8")
    report = validate([str(path)], builtin=False, code=False)
    hits = [p for p in report.problems if p.line == 7 and "assume" in p.message]
    assert hits and fragment in hits[0].message, "\n".join(map(str, report.problems))
    assert str(hits[0]).startswith(f"{path}:7:"), str(hits[0])


def test_the_builtin_relations_all_read():
    for q in load_bank().questions:
        if isinstance(q, ComplexityQuestion):
            relations(q)
