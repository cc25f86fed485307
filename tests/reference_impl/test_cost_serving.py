"""cost, serving part: every formula checked against tensors built and counted, or by enumeration.

The tensors are small (or on the meta device, which allocates nothing), so this file stays fast.
"""

from __future__ import annotations

import itertools
import math

import pytest
import sympy
import torch
from torch import nn

from reference_impl import cost
from reference_impl.models import MLA_MODELS, get_model


def _bytes(*tensors: torch.Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


# --------------------------------------------------------------------------- whole-model weights


def _llama_params_on_meta(name: str) -> tuple[int, int]:
    """(decode-read weights, all weights) of a Llama-style model, counted from nn modules on meta."""
    m = get_model(name)
    assert m.d_ff is not None and m.vocab is not None
    with torch.device("meta"):
        layer = nn.ModuleDict({
            "q": nn.Linear(m.d_model, m.n_heads * m.head_dim, bias=False),
            "k": nn.Linear(m.d_model, m.n_kv_heads * m.head_dim, bias=False),
            "v": nn.Linear(m.d_model, m.n_kv_heads * m.head_dim, bias=False),
            "o": nn.Linear(m.n_heads * m.head_dim, m.d_model, bias=False),
            "gate": nn.Linear(m.d_model, m.d_ff, bias=False),
            "up": nn.Linear(m.d_model, m.d_ff, bias=False),
            "down": nn.Linear(m.d_ff, m.d_model, bias=False),
        })
        norms = 2 * m.d_model  # two RMSNorm weights per layer
        lm_head = nn.Linear(m.d_model, m.vocab, bias=False)
        embedding = nn.Embedding(m.vocab, m.d_model)
    per_layer = sum(p.numel() for p in layer.parameters())
    read = m.n_layers * per_layer + lm_head.weight.numel()
    total = m.n_layers * (per_layer + norms) + m.d_model + lm_head.weight.numel() + embedding.weight.numel()
    return read, total


@pytest.mark.parametrize("name,published", [("Llama-3-8B", 8_030_261_248), ("Llama-3-70B", 70_553_706_496)])
def test_decode_weights_count_the_mlp_and_lm_head(name: str, published: int) -> None:
    m = get_model(name)
    read, total = _llama_params_on_meta(name)
    assert total == published  # the parameter count of the released checkpoint
    assert cost.decode_weight_params(m.n_layers, m.d_model, m.n_heads, m.n_kv_heads, m.d_ff, m.vocab) == read
    assert cost.mlp_params(m.d_model, m.d_ff) == 3 * m.d_model * m.d_ff
    assert cost.mlp_params(m.d_model, m.d_ff, gated=False) == 2 * m.d_model * m.d_ff


def test_decode_step_floor_is_all_bytes_over_bandwidth() -> None:
    m = get_model("Llama-3-8B")
    weights = cost.decode_weight_params(m.n_layers, m.d_model, m.n_heads, m.n_kv_heads, m.d_ff, m.vocab) * 2
    kv = torch.empty(m.n_layers, 2, 8, m.n_kv_heads, 4096, m.head_dim, dtype=torch.bfloat16, device="meta")
    assert cost.kv_cache_bytes(8, 4096, m.n_layers, m.n_kv_heads, m.head_dim) == _bytes(kv)
    assert cost.decode_step_floor(weights, _bytes(kv), 2e12) == pytest.approx((weights + _bytes(kv)) / 2e12)
    with pytest.raises(ValueError, match="negative"):
        cost.decode_step_floor(-1, 0, 1e12)


def test_max_sequences_fill_the_memory_left_by_the_weights() -> None:
    # Fill a toy "GPU" of 10,000 bytes holding 1,000 bytes of weights with 7-token sequences at
    # 64 bytes per token, counting the cache tensors as they are allocated.
    memory, weights, per_token, seq_len = 10_000, 1_000, 64, 7
    used, fitted = weights, 0
    while True:
        seq = torch.empty(seq_len, per_token, dtype=torch.uint8)
        if used + _bytes(seq) > memory:
            break
        used += _bytes(seq)
        fitted += 1
    assert cost.max_sequences(memory, weights, seq_len, per_token) == fitted == 20
    assert cost.max_sequences(1_000, 2_000, 7, 64) == 0


# --------------------------------------------------------------------------- roofline


def test_weight_matmul_intensity_counts_flops_and_bytes_of_a_real_matmul() -> None:
    d_in, d_out = 64, 48
    w = torch.randn(d_in, d_out, dtype=torch.bfloat16)
    for batch in (1, 3, 16):
        flops = 2 * batch * d_in * d_out  # one multiply-add per weight per token
        assert cost.weight_matmul_intensity(batch, w.element_size()) == flops / _bytes(w)


def test_ridge_point_and_compute_bound_batch() -> None:
    assert cost.ridge_point(989e12, 3.35e12) == pytest.approx(295.22, abs=0.01)
    batch = cost.compute_bound_batch(989e12, 3.35e12, 2)
    assert cost.weight_matmul_intensity(batch, 2) >= cost.ridge_point(989e12, 3.35e12)
    assert cost.weight_matmul_intensity(batch - 1, 2) < cost.ridge_point(989e12, 3.35e12)
    assert cost.compute_bound_batch(100.0, 1.0, 1) == 50
    with pytest.raises(ValueError, match="bandwidth_bytes_per_s must be a positive number"):
        cost.ridge_point(1.0, 0)


# --------------------------------------------------------------------------- paged cache


def _allocate_pages(seq_lens: list[int], block: int, L: int, G: int, D: int) -> tuple[torch.Tensor, list[list[int]]]:
    """A paged K/V pool with exactly the blocks the sequences need, filled token by token."""
    tables: list[list[int]] = []
    next_free = 0
    for t in seq_lens:
        table = []
        for position in range(t):
            if position % block == 0:
                table.append(next_free)
                next_free += 1
        tables.append(table)
    pool = torch.zeros(next_free, L, 2, block, G, D, dtype=torch.float16)
    return pool, tables


@pytest.mark.parametrize("seq_lens,block", [([1, 16, 17, 33], 16), ([5, 9], 4), ([100], 32), ([7, 7, 7], 1)])
def test_paged_cache_counts_allocated_blocks(seq_lens: list[int], block: int) -> None:
    L, G, D = 2, 2, 4
    pool, tables = _allocate_pages(seq_lens, block, L, G, D)
    for t, table in zip(seq_lens, tables):
        assert cost.paged_blocks(t, block) == len(table)
        assert cost.paged_wasted_slots(t, block) == len(table) * block - t < block
    assert cost.paged_cache_bytes(seq_lens, block, L, G, D, 2) == _bytes(pool)


def test_shared_prefix_blocks_by_copy_on_write() -> None:
    """Simulate reference-counted blocks: shared prompt blocks, copy-on-write at the first write."""
    for prompt, gen, n, block in itertools.product((1, 15, 16, 17, 40), (0, 1, 15, 30), (1, 2, 4), (4, 16)):
        blocks = {}  # block id -> (refcount, filled slots)
        next_id = 0
        prompt_table = []
        for position in range(prompt):
            if position % block == 0:
                prompt_table.append(next_id)
                blocks[next_id] = [n, 0]
                next_id += 1
            blocks[prompt_table[-1]][1] += 1
        tables = [list(prompt_table) for _ in range(n)]
        for table in tables:
            for _ in range(gen):
                last = table[-1]
                if blocks[last][1] == block:  # full: a fresh block
                    table.append(next_id)
                    blocks[next_id] = [1, 0]
                    next_id += 1
                elif blocks[last][0] > 1:  # shared and partly filled: copy on write
                    blocks[last][0] -= 1
                    table[-1] = next_id
                    blocks[next_id] = [1, blocks[last][1]]
                    next_id += 1
                blocks[table[-1]][1] += 1
        live = {b for table in tables for b in table}
        assert cost.shared_prefix_blocks(prompt, gen, n, block) == len(live), (prompt, gen, n, block)


# --------------------------------------------------------------------------- quantised cache


def _quantise(x: torch.Tensor, bits: int, group: int, zero_point: bool) -> list[torch.Tensor]:
    """Group-wise quantisation along the last axis: integer codes (packed for 4 bits) and fp16 scales."""
    *lead, d = x.shape
    g = x.reshape(*lead, d // group, group)
    if zero_point:
        lo, hi = g.amin(-1, keepdim=True), g.amax(-1, keepdim=True)
        scale = (hi - lo) / (2**bits - 1)
        codes = ((g - lo) / scale).round().clamp(0, 2**bits - 1).to(torch.uint8)
        stored = [scale.half(), lo.half()]
    else:
        scale = g.abs().amax(-1, keepdim=True) / (2 ** (bits - 1) - 1)
        codes = (g / scale).round().to(torch.int8)
        stored = [scale.half()]
    codes = codes.reshape(*lead, d)
    if bits == 4:  # two codes per byte
        u = (codes.to(torch.int16) & 0xF).to(torch.uint8)
        codes = u[..., 0::2] | (u[..., 1::2] << 4)
    return [codes, *stored]


@pytest.mark.parametrize(
    "bits,group,zero_point", [(8, None, False), (8, 32, False), (4, 32, True), (4, 128, False), (4, 64, True)]
)
def test_quantised_bytes_per_token_count_codes_and_scales(bits: int, group: int | None, zero_point: bool) -> None:
    L, G, D, T = 3, 2, 128, 5
    k = torch.randn(L, G, T, D)
    v = torch.randn(L, G, T, D)
    stored = _quantise(k, bits, group or D, zero_point) + _quantise(v, bits, group or D, zero_point)
    per_token = _bytes(*stored) / T
    assert cost.quantised_kv_bytes_per_token(L, G, D, bits, group, 2, zero_point) == per_token


def test_fp8_with_a_per_tensor_scale_halves_the_bf16_cache() -> None:
    assert cost.quantised_kv_bytes_per_token(32, 8, 128, 8, scale_bytes=0) * 2 == cost.kv_cache_bytes_per_token(
        32, 8, 128, 2
    )
    with pytest.raises(ValueError, match="group_size=48 must divide head_dim=128"):
        cost.quantised_kv_bytes_per_token(32, 8, 128, 4, 48)


# --------------------------------------------------------------------------- tensor parallelism


def _shard_kv_heads(G: int, H: int, tp: int) -> list[set[int]]:
    """The KV heads each GPU needs: the ones its H/tp contiguous query heads read."""
    per_gpu = H // tp
    return [{q // (H // G) for q in range(r * per_gpu, (r + 1) * per_gpu)} for r in range(tp)]


@pytest.mark.parametrize("G,H,tp", [(8, 64, 1), (8, 64, 4), (8, 64, 8), (8, 64, 16), (1, 32, 8), (4, 32, 8), (2, 8, 2)])
def test_kv_heads_per_gpu_follow_the_query_heads(G: int, H: int, tp: int) -> None:
    needed = _shard_kv_heads(G, H, tp)
    assert {len(s) for s in needed} == {cost.kv_heads_per_gpu(G, tp)}
    copies = [sum(head in s for s in needed) for head in range(G)]
    assert set(copies) == {cost.kv_head_replication(G, tp)}
    L, D, T = 2, 4, 3
    per_gpu_cache = torch.empty(L, 2, len(needed[0]), T, D, dtype=torch.bfloat16)
    assert cost.kv_cache_bytes_per_token_per_gpu(L, G, D, tp) * T == _bytes(per_gpu_cache)


def test_llama3_70b_at_tp16_replicates_each_kv_head_twice() -> None:
    m = get_model("Llama-3-70B")
    assert cost.kv_head_replication(m.n_kv_heads, 16) == 2
    assert cost.kv_cache_bytes_per_token_per_gpu(m.n_layers, m.n_kv_heads, m.head_dim, 16) == 40_960
    assert cost.kv_cache_bytes_per_token_per_gpu(m.n_layers, m.n_kv_heads, m.head_dim, 8) == 40_960
    with pytest.raises(ValueError, match="tp=3 must divide n_kv_heads=8"):
        cost.kv_heads_per_gpu(8, 3)


# --------------------------------------------------------------------------- MLA


@pytest.mark.parametrize("name", sorted(MLA_MODELS))
def test_mla_cache_counts_the_latent_and_the_rope_key(name: str) -> None:
    m = MLA_MODELS[name]
    T = 3
    latent = torch.empty(m.n_layers, T, m.kv_lora_rank, dtype=torch.bfloat16, device="meta")
    rope_key = torch.empty(m.n_layers, T, m.qk_rope_head_dim, dtype=torch.bfloat16, device="meta")
    per_token = _bytes(latent, rope_key) // T
    assert cost.mla_cache_bytes_per_token(m.n_layers, m.kv_lora_rank, m.qk_rope_head_dim) == per_token
    # the GQA cache of the same size has (c + r) / (2 D) KV heads of size D
    gqa_heads = cost.mla_gqa_equivalent_groups(m.kv_lora_rank, m.qk_rope_head_dim, m.qk_nope_head_dim)
    assert gqa_heads == 2.25  # DeepSeek-V2 paper, Table 1: "equal to GQA with only 2.25 groups"
    assert cost.kv_cache_bytes_per_token(m.n_layers, 9, m.qk_nope_head_dim) == 4 * per_token


def test_deepseek_v3_mla_is_70272_bytes_per_token() -> None:
    m = MLA_MODELS["DeepSeek-V3"]
    assert (m.n_layers, m.kv_lora_rank, m.qk_rope_head_dim) == (61, 512, 64)
    assert cost.mla_cache_bytes_per_token(m.n_layers, m.kv_lora_rank, m.qk_rope_head_dim) == 70_272


def test_mla_absorption_gives_the_same_output_and_its_flops_are_counted() -> None:
    """Tiny MLA decode step both ways: decompressed K/V per head, and W_UK/W_UV absorbed."""
    torch.manual_seed(0)
    h, c, r, kn, dv, n = 3, 8, 4, 5, 6, 7
    latent = torch.randn(n, c, dtype=torch.float64)  # cached c_KV
    k_rope = torch.randn(n, r, dtype=torch.float64)  # cached rotary key, shared by heads
    w_uk = torch.randn(h, c, kn, dtype=torch.float64)
    w_uv = torch.randn(h, c, dv, dtype=torch.float64)
    q_nope = torch.randn(h, kn, dtype=torch.float64)
    q_rope = torch.randn(h, r, dtype=torch.float64)
    # decompressed: per-head keys and values for every position
    keys = torch.einsum("nc,hck->hnk", latent, w_uk)
    values = torch.einsum("nc,hcv->hnv", latent, w_uv)
    scores = torch.einsum("hk,hnk->hn", q_nope, keys) + torch.einsum("hr,nr->hn", q_rope, k_rope)
    out = torch.einsum("hn,hnv->hv", scores.softmax(-1), values)
    # absorbed: the query moves into the latent space, the output leaves it once per head
    q_latent = torch.einsum("hk,hck->hc", q_nope, w_uk)
    scores_abs = torch.einsum("hc,nc->hn", q_latent, latent) + torch.einsum("hr,nr->hn", q_rope, k_rope)
    out_latent = torch.einsum("hn,nc->hc", scores_abs.softmax(-1), latent)
    out_abs = torch.einsum("hc,hcv->hv", out_latent, w_uv)
    assert torch.allclose(out, out_abs)
    # multiply-adds per head and cached position in the three per-position einsums above
    macs = (q_latent.shape[1] * latent.shape[0] + q_rope.shape[1] * k_rope.shape[0] + latent.numel()) / n
    assert cost.mla_absorbed_flops_per_position(c, r) == 2 * macs == 2 * (2 * c + r)


# --------------------------------------------------------------------------- speculative decoding


@pytest.mark.parametrize("alpha,gamma", [(0.0, 3), (0.6, 1), (0.8, 4), (0.9, 7), (1.0, 5)])
def test_speculative_expected_tokens_by_enumeration(alpha: float, gamma: int) -> None:
    """Sum over every accept/reject pattern of the drafts: tokens = accepted prefix + 1."""
    expected = 0.0
    for pattern in itertools.product((True, False), repeat=gamma):
        p = math.prod(alpha if ok else 1 - alpha for ok in pattern)
        accepted = next((i for i, ok in enumerate(pattern) if not ok), gamma)
        expected += p * (accepted + 1)
    assert cost.speculative_expected_tokens(alpha, gamma) == pytest.approx(expected)
    assert cost.speculative_speedup(alpha, gamma, 0.0) == pytest.approx(expected)
    assert cost.speculative_speedup(alpha, gamma, 0.1) == pytest.approx(expected / (0.1 * gamma + 1))


# --------------------------------------------------------------------------- sliding window


@pytest.mark.parametrize("T,W", [(1, 4), (4, 4), (5, 4), (11, 4), (9, 16)])
def test_rolling_buffer_holds_the_last_w_positions(T: int, W: int) -> None:
    buffer = torch.full((W,), -1)
    for position in range(T):
        buffer[cost.sliding_window_slot(position, W)] = position
    held = sorted(int(p) for p in buffer if p >= 0)
    assert held == list(range(max(0, T - W), T))
    assert len(held) == cost.sliding_window_cached(T, W)


@pytest.mark.parametrize("T,W", [(1, 4), (4, 4), (5, 4), (37, 8), (3, 16)])
def test_sliding_window_pairs_count_the_mask(T: int, W: int) -> None:
    i = torch.arange(T)
    mask = ((i[:, None] - i[None, :]) >= 0) & ((i[:, None] - i[None, :]) < W)
    assert cost.sliding_window_pairs(T, W) == int(mask.sum())


def test_sliding_window_span_is_mistrals_131k() -> None:
    assert cost.sliding_window_span(32, 4096) == 131_072
    # exact reach through L stacked windows of W (each step back at most W - 1) by composing masks
    L, W, T = 3, 4, 20
    i = torch.arange(T)
    mask = ((i[:, None] - i[None, :]) >= 0) & ((i[:, None] - i[None, :]) < W)
    reach = mask.clone().int()
    for _ in range(L - 1):
        reach = ((reach @ mask.int()) > 0).int()
    assert int(reach[-1].nonzero().min()) == T - 1 - L * (W - 1)
    assert L * (W - 1) < cost.sliding_window_span(L, W)


# --------------------------------------------------------------------------- RoPE


@pytest.mark.parametrize("D,base", [(8, 10_000.0), (128, 10_000.0), (128, 500_000.0)])
def test_rope_wavelength_is_where_the_rotation_comes_round(D: int, base: float) -> None:
    """Rotate a 2-d pair position by position (as RoPE does) and time a full turn of its angle."""
    for pair in (0, 1, D // 2 - 1):
        theta = base ** (-2 * pair / D)
        rotation = torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]],
                                dtype=torch.float64)
        wavelength = cost.rope_wavelength(D, base, pair)
        if wavelength > 2e3:
            # too many positions to step through: check one position's turn times the wavelength
            assert theta * wavelength == pytest.approx(2 * math.pi)
            continue
        x = torch.tensor([1.0, 0.0], dtype=torch.float64)
        turned, m = 0.0, 0
        while turned < 2 * math.pi:
            y = rotation @ x
            turned += math.atan2(x[0] * y[1] - x[1] * y[0], x @ y)
            x, m = y, m + 1
        assert m - 1 < wavelength <= m
    with pytest.raises(ValueError, match="pair must be an integer"):
        cost.rope_wavelength(128, 10_000.0, 64)


# --------------------------------------------------------------------------- FlashAttention


def test_scores_bytes_is_the_materialised_matrix() -> None:
    q = torch.randn(2, 3, 5, 4, dtype=torch.float16)
    scores = q @ q.transpose(-1, -2)
    assert cost.attention_scores_bytes(2, 3, 5, 2) == _bytes(scores)


@pytest.mark.parametrize("T,bq,bk", [(8, 2, 2), (10, 4, 4), (16, 4, 8), (17, 8, 4), (5, 8, 8)])
def test_flash_tiles_match_a_tiled_loop_over_the_causal_mask(T: int, bq: int, bk: int) -> None:
    i = torch.arange(T)
    causal = i[:, None] >= i[None, :]
    computed_all, computed_causal = 0, 0
    for q0 in range(0, T, bq):
        for k0 in range(0, T, bk):
            computed_all += 1
            computed_causal += bool(causal[q0 : q0 + bq, k0 : k0 + bk].any())
    assert cost.flash_tiles(T, bq, bk) == computed_all
    assert cost.flash_tiles(T, bq, bk, causal=True) == computed_causal


def test_online_softmax_merge_equals_the_softmax_of_the_whole_row() -> None:
    torch.manual_seed(0)
    scores = torch.randn(40, dtype=torch.float64) * 3
    m, l = float("-inf"), 0.0
    for block in scores.split(7):
        block_max = float(block.max())
        m, l = cost.online_softmax_merge(m, l, block_max, float(torch.exp(block - block_max).sum()))
    assert m == float(scores.max())
    assert l == pytest.approx(float(torch.exp(scores - scores.max()).sum()))
    with pytest.raises(ValueError, match="not negative"):
        cost.online_softmax_merge(0.0, -1.0, 0.0, 1.0)


def test_flash_block_sizes_fill_the_sram() -> None:
    # M = 100 KiB of fp16 = 51,200 elements... the paper's recipe with M in elements
    assert cost.flash_block_sizes(51_200, 128) == (100, 100)
    assert cost.flash_block_sizes(65_536, 64) == (64, 256)
    br, bc = cost.flash_block_sizes(65_536, 64)
    # Q_i, K_j, V_j and O_i blocks together stay within M
    assert br * 64 + 2 * bc * 64 + br * 64 <= 65_536


# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize("dtype,bits", [(torch.float16, (5, 10)), (torch.bfloat16, (8, 7)), (torch.float32, (8, 23))])
def test_float_max_is_torchs_finfo(dtype: torch.dtype, bits: tuple[int, int]) -> None:
    assert cost.float_max(*bits) == torch.finfo(dtype).max
    # one step further overflows: adding the mask value twice in fp16 gives -inf
    if dtype == torch.float16:
        m = torch.tensor(-cost.float_max(*bits), dtype=dtype)
        assert torch.isinf(m + m)


# --------------------------------------------------------------------------- the sympy forms


def test_serving_symbolic_forms_equal_the_functions() -> None:
    s = cost.cost_symbols()
    f = cost.symbolic()
    values = {
        "d_model": 4096, "n_heads": 32, "n_kv_heads": 8, "head_dim": 128, "batch": 16, "seq_len": 1000,
        "n_layers": 32, "bytes_per_element": 2, "bandwidth_bytes_per_s": 3 * 10**12, "d_ff": 14336, "tp": 4,
        "bits": 4, "group_size": 32, "scale_bytes": 2, "kv_lora_rank": 512, "rope_head_dim": 64,
        "peak_flops_per_s": 900 * 10**12, "alpha": sympy.Rational(4, 5), "gamma": 4,
        "cost_ratio": sympy.Rational(1, 20), "window": 4096,
    }
    at = {s[k]: v for k, v in values.items()}
    expected = {
        "mlp_params": cost.mlp_params(4096, 14336),
        "kv_cache_bytes_per_token_per_gpu": cost.kv_cache_bytes_per_token_per_gpu(32, 8, 128, 4),
        "quantised_kv_bytes_per_token": cost.quantised_kv_bytes_per_token(32, 8, 128, 4, 32, 2),
        "mla_cache_bytes_per_token": cost.mla_cache_bytes_per_token(32, 512, 64),
        "mla_gqa_equivalent_groups": cost.mla_gqa_equivalent_groups(512, 64, 128),
        "ridge_point": cost.ridge_point(900e12, 3e12),
        "weight_matmul_intensity": cost.weight_matmul_intensity(16, 2),
        "compute_bound_batch": cost.compute_bound_batch(900e12, 3e12, 2),
        "speculative_expected_tokens": cost.speculative_expected_tokens(0.8, 4),
        "speculative_speedup": cost.speculative_speedup(0.8, 4, 0.05),
        "sliding_window_span": cost.sliding_window_span(32, 4096),
        "attention_scores_bytes": cost.attention_scores_bytes(16, 32, 1000, 2),
    }
    for name, value in expected.items():
        assert float(f[name].subs(at)) == pytest.approx(value), name
    core = {
        "attention_params", "attention_params_bias", "kv_cache_bytes_per_token", "kv_cache_bytes",
        "prefill_flops", "prefill_flops_causal", "decode_step_bytes", "min_step_time", "arithmetic_intensity",
    }  # checked model by model in test_cost_formulas.py
    assert set(f) == core | set(expected)
