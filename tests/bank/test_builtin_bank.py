"""The built-in question bank: coverage, the fields every question needs, and every number recomputed.

Numeric answers are recomputed from `reference_impl.cost` (and the published configs in
`reference_impl.models`) for several variants each, and graded as a learner's answer: a YAML
answer that disagrees with the cost functions fails here. Symbolic answers are rebuilt from
`reference_impl.cost.symbolic()` as sympy expressions and graded the same way.
"""

from __future__ import annotations

import collections
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import sympy

from reference_impl import cost
from reference_impl.models import MLA_MODELS, get_model
from tutor.bank.loader import load_bank
from tutor.bank.model import NumericQuestion, QuestionBase, SymbolicQuestion
from tutor.bank.variant import is_parameterized, make_variant
from tutor.grading import grade

ROOT = Path(__file__).resolve().parents[2]
BANK_DIR = ROOT / "question_bank"
SEEDS = range(8)
# The documents the bank was started from, each named by what a learner can look up: a
# distinctive part of the citation its questions' `source` carries (title, author, URL).
SOURCE_DOCUMENTS = {
    "worked MQA problem set": "'Problem 4 – Multi-Query Attention (MQA) and Complexity Analysis'",
    "KV-cache notebook": "https://github.com/ajayrfhp/LearningDeepLearning/blob/main/multiQueryAttention.ipynb",
    "MQA coding exercise": "'Multi-Query Attention (MQA)', a coding-exercise page",
    "MQA interview notes": "'Multi-Query Attention (MQA)' study notes",
    "MHA/MQA/GQA article": "Yue Shui 2025, 'Attention Mechanisms in Transformers: Comparing MHA, MQA, and GQA', "
                           "https://syhya.github.io/posts/2025-01-16-group-query-attention/",
}
# What a learner has never seen: the internal names of those documents and of this project's files.
INTERNAL_NAME = re.compile(
    r"\bseeds?\b|\d{3}_[0-9a-f]{16}|reference_impl|question_bank|\btutor/|"
    r"\b[\w-]+\.(?:txt|yaml|yml)\b",
    re.IGNORECASE,
)

BANK = load_bank([BANK_DIR], builtin=False)
QUESTIONS: list[QuestionBase] = list(BANK)
NON_CODE = [q for q in QUESTIONS if q.kind != "code"]


def _ids(questions: list[QuestionBase]) -> list[str]:
    return [q.id for q in questions]


# --------------------------------------------------------------------------- coverage


MIN_PER_KIND = {
    "shape": 12, "einsum": 12, "numeric": 15, "symbolic": 10,
    "complexity": 12, "choice": 8, "text": 8, "code": 5,
}


def test_at_least_100_questions() -> None:
    assert len(QUESTIONS) >= 100


def test_at_least_nine_code_exercises_with_the_three_serving_ones() -> None:
    code = {q.id for q in QUESTIONS if q.kind == "code"}
    assert len(code) >= 9
    assert {"code.online-softmax-attention", "code.paged-gqa-decode", "code.rope-cached-decode"} <= code


def test_no_choice_question_gives_its_key_away_by_length() -> None:
    """The audit's class: a keyed option much longer than the distractors (validate warns; the bank has none)."""
    from tutor.grading.lint import option_length_warning

    assert [q.id for q in QUESTIONS if option_length_warning(q)] == []


def test_near_duplicate_einsums_are_differentiated() -> None:
    """No two einsum questions ask for the same equation (up to renaming the letters)."""

    def canonical(equation: str) -> str:
        names: dict[str, str] = {}
        return "".join(names.setdefault(c, chr(ord("a") + len(names))) if c.isalpha() else c
                       for c in equation.replace(" ", ""))

    seen: dict[str, str] = {}
    for q in QUESTIONS:
        if q.kind == "einsum" and q.id != "p4e-mqa-v-einsum":  # the problem set's own parts (d) K and (e) V
            key = canonical(q.answer)  # type: ignore[attr-defined]
            assert key not in seen, (q.id, seen.get(key))
            seen[key] = q.id


@pytest.mark.parametrize("topic", ["mha", "mqa", "gqa", "kv-cache", "attention"])
def test_each_topic_has_at_least_15_questions(topic: str) -> None:
    assert sum(q.topic == topic for q in QUESTIONS) >= 15


@pytest.mark.parametrize("kind", sorted(MIN_PER_KIND))
def test_each_kind_has_its_minimum(kind: str) -> None:
    assert sum(q.kind == kind for q in QUESTIONS) >= MIN_PER_KIND[kind]


def test_ten_numeric_questions_draw_new_numbers() -> None:
    drawn = [q.id for q in QUESTIONS if q.kind == "numeric" and is_parameterized(q)]
    assert len(drawn) >= 10, drawn


def test_difficulties_span_1_to_5_with_many_hard_ones() -> None:
    counts = collections.Counter(q.difficulty for q in QUESTIONS)
    assert set(counts) == {1, 2, 3, 4, 5}
    assert counts[4] + counts[5] >= 20
    assert counts[5] >= 5


