"""A structural rule a code prompt states is checked (a memory budget), or the feedback says it was not.

Red team R1: `code.online-softmax-attention` forbids the full `[s, s]` score matrix; a plain full-matrix
softmax got 5/5. The question's `memory_budget` is the run's cgroup limit; one case is long enough that
the full fp32 matrix does not fit while the blocked model answer fits easily. The full-matrix
submission itself is corpus file 69 (incorrect, with the budget message, where a cgroup exists).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.bank.variant import make_variant
from tutor.grading import code
from tutor.grading.code_cases import prompt_problems
from tutor.sandbox import layers

FULL_MATRIX = (Path(__file__).parent / "corpus" / "69_online_softmax_full_matrix.py").read_text(encoding="utf-8")


def test_the_budget_is_stated_and_sized_so_only_a_full_matrix_breaks_it(code_questions):
    q = code_questions["code.online-softmax-attention"]
    assert q.memory_budget is not None and f"{q.memory_budget.mib} MiB" in q.prompt
    full_matrix_mib = max(c.dims["b"] * c.dims["h"] * c.dims["s"] ** 2 * 4 for c in q.cases) / 2**20
    biggest_block_mib = max(c.dims["b"] * c.dims["h"] * c.dims["s"] * c.dims["B"] * 4 for c in q.cases) / 2**20
    assert full_matrix_mib > 1.25 * q.memory_budget.mib  # one copy of the matrix alone is over it
    assert biggest_block_mib * 8 < q.memory_budget.mib  # a handful of block-sized temporaries fit easily


@pytest.mark.skipif(not layers.detect().cgroup_version, reason="no per-run cgroup here: the budget cannot be enforced")
def test_model_answer_fits_the_budget(code_questions):
    q = code_questions["code.online-softmax-attention"]
    g = code.grade(make_variant(q, 0), q.answer, device="cpu", values_seed=1)
    assert g.status.value == "correct", g.feedback
    assert g.details["memory_budget"] == {"mib": q.memory_budget.mib, "enforced": True}
    assert not any(line.startswith("Not checked") for line in g.feedback)


def test_without_a_cgroup_the_feedback_says_the_rule_was_not_checked(code_questions, monkeypatch):
    """The fallback path: the outputs are right, the memory rule is unknown, and the feedback says so."""
    monkeypatch.setattr(code, "enforced_budget", lambda question, device: None)
    q = code_questions["code.online-softmax-attention"]
    g = code.grade(make_variant(q, 0), FULL_MATRIX, device="cpu", values_seed=1)
    text = "\n".join(g.feedback)
    assert "Not checked: the memory rule (at most 96 MiB" in text and "cannot be enforced" in text, text
    assert g.details["memory_budget"] == {"mib": 96, "enforced": False}


def test_every_code_prompt_names_the_dtype_to_return(code_questions):
    """Red team R15: the grader compares dtypes exactly, so every prompt says which one to return."""
    for qid, q in code_questions.items():
        assert prompt_problems(q) == [], qid


def test_a_prompt_without_the_return_dtype_or_the_budget_is_a_validate_problem(code_questions):
    q = code_questions["code.online-softmax-attention"]
    silent = q.model_copy(update={"prompt": q.prompt.replace("in the dtype of `q`", "").replace("96 MiB", "some")})
    problems = prompt_problems(silent)
    assert any("which dtype to return" in p for p in problems), problems
    assert any("does not state it" in p for p in problems), problems
    wrong = q.model_copy(update={"prompt": q.prompt.replace("dtype of `q`", "dtype of `z`")})
    assert any("not a tensor argument" in p for p in prompt_problems(wrong))
