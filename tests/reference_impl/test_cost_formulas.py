"""cost: the published Llama-3-8B figures, the sympy forms equal the functions, bad input is named."""

from __future__ import annotations

import pytest
import sympy

from reference_impl import cost
from reference_impl.models import MODELS, get_model


def test_llama3_8b_figures() -> None:
    m = get_model("Llama-3-8B")
    assert cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads) == 41_943_040
    assert cost.kv_cache_bytes_per_token(m.n_layers, m.n_kv_heads, m.head_dim) == 131_072
    # 8k tokens of one sequence: 1 GiB in bf16
    assert cost.kv_cache_bytes(1, 8192, m.n_layers, m.n_kv_heads, m.head_dim) == 2**30


def test_kv_heads_scale_the_cache_linearly() -> None:
    mha = cost.kv_cache_bytes_per_token(32, 32, 128)
    assert mha == 4 * cost.kv_cache_bytes_per_token(32, 8, 128)
    assert mha == 32 * cost.kv_cache_bytes_per_token(32, 1, 128)


def test_prefill_flops_by_hand() -> None:
    # d=8, H=2, G=1, D=4, B=1, T=3: params 8*8 + 2*8*4 + 8*8 = 192
    assert cost.attention_params(8, 2, 1) == 192
    projections = 2 * 3 * 192
    assert cost.prefill_flops(1, 3, 8, 2, 1) == projections + 2 * 2 * 2 * 9 * 4
    assert cost.prefill_flops(1, 3, 8, 2, 1, causal=True) == projections + 2 * 2 * 2 * 6 * 4


def test_decode_step_bytes_is_weights_plus_kv() -> None:
    weights = 41_943_040 * 2
    kv = 16 * 4096 * 2 * 8 * 128 * 2
    assert cost.decode_step_bytes(16, 4096, 4096, 32, 8) == weights + kv


def test_min_step_time_and_intensity() -> None:
    assert cost.min_step_time(3.35e12, 3.35e12) == 1.0
    assert cost.arithmetic_intensity(32, 32) == 1.0
    assert cost.arithmetic_intensity(32, 8) == 4.0
    assert cost.arithmetic_intensity(32, 1) == 32.0
    assert cost.arithmetic_intensity(32, 8, bytes_per_element=4) == 2.0


@pytest.mark.parametrize("model", sorted(MODELS))
def test_symbolic_forms_equal_the_functions(model: str) -> None:
    m = MODELS[model]
    values = dict(
        d_model=m.d_model, n_heads=m.n_heads, n_kv_heads=m.n_kv_heads, head_dim=m.head_dim,
        batch=4, seq_len=1000, context_len=3000, n_layers=m.n_layers, bytes_per_element=2,
        bytes_moved=10**9, bandwidth_bytes_per_s=2 * 10**12,
    )
    symbols = cost.cost_symbols()
    exprs = cost.symbolic()
    at = {symbols[name]: value for name, value in values.items()}
    hd = dict(head_dim=m.head_dim)
    expected = {
        "attention_params": cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads, **hd),
        "attention_params_bias": cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads, **hd, bias=True),
        "kv_cache_bytes_per_token": cost.kv_cache_bytes_per_token(m.n_layers, m.n_kv_heads, m.head_dim),
        "kv_cache_bytes": cost.kv_cache_bytes(4, 1000, m.n_layers, m.n_kv_heads, m.head_dim),
        "prefill_flops": cost.prefill_flops(4, 1000, m.d_model, m.n_heads, m.n_kv_heads, **hd),
        "prefill_flops_causal": cost.prefill_flops(4, 1000, m.d_model, m.n_heads, m.n_kv_heads, **hd, causal=True),
        "decode_step_bytes": cost.decode_step_bytes(4, 3000, m.d_model, m.n_heads, m.n_kv_heads, **hd),
        "min_step_time": cost.min_step_time(10**9, 2 * 10**12),
        "arithmetic_intensity": cost.arithmetic_intensity(m.n_heads, m.n_kv_heads),
    }
    # the serving formulas are checked in test_cost_serving.py, which also checks that the two
    # tests together cover every key
    assert set(expected) <= set(exprs)
    for name, value in expected.items():
        assert exprs[name].subs(at) == sympy.nsimplify(value), name