def test_complexity_questions_cover_time_and_memory_in_prefill_and_decoding() -> None:
    tags = [set(q.tags) for q in QUESTIONS if q.kind == "complexity"]
    for need in ({"time", "prefill"}, {"memory", "decoding"}, {"time", "decoding"}, {"memory", "training"}):
        assert any(need <= t for t in tags), need


def test_the_seed_problem_and_quiz_are_all_there() -> None:
    for part in "abcdefg":
        assert any(i.startswith(f"p4{part}-") for i in BANK.ids), part
    for n in range(1, 6):
        assert any(i.startswith(f"quiz{n}-") for i in BANK.ids), n


@pytest.mark.parametrize("document", sorted(SOURCE_DOCUMENTS))
def test_every_source_document_is_drawn_on(document: str) -> None:
    assert sum(SOURCE_DOCUMENTS[document] in q.source for q in QUESTIONS) >= 3, document


def test_the_seed_mistakes_are_questions() -> None:
    """The "tens of megabytes" MQA cache, the benchmark without a KV cache, the notebook's cache formula."""
    tagged = {q.id for q in QUESTIONS if "published-mistake" in q.tags}
    for qid in ("mqa-tens-of-megabytes", "attn-benchmark-choice", "attn-benchmark-text", "kvc-seed-formula-choice"):
        assert qid in tagged, qid


def test_real_models_are_covered() -> None:
    text = " ".join(q.prompt for q in QUESTIONS)
    for name in ("Llama-3-8B", "Llama-3-70B", "Llama-2-7B", "Mistral-7B", "Falcon-7B", "PaLM", "DeepSeek-V3"):
        assert name in text, name


# --------------------------------------------------------------------------- fields


@pytest.mark.parametrize("question", QUESTIONS, ids=_ids(QUESTIONS))
def test_every_question_has_explanation_hint_and_source(question: QuestionBase) -> None:
    assert question.explanation.strip()
    assert question.hints and all(h.strip() for h in question.hints)
    assert question.source.strip()


def _learner_texts(question: QuestionBase) -> list[tuple[str, str]]:
    """Every text a learner is shown: prompt, hints, explanation, source, options, feedback, rubric, diagnoses."""
    out = [("prompt", question.prompt), ("explanation", question.explanation), ("source", question.source)]
    out += [("hint", h) for h in question.hints]
    out += [("feedback", rule.message) for rule in question.feedback]
    out += [("option", o) for o in getattr(question, "options", None) or []]
    out += [("rubric", point.point) for point in getattr(question, "rubric", None) or []]
    out += [("diagnosis", m.diagnosis) for m in getattr(question, "mutants", None) or []]
    out += [("tag", tag) for tag in question.tags]  # `tutor list --tag` shows them
    if question.kind == "text":
        out.append(("model answer", question.answer))  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize("question", QUESTIONS, ids=_ids(QUESTIONS))
def test_no_text_a_learner_sees_names_a_seed_or_an_internal_file(question: QuestionBase) -> None:
    """Prompts are self-contained and sources are what a learner can look up (issue 15)."""
    for field, text in _learner_texts(question):
        found = INTERNAL_NAME.search(text)
        assert found is None, (field, found.group(), text)


def test_the_internal_name_check_catches_each_class() -> None:
    for bad in ("the seed notebook", "004_4702cf4d3a78edd1.txt", "see reference_impl.cost", "notes.txt",
                "question_bank/gqa.yaml", "Seeds 000 and 002"):
        assert INTERNAL_NAME.search(bad), bad
    for fine in ("meta-llama/Meta-Llama-3-8B config.json on Hugging Face", "https://arxiv.org/abs/1911.02150",
                 "the variant's random draw", "llama/model.py"):
        assert INTERNAL_NAME.search(fine) is None, fine


@pytest.mark.parametrize(
    "question",
    [q for q in QUESTIONS if q.kind in ("shape", "einsum", "numeric", "symbolic", "complexity")],
    ids=_ids([q for q in QUESTIONS if q.kind in ("shape", "einsum", "numeric", "symbolic", "complexity")]),
)
def test_every_computed_question_has_a_targeted_feedback_rule(question: QuestionBase) -> None:
    assert question.feedback


# Each common mistake named in the issue, and a pattern its feedback messages use.
MISCONCEPTIONS = {
    "forgetting the x2 for K and V": r"×2|x2|two projections|keys and values",
    "head size used as the input size": r"head size as the input size",
    "H instead of G KV heads": r"(H|\d+) query heads|not H\b|instead of H|only (the )?G KV heads|G KV heads, not H",
    "counting biases": r"bias",
    "sqrt(d_model) instead of sqrt(d_head)": r"sqrt\(d_head\)|sqrt\(d/H\)",
    "assuming GQA reduces FLOPs": r"does not reduce (the )?(attention )?FLOPs",
    "KV bytes per token vs per sequence": r"per token|one sequence|whole sequence",
}


@pytest.mark.parametrize("mistake", sorted(MISCONCEPTIONS))
def test_each_common_mistake_has_feedback_in_several_questions(mistake: str) -> None:
    pattern = re.compile(MISCONCEPTIONS[mistake], re.IGNORECASE)
    hits = {q.id for q in QUESTIONS for rule in q.feedback if pattern.search(rule.message)}
    assert len(hits) >= 2, (mistake, hits)


