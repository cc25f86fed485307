"""Big-O feedback names as missing only expected terms that nothing in the answer bounds (red-team R5):
an overestimate gets the "not tight" line, never "missing" for a term the answer covers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.bank.model import ComplexityQuestion
from tutor.bank.variant import make_variant
from tutor.grading.complexity import grade
from tutor.grading.grade import Status

SYMBOLS = ["b", "n", "d", "h"]
monomial = st.tuples(*[st.integers(0, 3) for _ in SYMBOLS])


def _text(terms) -> str:
    return " + ".join("*".join(["1"] + [f"{s}^{e}" for s, e in zip(SYMBOLS, exps) if e]) for exps in terms)


def _missing_line(feedback: list[str]) -> str | None:
    return next((line for line in feedback if line.startswith("missing: ")), None)


def test_an_overestimate_is_told_not_tight_not_missing() -> None:
    q = ComplexityQuestion(id="r", kind="complexity", topic="mqa", prompt="?", symbols=["b", "n", "d", "h"],
                           answer="O(1/b + n/(d h) + 1/d)")
    g = grade(make_variant(q, 0), "O(1/b + n/d)")
    assert _missing_line(g.feedback) is None, g.feedback
    assert "n/d is h times n/(d·h): your bound is not tight" in g.feedback


def test_a_term_dropped_under_an_assumption_is_not_missing() -> None:
    q = ComplexityQuestion(id="g", kind="complexity", topic="gqa", prompt="?", symbols=["B", "S", "d", "H", "G"],
                           answer="O(B S d G/H + d^2)")
    g = grade(make_variant(q, 0), "O(B S d G/H + B S d)")
    assert _missing_line(g.feedback) == "missing: d²", g.feedback


@settings(max_examples=50, deadline=None)
@given(st.lists(monomial, min_size=1, max_size=4, unique=True), st.lists(monomial, min_size=1, max_size=4), st.data())
def test_missing_names_only_terms_nothing_in_the_answer_bounds(key, answer, data) -> None:
    q = ComplexityQuestion(id="p", kind="complexity", topic="attention", prompt="?", symbols=SYMBOLS,
                           answer=f"O({_text(key)})")
    variant = make_variant(q, 0)
    g = grade(variant, f"O({_text(answer)})")
    line = _missing_line(g.feedback)
    if line is None:
        return
    for shown in line.removeprefix("missing: ").split(", "):
        # adding the named term changes the answer's bound: nothing in the answer bounded it
        added = grade(variant, f"O({_text(answer)} + {shown})")
        assert added.interpreted != g.interpreted, (shown, g.feedback)
    assert g.details["too_small"]


@settings(max_examples=50, deadline=None)
@given(st.lists(monomial, min_size=1, max_size=4, unique=True), st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=3))
def test_every_term_multiplied_by_a_growing_factor_is_never_missing(key, factor) -> None:
    q = ComplexityQuestion(id="p", kind="complexity", topic="attention", prompt="?", symbols=SYMBOLS,
                           answer=f"O({_text(key)})")
    looser = " + ".join(f"({t})*{'*'.join(factor)}" for t in _text(key).split(" + "))
    g = grade(make_variant(q, 0), f"O({looser})")
    assert g.status is not Status.CORRECT
    assert _missing_line(g.feedback) is None, g.feedback
    assert not g.details["too_small"]
