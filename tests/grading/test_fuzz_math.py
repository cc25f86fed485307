"""Arbitrary text (up to 1,000 characters) never crashes or hangs the numeric, symbolic and complexity graders.

Each example runs under a watchdog alarm: a grader that hangs fails the test with
an error instead of stalling the suite. The alarm is a hang detector, far above
any real grading time; speed itself is measured by bench/grading_math.py.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.bank.model import ComplexityQuestion, NumericQuestion, SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import complexity, numeric, symbolic
from tutor.grading.grade import Grade, Status

VARIANTS = [
    (numeric, make_variant(NumericQuestion(
        id="n-bytes", kind="numeric", topic="kv-cache", prompt="?", unit="bytes", params={"d": 1024, "h": 8},
        answer="2*d*d*h",
    ), 0)),
    (numeric, make_variant(NumericQuestion(
        id="n-params", kind="numeric", topic="gqa", prompt="?", unit="params", answer=0.125,
    ), 0)),
    (symbolic, make_variant(SymbolicQuestion(
        id="s", kind="symbolic", topic="gqa", prompt="?", symbols=["G", "d", "H", "b", "n"], where={"k": "d/H"},
        answer="2*G*d^2/H",
    ), 0)),
    (complexity, make_variant(ComplexityQuestion(
        id="c", kind="complexity", topic="mqa", prompt="?", symbols=["b", "n", "d", "h"], answer="O(b d^2 + b n d)",
    ), 0)),
]

FRAGMENTS = [
    "b", "n", "d", "h", "G", "H", "k", "x", "(", ")", "[", "]", "{", "}", "^", "**", "*", "/", "+", "-", "−",
    "2", "9", "0", "64", "1e9", "1e-300", "1,000", "1_000", ".5", "99999999999", "\\frac{", "\\sqrt", "\\sqrt[",
    "√", "²", "⁻", "ⁿ", "O(", "\\mathcal{O}(", "𝒪(", "log", "log2", "\\log_2", "max(", "min(", ",", "π", " ",
    "\\left(", "\\right)", "GiB", "GB", "M", "B", "e", "_", "$", "\\,", "×", "·", "sqrt(", "\\", "d_{", "∞", "\x00",
]


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"grading did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _grade_everywhere(text: str) -> None:
    for module, variant in VARIANTS:
        with watchdog(20):
            result = module.grade(variant, text)
        assert isinstance(result, Grade)
        assert result.status in Status
        assert 1 <= result.score <= 5
        if result.status is Status.INVALID:
            assert result.feedback and result.feedback[0]


def nested(depth: int, inner: str) -> str:
    return "(" * depth + inner + ")" * depth


pathological = st.one_of(
    st.builds(nested, st.integers(1, 499), st.sampled_from(["b", "b+n", "d^64", ""])),
    st.builds(lambda k, base: "^".join([base] * k), st.integers(2, 300), st.sampled_from(["9", "d", "2", "(b+n)", "1.5"])),
    st.builds(lambda k: "-" * k + "b", st.integers(1, 999)),
    st.builds(lambda k, e: f"({'+'.join(['b', 'n', 'd', 'h'][:k])})^{e}", st.integers(1, 4), st.integers(1, 64)),
    st.builds(lambda k: "*".join(["(b+n+d+h)"] * k), st.integers(1, 90)),
    st.builds(lambda k: "+".join(["b^64*n^64"] * k), st.integers(1, 90)),
    st.builds(lambda k: "sqrt(" * k + "d" + ")" * k, st.integers(1, 160)),
    st.builds(lambda k: "log(" * k + "d" + ")" * k, st.integers(1, 160)),
    st.builds(lambda k: "9" * k, st.integers(1, 1000)),
    st.builds(lambda k: "1," * k + "000", st.integers(1, 300)),
    st.builds(lambda k: "\\frac{" * k + "1}{d}" + "}{d}" * (k - 1), st.integers(1, 150)),
)
leaves = st.sampled_from(["b", "n", "d", "h", "G", "H", "k", "2", "3", "0.5", "1e3", "1024", "π", "0", "1"])
expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", " "]), inner).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(inner, st.sampled_from(["2", "3", "-1", "1/2", "(3/2)", "64", "0"])).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["sqrt", "log", "max", "min", "O", ""]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})" if t[0] in ("max", "min") else f"{t[0]}({t[1]})"
        ),
        st.tuples(inner, inner).map(lambda t: f"\\frac{{{t[0]}}}{{{t[1]}}}"),
    ),
    max_leaves=40,
)
fragments = st.lists(st.sampled_from(FRAGMENTS), max_size=120).map("".join).filter(lambda s: len(s) <= 1000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=1000))
def test_arbitrary_unicode_text(text: str) -> None:
    _grade_everywhere(text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragments)
def test_math_like_text(text: str) -> None:
    _grade_everywhere(text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathological.filter(lambda s: len(s) <= 1000))
def test_pathological_nesting_and_exponents(text: str) -> None:
    _grade_everywhere(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions.filter(lambda s: len(s) <= 1000))
def test_random_expressions(text: str) -> None:
    _grade_everywhere(text)


def test_over_long_text_is_invalid_not_an_error() -> None:
    for module, variant in VARIANTS:
        result = module.grade(variant, "b+" * 600 + "b")
        assert result.status is Status.INVALID
        assert "too long" in result.feedback[0]