# --------------------------------------------------------------------------- numbers


def _model(name: str) -> Callable[[dict], dict]:
    """Params a model question must carry: its published config (checked against the question)."""
    m = get_model(name)
    fields = {"L": m.n_layers, "H": m.n_heads, "G": m.n_kv_heads, "D": m.head_dim, "d": m.d_model}
    return lambda p: {k: v for k, v in fields.items() if k in p}


def _kv_per_token(p: dict, g: int | None = None) -> int:
    return cost.kv_cache_bytes_per_token(p["L"], g if g is not None else p["G"], p["D"], p["e"])


# Question id -> the expected value, from the cost functions, given a variant's params.
NUMERIC: dict[str, Callable[[dict], float]] = {
    "quiz2-mha-kv-params": lambda p: (
        cost.attention_params(p["d"], p["h"], p["h"]) - 2 * p["d"] * p["d"]
    ),
    "quiz2-mqa-kv-params": lambda p: (
        cost.attention_params(p["d"], p["h"], 1) - 2 * p["d"] * p["d"]
    ),
    # K and V of H heads of size D, with H·D != d: all four projections minus Q and O.
    "mha-kv-params-variants": lambda p: (
        cost.attention_params(p["d"], p["H"], p["H"], head_dim=p["D"]) - 2 * p["d"] * p["H"] * p["D"]
    ),
    "mha-params-with-bias": lambda p: cost.attention_params(p["d"], 1, 1, head_dim=p["d"], bias=True),
    "mqa-param-saving": lambda p: (
        cost.attention_params(p["d"], p["h"], p["h"]) - cost.attention_params(p["d"], p["h"], 1)
    ),
    "mqa-tens-of-megabytes-numeric": lambda p: cost.kv_cache_bytes(1, p["T"], p["L"], 1, p["D"], p["e"]),
    "gqa-attention-params": lambda p: cost.attention_params(p["d"], p["H"], p["G"]),
    "gqa-arithmetic-intensity": lambda p: cost.arithmetic_intensity(p["H"], p["G"], 2),
    "kvc-bytes-per-token": lambda p: _kv_per_token(p),
    "kvc-bytes-per-batch": lambda p: cost.kv_cache_bytes(p["B"], p["T"], p["L"], p["G"], p["D"], p["e"]),
    "kvc-decode-step-bytes": lambda p: cost.decode_step_bytes(p["B"], p["S"], p["d"], p["H"], p["G"], None, p["e"]),
    "kvc-bandwidth-bound-time": lambda p: 1000 * cost.min_step_time(
        cost.kv_cache_bytes(p["B"], p["S"], p["L"], p["G"], p["D"], p["e"]), p["bw"]
    ),
    "kvc-mha-vs-mqa-step-ratio": lambda p: (
        cost.decode_step_bytes(p["B"], p["S"], p["d"], p["H"], p["H"])
        / cost.decode_step_bytes(p["B"], p["S"], p["d"], p["H"], 1)
    ),
    "kvc-gpt2-seed-formula": lambda p: cost.kv_cache_bytes(1, p["T"], p["L"], p["H"], p["D"], p["e"]),
    "attn-scale-numeric": lambda p: 1 / math.sqrt(p["d"] // p["H"]),
    "attn-prefill-flops": lambda p: cost.prefill_flops(p["B"], p["T"], p["d"], p["H"], p["G"]),
    "attn-causal-prefill-flops": lambda p: cost.prefill_flops(p["B"], p["T"], p["d"], p["H"], p["G"], causal=True),
    "model-llama2-7b-kv-per-token": lambda p: _kv_per_token(p, g=p["H"]),
    "model-llama3-8b-kv-per-token": lambda p: _kv_per_token(p),
    "model-llama3-70b-kv-sequence": lambda p: cost.kv_cache_bytes(1, p["T"], p["L"], p["G"], p["D"], p["e"]),
    # The rolling buffer holds min(T, W) positions.
    "model-mistral-window-cache": lambda p: cost.kv_cache_bytes(
        1, min(p["T"], p["W"]), p["L"], p["G"], p["D"], p["e"]
    ),
    "model-falcon-7b-kv-per-token": lambda p: _kv_per_token(p),
    "model-palm-kv-per-token": lambda p: _kv_per_token(p),
    # MLA is not G-headed K/V: the cache holds (kv_lora_rank + qk_rope_head_dim) numbers per
    # token and layer, once for keys and values together.
    "model-deepseek-v3-mla-per-token": lambda p: (p["c"] + p["r"]) * p["L"] * p["e"],
    "model-llama3-8b-attn-params": lambda p: cost.attention_params(p["d"], p["H"], p["G"], p["D"]),
    "model-falcon-7b-attn-params": lambda p: cost.attention_params(p["d"], p["H"], p["G"], p["D"]),
    "model-palm-attn-params": lambda p: cost.attention_params(p["d"], p["H"], p["G"], p["D"]),
}

# Model questions: their params must be the published config in reference_impl.models.
MODEL_OF = {
    "model-llama2-7b-kv-per-token": "Llama-2-7B",
    "model-llama3-8b-kv-per-token": "Llama-3-8B",
    "model-llama3-70b-kv-sequence": "Llama-3-70B",
    "model-mistral-window-cache": "Mistral-7B",
    "model-falcon-7b-kv-per-token": "Falcon-7B",
    "model-palm-kv-per-token": "PaLM-540B",
    "model-llama3-8b-attn-params": "Llama-3-8B",
    "model-falcon-7b-attn-params": "Falcon-7B",
    "model-palm-attn-params": "PaLM-540B",
    "kvc-bandwidth-bound-time": "Llama-3-8B",
}

NUMERIC_QUESTIONS = [q for q in QUESTIONS if isinstance(q, NumericQuestion)]


def test_every_numeric_question_is_recomputed() -> None:
    assert {q.id for q in NUMERIC_QUESTIONS} == set(NUMERIC)


def _as_typed(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


@pytest.mark.parametrize("question", NUMERIC_QUESTIONS, ids=_ids(NUMERIC_QUESTIONS))
def test_numeric_answer_matches_the_cost_functions(question: NumericQuestion) -> None:
    seeds = SEEDS if is_parameterized(question) else range(1)
    for seed in seeds:
        variant = make_variant(question, seed)
        expected = NUMERIC[question.id](dict(variant.params))
        result = grade(variant, _as_typed(expected))
        assert result.status == "correct", (seed, variant.params, expected, result.expected, result.feedback)


@pytest.mark.parametrize("qid", sorted(MODEL_OF))
def test_model_questions_use_the_published_config(qid: str) -> None:
    params = {k: v for k, v in BANK.get(qid).params.items() if not isinstance(v, list)}
    expected = _model(MODEL_OF[qid])(params)
    assert {k: params[k] for k in expected} == expected


def test_deepseek_v3_and_mistral_window_figures() -> None:
    """Figures not in reference_impl.models, checked against the published configs' values."""
    ds = BANK.get("model-deepseek-v3-mla-per-token").params
    assert (ds["L"], ds["c"], ds["r"]) == (61, 512, 64)  # num_hidden_layers, kv_lora_rank, qk_rope_head_dim
    assert BANK.get("model-mistral-window-cache").params["W"] == 4096  # sliding_window


def _crossover_tokens(model: str, batch: int, mlp_width: int | None) -> float:
    """Context length at which one layer's K/V bytes read in a decoding step equal its weight bytes."""
    m = get_model(model)
    weights = cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads, m.head_dim)
    if mlp_width is not None:
        weights += 3 * m.d_model * mlp_width  # gate, up and down projections of a SwiGLU MLP
    per_token = cost.kv_cache_bytes_per_token(1, m.n_kv_heads, m.head_dim, 1)  # one layer, per element
    return weights / (batch * per_token)


def test_the_crossover_explanation_figures() -> None:
    """kvc-crossover-symbolic: 20,480 tokens for the attention weights alone; ~106k (B=1), ~6.7k (B=16) with the MLP."""
    text = " ".join(BANK.get("kvc-crossover-symbolic").explanation.split())
    assert _crossover_tokens("Llama-3-8B", 1, None) == 20_480 and "20,480 tokens" in text
    assert "3 \\cdot 4096 \\cdot 14336" in text  # Llama-3-8B's intermediate_size
    with_mlp = _crossover_tokens("Llama-3-8B", 1, 14_336)
    assert with_mlp == 106_496 and "about 106,000 tokens at $B = 1$" in text
    assert round(_crossover_tokens("Llama-3-8B", 16, 14_336), -2) == 6_700 and "about 6,700" in text


def test_the_scale_explanation_lists_each_drawn_head_count() -> None:
    q = BANK.get("attn-scale-numeric")
    text = " ".join(q.explanation.split())
    for h in q.params["H"]:
        head = q.params["d"] // h
        assert f"give a head size of {head} and a scale of {1 / math.sqrt(head):.4f}" in text or (
            f"give {head} and {1 / math.sqrt(head):.4f}" in text
        ), h
    for seed in range(4):  # the drawn H is what the explanation names
        v = make_variant(q, seed)
        assert f"$d/H = {v.params['d']}/{v.params['H']}$" in v.explanation


def test_the_benchmark_flop_bound_is_1_7_to_1_8() -> None:
    """attn-benchmark-*: MHA vs MQA forward FLOPs per token at 512-1536 tokens (Llama-3-8B attention)."""
    d, h = 4096, 32
    ratios = [
        cost.prefill_flops(1, s, d, h, h) / cost.prefill_flops(1, s, d, h, 1) for s in (512, 1024, 1536)
    ]
    assert all(1.65 <= r <= 1.85 for r in ratios), ratios
    mqa_projections = cost.attention_params(d, h, 1) / d**2
    assert round(mqa_projections, 1) == 2.1  # x2 FLOPs per weight: 4.1d² + ...; MHA's 4d² weights give 8d²
    for qid in ("attn-benchmark-choice", "attn-benchmark-text"):
        text = " ".join(BANK.get(qid).explanation.split())
        assert "1.7–1.8×" in text and "$8d^2$" in text and "$4.1d^2$" in text, qid


def test_the_mqa_training_share_is_17_percent() -> None:
    d, h = 4096, 32
    kv_projections = cost.attention_params(d, h, h) - 2 * d * d  # 2d²
    layer = cost.attention_params(d, h, h) + 2 * d * (4 * d)  # four projections + a 4d-wide MLP
    assert kv_projections / cost.attention_params(d, h, h) == 0.5
    assert round(100 * kv_projections / layer) == 17
    text = " ".join(BANK.get("mqa-training-vs-inference").explanation.split())
    assert "about 17% of a layer's matmul FLOPs" in text


def test_the_head_size_figures_of_gemma_palm_and_mla() -> None:
    """mha-kv-params-variants names H·D for Gemma-7B and PaLM; attn-mla-choice compares per-head latents with MLA's 576."""
    palm = get_model("PaLM-540B")
    assert (palm.n_heads * palm.head_dim, palm.d_model) == (12_288, 18_432)
    gemma_7b = {"d": 3072, "H": 16, "D": 256}  # hidden_size, num_attention_heads, head_dim of google/gemma-7b
    assert gemma_7b["H"] * gemma_7b["D"] == 4096 > gemma_7b["d"]
    text = " ".join(BANK.get("mha-kv-params-variants").explanation.split())
    assert "$HD = 4096 > d = 3072$" in text and "$HD = 12{,}288 < d = 18{,}432$" in text
    ds = BANK.get("model-deepseek-v3-mla-per-token").params
    mla = BANK.get("attn-mla-choice")
    assert ds["c"] + ds["r"] == 576 and 128 * ds["c"] == 65_536
    assert any("128 × 512 = 65,536 numbers per token and layer instead of 576" in r.message for r in mla.feedback)


def test_the_tens_of_megabytes_options_are_each_a_real_slip() -> None:
    options = BANK.get("mqa-tens-of-megabytes").options
    right = cost.kv_cache_bytes(1, 100_000, 80, 1, 128, 2)
    one_layer = cost.kv_cache_bytes(1, 100_000, 1, 1, 128, 2)
    keys_only = right // 2
    mha = cost.kv_cache_bytes(1, 100_000, 80, 64, 128, 2)
    unit = {"MB": 1e6, "GB": 1e9}
    for size, label in ((right, "About 4 GB"), (one_layer, "About 51 MB"), (keys_only, "About 2 GB"),
                        (mha, "About 262 GB")):
        assert any(o.startswith(label + ":") for o in options), label
        _, number, suffix = label.split()
        assert abs(int(number) * unit[suffix] - size) / size < 0.03, (label, size)


def test_the_tens_of_megabytes_claim_is_about_4_gb() -> None:
    total = cost.kv_cache_bytes(1, 100_000, 80, 1, 128, 2)
    assert total == 4_096_000_000
    q = BANK.get("mqa-tens-of-megabytes-numeric")
    assert 100_000 in q.params["T"]


# --------------------------------------------------------------------------- symbolic


def _s(rename: dict[str, str]) -> tuple[dict[str, sympy.Expr], dict[str, sympy.Symbol]]:
    return cost.symbolic(rename), cost.cost_symbols(rename)


def _quiz3() -> sympy.Expr:
    f, s = _s({"d_model": "d", "n_heads": "H", "n_kv_heads": "G", "head_dim": "d_h"})
    return f["attention_params"] - 2 * s["d_model"] * s["n_heads"] * s["head_dim"]


def _mha_total() -> sympy.Expr:
    f, s = _s({"d_model": "d", "n_heads": "H", "n_kv_heads": "G", "head_dim": "d_h"})
    return f["attention_params"].subs(s["n_kv_heads"], s["n_heads"])


def _mqa_total() -> sympy.Expr:
    f, s = _s({"d_model": "d", "n_heads": "H"})
    return f["attention_params"].subs({s["n_kv_heads"]: 1, s["head_dim"]: s["d_model"] / s["n_heads"]})


def _cache_ratio() -> sympy.Expr:
    f, s = _s({"n_heads": "H", "n_kv_heads": "G"})
    per = f["kv_cache_bytes_per_token"]
    return per.subs(s["n_kv_heads"], s["n_heads"]) / per


def _param_saving() -> sympy.Expr:
    f, s = _s({"d_model": "d", "n_heads": "H", "n_kv_heads": "G", "head_dim": "d_h"})
    return f["attention_params"].subs(s["n_kv_heads"], s["n_heads"]) - f["attention_params"]


def _per_token() -> sympy.Expr:
    """Cross-layer sharing: L/s layers write a cache (groups of s layers share one)."""
    f, s = _s({"n_layers": "L", "n_kv_heads": "G", "head_dim": "D", "bytes_per_element": "e"})
    return f["kv_cache_bytes_per_token"].subs(s["n_layers"], s["n_layers"] / sympy.Symbol("s", positive=True))


def _whole_cache() -> sympy.Expr:
    f, _ = _s({"batch": "B", "seq_len": "T", "n_layers": "L", "n_kv_heads": "G", "head_dim": "D",
               "bytes_per_element": "e"})
    return f["kv_cache_bytes"]


_DECODE = {"batch": "B", "context_len": "S", "d_model": "d", "n_heads": "H", "n_kv_heads": "G",
           "head_dim": "D", "bytes_per_element": "e"}


def _decode_flops() -> sympy.Expr:
    # FLOPs = arithmetic intensity (FLOP per byte of K/V) x the K/V bytes one step reads.
    f, s = _s(_DECODE)
    kv_bytes = f["decode_step_bytes"] - f["attention_params"] * s["bytes_per_element"]
    return sympy.simplify(f["arithmetic_intensity"] * kv_bytes)


def _decode_bytes() -> sympy.Expr:
    f, _ = _s(_DECODE)
    return f["decode_step_bytes"]


def _crossover() -> sympy.Expr:
    f, s = _s(_DECODE)
    weights = f["attention_params"] * s["bytes_per_element"]
    cache = f["decode_step_bytes"] - weights
    (solution,) = sympy.solve(sympy.Eq(cache, weights), s["context_len"])
    return solution


def _prefill_attention_flops() -> sympy.Expr:
    f, s = _s({"batch": "B", "seq_len": "T", "n_heads": "H", "n_kv_heads": "G", "head_dim": "D"})
    return sympy.expand(f["prefill_flops"] - 2 * s["batch"] * s["seq_len"] * f["attention_params"])


def _scale() -> sympy.Expr:
    return 1 / sympy.sqrt(sympy.Symbol("d_head", positive=True))


SYMBOLIC: dict[str, Callable[[], sympy.Expr]] = {
    "quiz3-gqa-kv-params": _quiz3,
    "mha-total-params-symbolic": _mha_total,
    "mqa-total-params-symbolic": _mqa_total,
    "gqa-cache-ratio-symbolic": _cache_ratio,
    "gqa-param-saving-symbolic": _param_saving,
    "kvc-per-token-symbolic": _per_token,
    "kvc-whole-cache-symbolic": _whole_cache,
    "kvc-decode-attention-flops-symbolic": _decode_flops,
    "kvc-decode-bytes-symbolic": _decode_bytes,
    "kvc-crossover-symbolic": _crossover,
    "attn-prefill-flops-symbolic": _prefill_attention_flops,
    "attn-scale-symbolic": _scale,
}

SYMBOLIC_QUESTIONS = [q for q in QUESTIONS if isinstance(q, SymbolicQuestion)]


def test_every_symbolic_question_is_rebuilt() -> None:
    assert {q.id for q in SYMBOLIC_QUESTIONS} == set(SYMBOLIC)


@pytest.mark.parametrize("question", SYMBOLIC_QUESTIONS, ids=_ids(SYMBOLIC_QUESTIONS))
def test_symbolic_answer_matches_the_cost_formulas(question: SymbolicQuestion) -> None:
    expr = SYMBOLIC[question.id]()
    assert {str(s) for s in expr.free_symbols} <= set(question.symbols), expr
    result = grade(make_variant(question, 0), str(expr))
    assert result.status == "correct", (str(expr), result.expected, result.feedback)


# --------------------------------------------------------------------------- validate


def test_tutor_validate_is_clean_over_the_bank() -> None:
    """`tutor validate` (code questions are checked by their own tests: they need the sandbox)."""
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "validate", "--no-code", str(BANK_DIR)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout


# --------------------------------------------------------------------------- serving-era questions
#
# Paged and quantised caches, tensor parallelism, the roofline, FlashAttention, RoPE, sliding
# windows, speculative decoding and MLA: every number recomputed from the serving part of
# `reference_impl.cost`, added to the tables above so the same tests grade them.

SERVING_TAGS = ("paged-kv", "flash", "quantisation", "tensor-parallel", "roofline", "rope", "sliding-window",
                "speculative", "mla")
# The three requests of the paged-cache questions (tokens held by each).
_REQUESTS = (1000, 3000, 517)


def _llama3_8b_token_bytes() -> int:
    m = get_model("Llama-3-8B")
    return cost.kv_cache_bytes_per_token(m.n_layers, m.n_kv_heads, m.head_dim)


NUMERIC.update({
    # paged-kv
    "paged-blocks-per-sequence": lambda p: cost.paged_blocks(p["T"], p["b"]),
    "paged-internal-fragmentation": lambda p: (
        cost.paged_cache_bytes(_REQUESTS, p["b"], p["L"], p["G"], p["D"], p["e"])
        - sum(_REQUESTS) * cost.kv_cache_bytes_per_token(p["L"], p["G"], p["D"], p["e"])
    ),
    "paged-vs-contiguous-reservation": lambda p: (
        cost.kv_cache_bytes(len(_REQUESTS), p["M"], p["L"], p["G"], p["D"], p["e"])
        - sum(_REQUESTS) * cost.kv_cache_bytes_per_token(p["L"], p["G"], p["D"], p["e"])
    ),
    "paged-prefix-sharing-blocks": lambda p: cost.shared_prefix_blocks(p["P"], p["N"], p["n"], p["b"]),
    # flash
    "flash-scores-bytes": lambda p: cost.attention_scores_bytes(p["B"], p["H"], p["S"], p["e"]),
    "flash-causal-tiles": lambda p: cost.flash_tiles(p["T"], p["b"], p["b"], causal=True),
    "flash-q-reads": lambda p: math.ceil(p["N"] / cost.flash_block_sizes(p["M"], p["d"])[1]),
    "flash-online-softmax-merge": lambda p: cost.online_softmax_merge(p["m1"], p["l1"], p["m2"], p["l2"])[1],
})
MODEL_OF.update({
    "paged-internal-fragmentation": "Llama-3-8B",
    "paged-vs-contiguous-reservation": "Llama-3-8B",
})


def test_the_paged_questions_name_the_requests_the_numbers_use() -> None:
    for qid in ("paged-internal-fragmentation", "paged-vs-contiguous-reservation"):
        prompt = BANK.get(qid).prompt.replace(",", "")
        assert all(str(t) in prompt for t in _REQUESTS), qid


@pytest.mark.parametrize("tag", SERVING_TAGS)
def test_each_serving_topic_has_four_questions_of_two_kinds(tag: str) -> None:
    tagged = [q for q in QUESTIONS if tag in q.tags]
    assert len(tagged) >= 4, (tag, _ids(tagged))
    assert len({q.kind for q in tagged}) >= 2, (tag, _ids(tagged))


NUMERIC.update({
    # quantisation
    "quant-int8-bytes-per-token": lambda p: cost.quantised_kv_bytes_per_token(p["L"], p["G"], p["D"], 8),
    "quant-int4-group-bytes-per-token": lambda p: cost.quantised_kv_bytes_per_token(
        p["L"], p["G"], p["D"], 4, p["g"], 2, zero_point=True
    ),
    # bits per cached number = bytes per token * 8 / numbers per token
    "quant-effective-bits": lambda p: (
        cost.quantised_kv_bytes_per_token(1, 1, 128, 4, p["g"], 2, zero_point=True) * 8 / (2 * 128)
    ),
    "quant-capacity-gain": lambda p: (
        cost.kv_cache_bytes_per_token(1, 1, p["D"], 2)
        / cost.quantised_kv_bytes_per_token(1, 1, p["D"], 4, p["g"], 2, zero_point=True)
    ),
    # tensor-parallel
    "tp-per-gpu-cache-replicated": lambda p: cost.kv_cache_bytes_per_token_per_gpu(p["L"], p["G"], p["D"], p["t"], p["e"]),
    "tp-kv-replication": lambda p: cost.kv_head_replication(p["G"], p["t"]),
    "tp-llama3-70b-capacity": lambda p: cost.max_sequences(
        80 * 10**9, 2 * p["N"] // p["t"], p["T"], cost.kv_cache_bytes_per_token_per_gpu(p["L"], p["G"], p["D"], p["t"])
    ),
})
MODEL_OF.update({"tp-llama3-70b-capacity": "Llama-3-70B"})


def _llama_param_count(name: str) -> int:
    """Every weight of a Llama-style checkpoint: layers with their two norms, final norm, embedding, LM head."""
    m = get_model(name)
    assert m.d_ff is not None and m.vocab is not None
    per_layer = cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads, m.head_dim) + cost.mlp_params(m.d_model, m.d_ff)
    return m.n_layers * (per_layer + 2 * m.d_model) + m.d_model + 2 * m.vocab * m.d_model