def test_symbols_are_positive_and_renamable() -> None:
    exprs = cost.symbolic({"n_heads": "h", "n_kv_heads": "g"})
    h, g = sympy.Symbol("h", positive=True), sympy.Symbol("g", positive=True)
    assert exprs["arithmetic_intensity"].subs(sympy.Symbol("bytes_per_element", positive=True), 2) == h / g
    assert all(s.is_positive for s in exprs["decode_step_bytes"].free_symbols)
    with pytest.raises(ValueError, match="unknown parameters"):
        cost.symbolic({"heads": "h"})


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: cost.attention_params(4096, 32, 6), "n_kv_heads=6 must divide n_heads=32"),
        (lambda: cost.attention_params(100, 3, 1), "pass head_dim"),
        (lambda: cost.kv_cache_bytes(0, 10, 1, 1, 1), "batch must be a positive integer, got 0"),
        (lambda: cost.min_step_time(10, 0), "bandwidth_bytes_per_s must be positive"),
        (lambda: cost.kv_cache_bytes_per_token(32, 8, 128, bytes_per_element=True), "bytes_per_element"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_model_table() -> None:
    assert get_model("Llama-2-7B").kind == "MHA"
    assert get_model("Falcon-7B").kind == "MQA"
    assert get_model("Llama-3-70B").group_size == 8
    for m in MODELS.values():
        # every entry is consistent with the cost module's own checks
        assert cost.attention_params(m.d_model, m.n_heads, m.n_kv_heads, m.head_dim) > 0
    with pytest.raises(KeyError, match="unknown model 'GPT-5'"):
        get_model("GPT-5")


def test_sliding_window_caps_the_cache() -> None:
    from reference_impl.models import cache_bytes

    mistral = get_model("Mistral-7B")
    assert mistral.sliding_window == 4096
    per_token = cost.kv_cache_bytes_per_token(32, 8, 128)
    assert cache_bytes(mistral, 2, 1000) == 2 * 1000 * per_token
    assert cache_bytes(mistral, 2, 32768) == 2 * 4096 * per_token  # flat after the window
    assert cache_bytes(mistral, 2, 32768, window=False) == cost.kv_cache_bytes(2, 32768, 32, 8, 128)
    assert cache_bytes(mistral, 2, 32768, n_kv_heads=32, window=False) == cost.kv_cache_bytes(2, 32768, 32, 32, 128)
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        cache_bytes(mistral, 0, 10)


def test_mla_cache_counts_the_latent_and_the_rope_key() -> None:
    from reference_impl.models import MLA_MODELS, cache_bytes, cache_bytes_per_token

    ds = MLA_MODELS["DeepSeek-V3"]
    assert ds.kind == "MLA"
    assert cache_bytes_per_token(ds, 2) == cost.mla_cache_bytes_per_token(61, 512, 64, 2) == 61 * 576 * 2
    # the MHA cache MLA replaces: keys of 128 + 64, values of 128, for each of the 128 heads
    assert cache_bytes_per_token(ds, 2, n_kv_heads=128) == 61 * 128 * (192 + 128) * 2
    assert cache_bytes(ds, 1, 1000, 1) == 1000 * 61 * 576


def test_weight_bytes_reads_the_activated_parameters() -> None:
    from reference_impl.models import MLA_MODELS, all_models, weight_bytes

    assert weight_bytes(get_model("Llama-3-8B"), 2) == 2 * 8_030_261_248
    assert weight_bytes(MLA_MODELS["DeepSeek-V3"], 1) == 37_000_000_000  # mixture of experts
    assert all(weight_bytes(m) > 0 for m in all_models().values() if m.n_params)
    # the published count agrees with the formula over the config to within embeddings and norms
    llama = get_model("Llama-3-8B")
    formula = cost.decode_weight_params(32, 4096, 32, 8, 14336, vocab=128256, head_dim=128)
    assert 0 < llama.n_params - formula == 128256 * 4096 + 65 * 4096  # input embedding + 65 norm vectors
