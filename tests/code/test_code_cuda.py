"""The code grader on CUDA: reference and submission on the GPU with the question's `cuda` tolerance (issue 16).

Skipped without a CUDA device; `python bench/gpu_check.py` runs them (`pytest -m cuda`), and its calibration
step measures the errors the `cuda` tolerances are chosen from. Not yet run on a GPU when written.
"""

from __future__ import annotations

import pytest
import torch

from tutor.bank.variant import make_variant
from tutor.grading import Status, code

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.mark.parametrize("qid", ["code.mqa-forward", "code.gqa-forward", "code.gqa-decode"])
def test_model_answer_passes_on_cuda_and_mutants_fail(code_questions, qid):
    q = code_questions[qid]
    variant = make_variant(q, 0)
    g = code.grade(variant, q.answer, device="cuda")
    assert g.status is Status.CORRECT, g.feedback
    assert g.details["device"] == "cuda"
    for mutant in q.mutants:
        assert code.grade(variant, mutant.code, device="cuda").status is not Status.CORRECT, mutant.name


def test_a_bfloat16_inside_answer_fails_on_cuda(code_questions):
    q = code_questions["code.gqa-forward"]
    inside = q.answer + (
        "\n\n_model = gqa_forward\n\n"
        "def gqa_forward(x, w_q, w_k, w_v, w_o, num_heads, num_kv_heads):\n"
        "    import torch\n"
        "    b = lambda t: t.to(torch.bfloat16)\n"
        "    return _model(b(x), b(w_q), b(w_k), b(w_v), b(w_o), num_heads, num_kv_heads).float()\n"
    )
    assert code.grade(make_variant(q, 0), inside, device="cuda").status is not Status.CORRECT