def test_the_capacity_questions_use_the_published_parameter_counts() -> None:
    assert BANK.get("tp-llama3-70b-capacity").params["N"] == _llama_param_count("Llama-3-70B") == 70_553_706_496


def _quant_symbolic() -> sympy.Expr:
    f, _ = _s({"n_layers": "L", "n_kv_heads": "G", "head_dim": "D", "bits": "b", "group_size": "g",
               "scale_bytes": "s"})
    return f["quantised_kv_bytes_per_token"]


def _tp_symbolic() -> sympy.Expr:
    f, _ = _s({"n_layers": "L", "n_kv_heads": "G", "head_dim": "D", "bytes_per_element": "e", "tp": "t"})
    return f["kv_cache_bytes_per_token_per_gpu"]


SYMBOLIC.update({
    "quant-bytes-per-token-symbolic": _quant_symbolic,
    "tp-per-gpu-cache-symbolic": _tp_symbolic,
})


def _llama_decode_bytes(name: str) -> int:
    """Bytes of every weight one decoding step of a published model reads, in bf16."""
    m = get_model(name)
    assert m.d_ff is not None and m.vocab is not None
    return 2 * cost.decode_weight_params(m.n_layers, m.d_model, m.n_heads, m.n_kv_heads, m.d_ff, m.vocab, m.head_dim)


