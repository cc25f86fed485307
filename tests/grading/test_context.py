"""The one grading context: params and `where` resolved once per question and params, shared by every math grader."""

from __future__ import annotations

import pytest
import sympy

from tutor.bank.model import SymbolicQuestion
from tutor.grading.context import exact_number, formula_symbols, grading_context


def _question(where: dict, qid: str = "ctx") -> SymbolicQuestion:
    return SymbolicQuestion(id=qid, kind="symbolic", topic="mha", prompt="p", symbols=["d", "H"],
                            where=where, answer="d/H", params={"d": 512})


def test_where_chains_are_resolved_once_and_cached() -> None:
    question = _question({"k": "d/h", "h": "H/2"})
    ctx = grading_context(question, {"d": 512}, formula_symbols(question))
    d, H, k = (sympy.Symbol(n, positive=True) for n in ("d", "H", "k"))
    assert ctx.resolve(k) == 2 * d / H
    assert ctx.bind(k) == 1024 / H
    assert grading_context(question, {"d": 512}, formula_symbols(question)) is ctx  # lru_cache
    assert ctx.key("2*k") is ctx.key("2*k")  # parsed once


def test_a_where_cycle_and_a_bad_key_are_bank_errors() -> None:
    question = _question({"k": "h", "h": "k"}, qid="cyc")
    with pytest.raises(ValueError, match="cyc: `where` definitions refer to each other in a cycle"):
        grading_context(question, {}, formula_symbols(question))
    ctx = grading_context(_question({}), {}, ("d",))
    with pytest.raises(ValueError, match=r"ctx: answer 'd \+' cannot be read"):
        ctx.key("d +")


def test_decimals_are_exact() -> None:
    assert exact_number(0.1) == sympy.Rational(1, 10)
    assert exact_number(2.0) == 2 and exact_number(7) == 7
    with pytest.raises(ValueError):
        exact_number(True)
