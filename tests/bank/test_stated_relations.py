"""A relation a big-O prompt states is declared (`assume:`), so an exact bound with a dominated extra term is right.

Red team R4: gqa-prefill-complexity gives heads of size d/H (so H <= d), yet `O(B S^2 d + B S d^2 + B S d H)`
lost a point for B·S·d·H, which B·S·d² bounds. Every complexity prompt that gives a head size d/H (or
d/h) must declare H <= d; a prompt stating `W \\le S` or `S > W` must declare that.
"""

from __future__ import annotations

import re

import pytest

from tutor.bank.loader import load_bank
from tutor.bank.model import ComplexityQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.complexity import relations


@pytest.fixture(scope="module")
def complexity() -> dict[str, ComplexityQuestion]:
    return {q.id: q for q in load_bank().questions if isinstance(q, ComplexityQuestion)}


def test_every_stated_head_size_and_window_relation_is_declared(complexity):
    checked = 0
    for q in complexity.values():
        pairs = set(relations(q))
        for heads, width in re.findall(r"\b([dD])/([hH])\b", q.prompt):
            if heads in q.symbols and width in q.symbols:
                assert (width, heads) in pairs, f"{q.id}: heads of size {heads}/{width} but no {width} <= {heads}"
                checked += 1
        if re.search(r"W \\le S|S > W", q.prompt):
            assert ("W", "S") in pairs, f"{q.id}: the prompt states W <= S"
            checked += 1
        if r"d \le M" in q.prompt:
            assert ("d", "M") in pairs, q.id
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("qid, answer", [
    ("gqa-prefill-complexity", "O(B S^2 d + B S d^2 + B S d H)"),  # the red team's exact bound
    ("kvc-mha-cache-complexity", "O(B S d + B S H)"),
    ("mqa-cache-memory-complexity", "O(B S d/H + B S)"),
    ("attn-prefill-time-complexity", "O(B S W d + B S d^2 + B S W H)"),
])
def test_an_exact_bound_with_a_term_the_stated_relations_dominate_gets_full_credit(complexity, qid, answer):
    g = grade(make_variant(complexity[qid], 0), answer)
    assert g.score == 5, (qid, g.feedback)
    assert any("dropped as dominated" in line for line in g.feedback), g.feedback


def test_flash_hbm_exact_bound_with_the_io_term(complexity):
    g = grade(make_variant(complexity["flash-hbm-complexity"], 0), "O(N^2 d^2 / M + N d)")
    assert g.score == 5, g.feedback