NUMERIC.update({
    # roofline
    "roofline-ridge-point": lambda p: cost.ridge_point(p["P"] * 1e12, p["W"] * 1e12),
    # the batch before rounding up: compute_bound_batch rounds; the question asks "about"
    "roofline-compute-bound-batch": lambda p: cost.ridge_point(p["P"] * 1e12, p["W"] * 1e12) * p["e"] / 2,
    "roofline-decode-floor-llama3-8b": lambda p: 1000 * cost.decode_step_floor(
        _llama_decode_bytes("Llama-3-8B"), cost.kv_cache_bytes(p["B"], p["S"], p["L"], p["G"], p["D"], 2), p["bw"]
    ),
    "roofline-llama3-8b-capacity": lambda p: cost.max_sequences(
        80 * 10**9, 2 * p["N"], p["T"], cost.kv_cache_bytes_per_token(p["L"], p["G"], p["D"], 2)
    ),
    # speculative
    "spec-expected-tokens": lambda p: cost.speculative_expected_tokens(p["a"], p["k"]),
    # verification appends k + 1 entries; the rejected k - n drafts are rolled back
    "spec-cache-rollback": lambda p: p["S"] + (p["k"] + 1) - (p["k"] - p["n"]),
    "spec-speedup": lambda p: cost.speculative_speedup(p["a"], p["k"], p["c"]),
})
MODEL_OF.update({"roofline-decode-floor-llama3-8b": "Llama-3-8B", "roofline-llama3-8b-capacity": "Llama-3-8B"})


def test_the_decode_floor_question_reads_the_published_mlp_and_vocab() -> None:
    p = BANK.get("roofline-decode-floor-llama3-8b").params
    m = get_model("Llama-3-8B")
    assert (p["F"], p["V"]) == (m.d_ff, m.vocab)
    assert BANK.get("roofline-llama3-8b-capacity").params["N"] == _llama_param_count("Llama-3-8B") == 8_030_261_248


def _compute_bound_batch() -> sympy.Expr:
    f, _ = _s({"peak_flops_per_s": "P", "bandwidth_bytes_per_s": "W", "bytes_per_element": "e"})
    return f["compute_bound_batch"]


def _verify_intensity() -> sympy.Expr:
    # k verified positions reuse every cached byte: k times one position's FLOPs per byte
    f, _ = _s({"n_heads": "H", "n_kv_heads": "G", "bytes_per_element": "e"})
    return sympy.Symbol("k", positive=True) * f["arithmetic_intensity"]


SYMBOLIC.update({
    "roofline-compute-bound-batch-symbolic": _compute_bound_batch,
    "spec-verify-intensity-symbolic": _verify_intensity,
})


NUMERIC.update({
    # rope
    "rope-left-padding-position": lambda p: p["n"],  # real tokens took positions 0 .. n - 1
    "rope-slowest-wavelength": lambda p: cost.rope_wavelength(p["D"], p["b"], p["D"] // 2 - 1),
    # sliding-window
    "window-rolling-slot": lambda p: cost.sliding_window_slot(p["p"], p["W"]),
    "window-receptive-field": lambda p: cost.sliding_window_span(p["L"], p["W"]),
    "window-prefill-pairs": lambda p: cost.sliding_window_pairs(p["T"], p["W"]),
})


def test_the_window_and_rope_questions_use_published_figures() -> None:
    assert BANK.get("window-receptive-field").params == {"L": 32, "W": 4096}  # Mistral-7B-v0.1
    assert get_model("Mistral-7B").n_layers == 32
    assert set(BANK.get("rope-slowest-wavelength").params["b"]) == {10_000, 500_000}  # Llama 2 and 3 rope_theta


def _mla_full_over_latent(p: dict) -> float:
    """Every head's full key (k_n + k_r) and value (v) against MLA's latent and rotary key, one layer."""
    full = p["H"] * (p["kn"] + p["kr"] + p["v"])
    return full / (cost.mla_cache_bytes_per_token(1, p["c"], p["kr"], 1))


NUMERIC.update({
    # mla
    "mla-vs-mha-cache-ratio": _mla_full_over_latent,
    "mla-absorbed-flops": lambda p: cost.mla_absorbed_flops_per_position(p["c"], p["r"]),
})


def _mla_groups() -> sympy.Expr:
    f, _ = _s({"kv_lora_rank": "c", "rope_head_dim": "r", "head_dim": "D"})
    return f["mla_gqa_equivalent_groups"]


SYMBOLIC.update({"mla-gqa-equivalent-symbolic": _mla_groups})


def test_the_mla_questions_use_deepseek_v3s_config() -> None:
    m = MLA_MODELS["DeepSeek-V3"]
    ratio = BANK.get("mla-vs-mha-cache-ratio").params
    assert ratio == {"H": m.n_heads, "kn": m.qk_nope_head_dim, "kr": m.qk_rope_head_dim, "v": m.v_head_dim,
                     "c": m.kv_lora_rank}
    flops = BANK.get("mla-absorbed-flops").params
    assert flops == {"c": m.kv_lora_rank, "r": m.qk_rope_head_dim, "kn": m.qk_nope_head_dim, "v": m.v_head_dim}


def test_the_serving_questions_take_the_bank_past_180() -> None:
    serving = [q for q in QUESTIONS if "serving" in q.tags]
    assert len(serving) >= 60, len(serving)
    assert len(QUESTIONS) >= 180, len(QUESTIONS)
    assert all(set(q.tags) & set(SERVING_TAGS) for q in serving), [q.id for q in serving if not set(q.tags) & set(SERVING_TAGS)]


NUMERIC.update({
    # masking
    "mask-fp16-max": lambda p: cost.float_max(p["e"], p["m"]),
})
