"""Cost formulas for one attention layer: parameters, FLOPs, bytes and the bandwidth bound.

Pure Python on purpose (no torch): the question bank recomputes every numeric answer from these
functions, and ``symbolic()`` gives the same formulas as sympy expressions so symbolic answers
come from the same place. Every function counts **one layer** unless its name says otherwise.

Symbols (and parameter names) used throughout:

========================  ===================================================
``batch``                  B, sequences decoded or prefilled together
``seq_len``                T, tokens in a prefill
``context_len``            S, cached positions one decoding step reads
``d_model``                d, width of the residual stream
``n_heads``                H, query heads
``n_kv_heads``             G, key/value heads (H = MHA, 1 = MQA, between = GQA)
``head_dim``               D, size of one head; defaults to ``d_model // n_heads``
``n_layers``               L
``bytes_per_element``      e, 2 for bf16/fp16, 4 for fp32
========================  ===================================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _non_negative(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _head_dim(d_model: int, n_heads: int, n_kv_heads: int, head_dim: int | None) -> int:
    """Validate the head counts and return the head size (``d_model // n_heads`` when not given)."""
    _positive("d_model", d_model)
    _positive("n_heads", n_heads)
    _positive("n_kv_heads", n_kv_heads)
    if n_heads % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}")
    if head_dim is None:
        if d_model % n_heads != 0:
            raise ValueError(
                f"n_heads={n_heads} does not divide d_model={d_model}; pass head_dim explicitly"
            )
        return d_model // n_heads
    return _positive("head_dim", head_dim)


def attention_params(
    d_model: int, n_heads: int, n_kv_heads: int, head_dim: int | None = None, bias: bool = False
) -> int:
    """Parameters of ``wq, wk, wv, wo`` in one layer: ``d*H*D + 2*d*G*D + H*D*d`` (+ biases).

    With ``bias`` the projections carry biases of sizes ``H*D``, ``G*D``, ``G*D`` and ``d``.
    """
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    q_width, kv_width = n_heads * hd, n_kv_heads * hd
    weights = d_model * q_width + 2 * d_model * kv_width + q_width * d_model
    biases = q_width + 2 * kv_width + d_model if bias else 0
    return weights + biases


def kv_cache_bytes_per_token(
    n_layers: int, n_kv_heads: int, head_dim: int, bytes_per_element: int = 2
) -> int:
    """Bytes one token adds to the cache, K and V over all layers: ``2 * L * G * D * e``."""
    _positive("n_layers", n_layers)
    _positive("n_kv_heads", n_kv_heads)
    _positive("head_dim", head_dim)
    _positive("bytes_per_element", bytes_per_element)
    return 2 * n_layers * n_kv_heads * head_dim * bytes_per_element


def kv_cache_bytes(
    batch: int,
    seq_len: int,
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    bytes_per_element: int = 2,
) -> int:
    """Bytes of the whole cache for ``batch`` sequences of ``seq_len`` tokens: ``B * T * 2*L*G*D*e``."""
    _positive("batch", batch)
    _positive("seq_len", seq_len)
    per_token = kv_cache_bytes_per_token(n_layers, n_kv_heads, head_dim, bytes_per_element)
    return batch * seq_len * per_token


def prefill_flops(
    batch: int,
    seq_len: int,
    d_model: int,
    n_heads: int,
    n_kv_heads: int,
    head_dim: int | None = None,
    causal: bool = False,
) -> int:
    """FLOPs of one layer's attention over a prompt of ``seq_len`` tokens (2 FLOPs per multiply-add).

    Counted: the four projections ``2*B*T*(d*H*D + 2*d*G*D + H*D*d)`` plus the two attention
    matmuls ``Q K^T`` and ``A V``, each ``2*B*H*T*T*D`` over the **full** T x T score matrix, as a
    dense kernel computes it (``causal=False``, the default). ``causal=True`` counts only the
    ``T*(T+1)/2`` query-key pairs the mask keeps. Not counted: softmax, scaling, masking, biases.
    Note the attention matmuls do not depend on G: sharing K/V saves bytes, not FLOPs.
    """
    _positive("batch", batch)
    _positive("seq_len", seq_len)
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    projections = 2 * batch * seq_len * attention_params(d_model, n_heads, n_kv_heads, hd)
    pairs = seq_len * (seq_len + 1) // 2 if causal else seq_len * seq_len
    scores_and_mix = 2 * (2 * batch * n_heads * pairs * hd)
    return projections + scores_and_mix


def decode_step_bytes(
    batch: int,
    context_len: int,
    d_model: int,
    n_heads: int,
    n_kv_heads: int,
    head_dim: int | None = None,
    bytes_per_element: int = 2,
) -> int:
    """Bytes one decoding step of one layer must read: the weights once plus every cached K and V.

    ``(d*H*D + 2*d*G*D + H*D*d) * e + B * S * 2*G*D * e``. The activations (the new token's x, q
    and output, and writing its K/V) are a few vectors and are left out: at real sizes they are
    well under 1% of the total.
    """
    _positive("batch", batch)
    _positive("context_len", context_len)
    _positive("bytes_per_element", bytes_per_element)
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    weights = attention_params(d_model, n_heads, n_kv_heads, hd) * bytes_per_element
    kv_read = batch * context_len * 2 * n_kv_heads * hd * bytes_per_element
    return weights + kv_read


def min_step_time(bytes_moved: int | float, bandwidth_bytes_per_s: int | float) -> float:
    """The fastest a memory-bound step can be: ``bytes / bandwidth`` seconds."""
    if bytes_moved < 0:
        raise ValueError(f"bytes_moved must not be negative, got {bytes_moved!r}")
    if bandwidth_bytes_per_s <= 0:
        raise ValueError(f"bandwidth_bytes_per_s must be positive, got {bandwidth_bytes_per_s!r}")
    return float(bytes_moved) / float(bandwidth_bytes_per_s)


def arithmetic_intensity(n_heads: int, n_kv_heads: int, bytes_per_element: int = 2) -> float:
    """FLOP per byte of K/V read by decode attention: ``2 * (H/G) / e``, which is ``H/G`` in 16-bit.

    Per cached position and KV head, one K row and one V row (``2*D*e`` bytes) are read; each of the
    ``H/G`` query heads sharing them spends ``2*D`` FLOPs on ``q.k`` and ``2*D`` on ``p*v``, so
    ``4*D*H/G`` FLOPs per ``2*D*e`` bytes. Weights and softmax are not counted. MHA sits at 1
    FLOP/byte in bf16, far below what any GPU needs to be compute-bound; GQA-8 of 32 heads at 4.
    """
    _positive("n_heads", n_heads)
    _positive("n_kv_heads", n_kv_heads)
    _positive("bytes_per_element", bytes_per_element)
    if n_heads % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}")
    return 2 * (n_heads / n_kv_heads) / bytes_per_element


# --------------------------------------------------------------------------- serving
#
# Whole-model and serving-system figures: the MLP and LM head next to attention, paged and
# quantised caches, tensor-parallel sharding of KV heads, the roofline, speculative decoding,
# sliding windows, FlashAttention's tiling and MLA's latent cache.


def _fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _positive_number(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def mlp_params(d_model: int, d_ff: int, gated: bool = True) -> int:
    """Weights of one MLP block: ``3*d*d_ff`` gated (SwiGLU: gate, up, down), ``2*d*d_ff`` plain."""
    _positive("d_model", d_model)
    _positive("d_ff", d_ff)
    return (3 if gated else 2) * d_model * d_ff


def decode_weight_params(
    n_layers: int,
    d_model: int,
    n_heads: int,
    n_kv_heads: int,
    d_ff: int,
    vocab: int = 0,
    head_dim: int | None = None,
    gated: bool = True,
) -> int:
    """Weights one decoding step reads: every layer's attention and MLP, plus the LM head.

    ``L * (attention_params + mlp_params) + vocab * d``. Not counted: norms (a few vectors) and the
    input embedding, of which a step reads only one row per token. ``vocab=0`` leaves the LM head out.
    """
    _positive("n_layers", n_layers)
    _non_negative("vocab", vocab)
    per_layer = attention_params(d_model, n_heads, n_kv_heads, head_dim) + mlp_params(d_model, d_ff, gated)
    return n_layers * per_layer + vocab * d_model


def decode_step_floor(
    weight_bytes: int | float, kv_bytes: int | float, bandwidth_bytes_per_s: int | float
) -> float:
    """The fastest one decoding step of the whole model can be: ``(weights + cache) / bandwidth``.

    Every weight (attention, MLP, LM head) and every cached K/V byte is read once per step; the
    step cannot end sooner. ``kv_bytes`` is the whole batch's cache (``kv_cache_bytes``).
    """
    if weight_bytes < 0 or kv_bytes < 0:
        raise ValueError(f"bytes must not be negative, got {weight_bytes!r} and {kv_bytes!r}")
    return min_step_time(weight_bytes + kv_bytes, bandwidth_bytes_per_s)


def max_sequences(memory_bytes: int, weight_bytes: int, seq_len: int, kv_bytes_per_token: int) -> int:
    """How many sequences of ``seq_len`` tokens fit in the memory the weights leave free.

    ``floor((memory - weights) / (seq_len * kv_bytes_per_token))``; 0 when the weights alone do not
    leave room for one. Activations and the allocator's reserve are not counted.
    """
    _positive("memory_bytes", memory_bytes)
    _positive("seq_len", seq_len)
    _positive("kv_bytes_per_token", kv_bytes_per_token)
    _non_negative("weight_bytes", weight_bytes)
    free = memory_bytes - weight_bytes
    return max(0, free // (seq_len * kv_bytes_per_token))


def ridge_point(peak_flops_per_s: float, bandwidth_bytes_per_s: float) -> float:
    """The roofline's ridge: FLOPs per byte a kernel needs to be compute-bound, ``peak / bandwidth``."""
    return _positive_number("peak_flops_per_s", peak_flops_per_s) / _positive_number(
        "bandwidth_bytes_per_s", bandwidth_bytes_per_s
    )


def weight_matmul_intensity(batch: int, bytes_per_element: int = 2) -> float:
    """FLOPs per weight byte of ``x @ W`` for ``batch`` tokens: ``2 * B / e``.

    Each weight (``e`` bytes, read once) takes part in one multiply-add per token. Activation
    traffic is left out (``d`` numbers per token against ``d * d_out`` weights).
    """
    _positive("batch", batch)
    _positive("bytes_per_element", bytes_per_element)
    return 2 * batch / bytes_per_element


def compute_bound_batch(
    peak_flops_per_s: float, bandwidth_bytes_per_s: float, bytes_per_element: int = 2
) -> int:
    """The smallest batch at which the weight matmuls of a decoding step reach the ridge point.

    ``ceil(ridge * e / 2)``: from ``weight_matmul_intensity(B, e) >= ridge_point``.
    """
    ridge = ridge_point(peak_flops_per_s, bandwidth_bytes_per_s)
    _positive("bytes_per_element", bytes_per_element)
    return math.ceil(ridge * bytes_per_element / 2)


def paged_blocks(seq_len: int, block_size: int) -> int:
    """Blocks a sequence of ``seq_len`` cached tokens occupies in a paged cache: ``ceil(T / b)``."""
    _positive("seq_len", seq_len)
    _positive("block_size", block_size)
    return -(-seq_len // block_size)


def paged_wasted_slots(seq_len: int, block_size: int) -> int:
    """Token slots allocated but unused (internal fragmentation): ``ceil(T/b)*b - T``, at most ``b - 1``."""
    return paged_blocks(seq_len, block_size) * block_size - seq_len


def paged_cache_bytes(
    seq_lens: list[int] | tuple[int, ...],
    block_size: int,
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    bytes_per_element: int = 2,
) -> int:
    """Bytes a paged cache allocates for sequences of ``seq_lens`` tokens: whole blocks only.

    ``sum(ceil(T_i / b)) * b * 2*L*G*D*e``. (The block tables, a few integers per block, are left out.)
    """
    per_token = kv_cache_bytes_per_token(n_layers, n_kv_heads, head_dim, bytes_per_element)
    blocks = sum(paged_blocks(t, block_size) for t in seq_lens)
    return blocks * block_size * per_token


def shared_prefix_blocks(prompt_len: int, gen_len: int, n_seqs: int, block_size: int) -> int:
    """Physical blocks for ``n_seqs`` samples of one prompt with prefix sharing and copy-on-write.

    The prompt's ``floor(P / b)`` full blocks are shared by every sample. A partial last prompt block
    is shared only until a sample writes into it: then each sample gets its own copy, so each sample
    holds ``ceil((P mod b + N) / b)`` blocks of its own for the partial block and its ``N`` new
    tokens. ``gen_len = 0`` leaves the whole prompt shared.
    """
    _positive("prompt_len", prompt_len)
    _positive("n_seqs", n_seqs)
    _positive("block_size", block_size)
    _non_negative("gen_len", gen_len)
    full, rest = divmod(prompt_len, block_size)
    if gen_len == 0:
        return full + (1 if rest else 0)
    own = -(-(rest + gen_len) // block_size)
    return full + n_seqs * own


def quantised_kv_bytes_per_token(
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    bits: int,
    group_size: int | None = None,
    scale_bytes: int = 2,
    zero_point: bool = False,
) -> int:
    """Bytes one token adds to a quantised KV cache, scales included.

    Each key and value vector of ``D`` numbers is stored in ``bits`` bits, plus one scale of
    ``scale_bytes`` (and, with ``zero_point``, one zero point of the same size) per group of
    ``group_size`` numbers (``None``: one per head vector): ``2*L*G*(D*bits/8 + (D/g)*s*(1 + z))``.
    ``scale_bytes=0`` models a per-tensor scale, whose cost per token is nil.
    """
    _positive("n_layers", n_layers)
    _positive("n_kv_heads", n_kv_heads)
    _positive("head_dim", head_dim)
    _positive("bits", bits)
    group = head_dim if group_size is None else _positive("group_size", group_size)
    if head_dim % group != 0:
        raise ValueError(f"group_size={group} must divide head_dim={head_dim}")
    if (head_dim * bits) % 8 != 0:
        raise ValueError(f"head_dim*bits={head_dim * bits} is not a whole number of bytes")
    _non_negative("scale_bytes", scale_bytes)
    per_vector = head_dim * bits // 8 + (head_dim // group) * scale_bytes * (2 if zero_point else 1)
    return 2 * n_layers * n_kv_heads * per_vector


def kv_heads_per_gpu(n_kv_heads: int, tp: int) -> int:
    """KV heads each of ``tp`` tensor-parallel GPUs stores: ``G / tp``, but at least 1.

    Query heads are split ``H / tp`` per GPU and every GPU needs the KV heads its queries read:
    when ``G < tp`` a GPU cannot hold a fraction of a head, so each KV head is replicated on
    ``tp / G`` GPUs (``kv_head_replication``).
    """
    _positive("n_kv_heads", n_kv_heads)
    _positive("tp", tp)
    if n_kv_heads >= tp:
        if n_kv_heads % tp != 0:
            raise ValueError(f"tp={tp} must divide n_kv_heads={n_kv_heads}")
        return n_kv_heads // tp
    if tp % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide tp={tp}")
    return 1


def kv_head_replication(n_kv_heads: int, tp: int) -> int:
    """Copies of each KV head across ``tp`` GPUs: ``tp / G`` when ``G < tp``, else 1."""
    return kv_heads_per_gpu(n_kv_heads, tp) * tp // n_kv_heads


def kv_cache_bytes_per_token_per_gpu(
    n_layers: int, n_kv_heads: int, head_dim: int, tp: int, bytes_per_element: int = 2
) -> int:
    """Bytes one token adds to **each** GPU's cache under ``tp``-way tensor parallelism.

    ``2 * L * kv_heads_per_gpu(G, tp) * D * e``: ``1/tp`` of the cache while ``tp <= G``, one KV head
    per GPU beyond (MQA keeps the whole cache on every GPU).
    """
    return kv_cache_bytes_per_token(n_layers, kv_heads_per_gpu(n_kv_heads, tp), head_dim, bytes_per_element)


def mla_cache_bytes_per_token(
    n_layers: int, kv_lora_rank: int, rope_head_dim: int, bytes_per_element: int = 2
) -> int:
    """Bytes one token adds to an MLA cache: the latent and the decoupled RoPE key, ``L*(c + r)*e``.

    The latent ``c_KV`` (``kv_lora_rank`` numbers) serves keys and values of every head and the
    rotary key (``rope_head_dim``) is shared by every head, so neither is multiplied by 2 or by H.
    """
    _positive("n_layers", n_layers)
    _positive("kv_lora_rank", kv_lora_rank)
    _positive("rope_head_dim", rope_head_dim)
    _positive("bytes_per_element", bytes_per_element)
    return n_layers * (kv_lora_rank + rope_head_dim) * bytes_per_element


def mla_gqa_equivalent_groups(kv_lora_rank: int, rope_head_dim: int, head_dim: int) -> float:
    """The number of GQA KV heads of size ``head_dim`` whose cache equals MLA's: ``(c + r) / (2*D)``."""
    _positive("kv_lora_rank", kv_lora_rank)
    _positive("rope_head_dim", rope_head_dim)
    _positive("head_dim", head_dim)
    return (kv_lora_rank + rope_head_dim) / (2 * head_dim)


def mla_absorbed_flops_per_position(kv_lora_rank: int, rope_head_dim: int) -> int:
    """Attention FLOPs one head spends per cached position in MLA decoding with absorbed weights.

    With ``W_UK`` folded into the query and ``W_UV`` into the output, a head scores its latent query
    against the cached latent (``c`` numbers) plus its rotary query against the shared rotary key
    (``r``), then sums the cached latents: ``2*(c + r) + 2*c`` FLOPs (2 per multiply-add). The
    up-projections run once per head and step, not once per position, and are not counted.
    """
    _positive("kv_lora_rank", kv_lora_rank)
    _positive("rope_head_dim", rope_head_dim)
    return 2 * (kv_lora_rank + rope_head_dim) + 2 * kv_lora_rank

def speculative_expected_tokens(alpha: float, gamma: int) -> float:
    """Expected tokens one verification step yields: ``(1 - a^(g+1)) / (1 - a)`` (``g + 1`` at a = 1).

    ``gamma`` draft tokens are proposed; each is accepted with probability ``alpha`` independently
    until the first rejection; the target model always adds one token of its own (the correction,
    or a bonus token when all ``gamma`` are accepted). Leviathan et al. 2023, equation (1).
    """
    a = _fraction("alpha", alpha)
    _positive("gamma", gamma)
    if a == 1.0:
        return float(gamma + 1)
    return (1 - a ** (gamma + 1)) / (1 - a)


def speculative_speedup(alpha: float, gamma: int, cost_ratio: float) -> float:
    """Expected wall-time speed-up over plain decoding: ``E[tokens] / (gamma * c + 1)``.

    ``cost_ratio`` (c) is the time of one draft-model step over one target-model step; the target's
    verification of ``gamma + 1`` positions is taken to cost one ordinary step (it is memory-bound).
    Leviathan et al. 2023, Theorem 3.8.
    """
    if isinstance(cost_ratio, bool) or not isinstance(cost_ratio, (int, float)) or cost_ratio < 0:
        raise ValueError(f"cost_ratio must be a non-negative number, got {cost_ratio!r}")
    return speculative_expected_tokens(alpha, gamma) / (gamma * cost_ratio + 1)


def sliding_window_cached(seq_len: int, window: int) -> int:
    """Positions a rolling-buffer cache holds after ``seq_len`` tokens: ``min(T, W)``."""
    _positive("seq_len", seq_len)
    _positive("window", window)
    return min(seq_len, window)


def sliding_window_slot(position: int, window: int) -> int:
    """The rolling-buffer slot of absolute position ``i`` (counted from 0): ``i mod W``."""
    _non_negative("position", position)
    _positive("window", window)
    return position % window


def sliding_window_span(n_layers: int, window: int) -> int:
    """How far back information can travel through ``L`` stacked windows of ``W``: ``L * W`` positions.

    Each layer lets a position see ``W`` positions back (itself and ``W - 1`` before it, so
    ``W - 1`` steps back per layer, ``L*(W-1)`` exactly); Mistral 7B's paper rounds this to
    ``L * W`` ("approximately 131K tokens" for 32 layers of 4096), which is what this returns.
    """
    _positive("n_layers", n_layers)
    _positive("window", window)
    return n_layers * window


def sliding_window_pairs(seq_len: int, window: int) -> int:
    """Query-key pairs a causal sliding-window prefill computes: ``sum_i min(i + 1, W)``.

    Each query attends to itself and up to ``W - 1`` earlier positions. For ``T >= W`` that is
    ``W*(W+1)/2 + (T - W)*W``; for ``T <= W`` the full causal ``T*(T+1)/2``.
    """
    _positive("seq_len", seq_len)
    _positive("window", window)
    if seq_len <= window:
        return seq_len * (seq_len + 1) // 2
    return window * (window + 1) // 2 + (seq_len - window) * window

def rope_wavelength(head_dim: int, base: float, pair: int) -> float:
    """Positions it takes dimension pair ``i`` of RoPE to turn a full circle: ``2*pi * base^(2i/D)``.

    Pair ``i`` (0-based, ``i < D/2``) rotates by ``theta_i = base^(-2i/D)`` radians per position
    (Su et al. 2021); the slowest pair is ``i = D/2 - 1``.
    """
    _positive("head_dim", head_dim)
    if head_dim % 2:
        raise ValueError(f"head_dim must be even for RoPE, got {head_dim}")
    _positive_number("base", base)
    if isinstance(pair, bool) or not isinstance(pair, int) or not 0 <= pair < head_dim // 2:
        raise ValueError(f"pair must be an integer in [0, {head_dim // 2}), got {pair!r}")
    return 2 * math.pi * base ** (2 * pair / head_dim)

def attention_scores_bytes(batch: int, n_heads: int, seq_len: int, bytes_per_element: int = 2) -> int:
    """Bytes of one layer's full score (or probability) matrix, ``B * H * T * T * e``.

    What standard attention writes to memory and FlashAttention never materialises.
    """
    _positive("batch", batch)
    _positive("n_heads", n_heads)
    _positive("seq_len", seq_len)
    _positive("bytes_per_element", bytes_per_element)
    return batch * n_heads * seq_len * seq_len * bytes_per_element


def flash_block_sizes(sram_elements: int, head_dim: int) -> tuple[int, int]:
    """FlashAttention's block sizes ``(B_r, B_c) = (min(ceil(M / 4d), d), ceil(M / 4d))``.

    ``M`` is the on-chip memory in elements, ``d`` the head size (Dao et al. 2022, Algorithm 1).
    """
    _positive("sram_elements", sram_elements)
    _positive("head_dim", head_dim)
    cols = -(-sram_elements // (4 * head_dim))
    return min(cols, head_dim), cols


def flash_tiles(seq_len: int, block_q: int, block_k: int, causal: bool = False) -> int:
    """Query-block x key-block tiles a tiled attention kernel computes over ``seq_len`` positions.

    ``ceil(T/B_q) * ceil(T/B_k)`` without a mask. With a causal mask a tile is skipped when every
    key in it comes after every query in it (key block start > query block end).
    """
    _positive("seq_len", seq_len)
    _positive("block_q", block_q)
    _positive("block_k", block_k)
    n_q, n_k = -(-seq_len // block_q), -(-seq_len // block_k)
    if not causal:
        return n_q * n_k
    tiles = 0
    for i in range(n_q):
        last_query = min((i + 1) * block_q, seq_len) - 1
        tiles += sum(1 for j in range(n_k) if j * block_k <= last_query)
    return tiles


def online_softmax_merge(
    running_max: float, running_sum: float, block_max: float, block_sum: float
) -> tuple[float, float]:
    """Fold one block into an online softmax: the new ``(max, sum)``.

    ``running_sum`` is ``sum(exp(s - running_max))`` over the scores seen so far, ``block_sum`` the
    same over the new block relative to its own maximum. Both are rescaled to the new maximum
    ``m = max(m_old, m_block)``: ``l = l_old * exp(m_old - m) + l_block * exp(m_block - m)``
    (Milakov & Gimelshein 2018; the rescaling FlashAttention applies to its running sum and output).
    """
    if running_sum < 0 or block_sum < 0:
        raise ValueError(f"sums of exponentials are not negative, got {running_sum!r} and {block_sum!r}")
    m = max(running_max, block_max)
    return m, running_sum * math.exp(running_max - m) + block_sum * math.exp(block_max - m)

def float_max(exponent_bits: int, mantissa_bits: int) -> float:
    """The largest finite value of an IEEE-style binary float: ``(2 - 2^-m) * 2^(2^(e-1) - 1)``.

    fp16 (5, 10) gives 65,504, bf16 (8, 7) about 3.39e38: why a mask value that is safe in bf16 or
    fp32 can overflow to ``-inf`` in fp16.
    """
    _positive("exponent_bits", exponent_bits)
    _positive("mantissa_bits", mantissa_bits)
    return (2 - 2.0**-mantissa_bits) * 2.0 ** (2 ** (exponent_bits - 1) - 1)

def symbolic(rename: dict[str, str] | None = None) -> dict[str, sympy.Expr]:
    """The same formulas as sympy expressions over positive symbols, keyed by function name.

    Symbols are named after the function parameters (``d_model``, ``n_heads``, ``n_kv_heads``,
    ``head_dim``, ``batch``, ``seq_len``, ``context_len``, ``n_layers``, ``bytes_per_element``,
    ``bytes_moved``, ``bandwidth_bytes_per_s``), all ``positive=True``; ``rename`` maps a
    parameter name to the symbol name a question uses (e.g. ``{"n_heads": "h"}``). ``head_dim`` is
    its own symbol (not ``d_model/n_heads``) so that models with ``H*D != d`` are covered.
    Keys: every function of the first part above, plus ``attention_params_bias`` and
    ``prefill_flops_causal`` for the non-default forms; and of the serving part, the closed forms:
    ``mlp_params`` (gated), ``kv_cache_bytes_per_token_per_gpu`` (for ``tp`` dividing ``G``),
    ``quantised_kv_bytes_per_token`` (no zero point), ``mla_cache_bytes_per_token``,
    ``mla_gqa_equivalent_groups``, ``ridge_point``, ``weight_matmul_intensity``,
    ``compute_bound_batch`` (before rounding up), ``speculative_expected_tokens``,
    ``speculative_speedup``, ``sliding_window_span`` and ``attention_scores_bytes``. ``expr.subs`` with the symbols from ``cost_symbols(rename)`` evaluates
    them to the same numbers as the functions.
    """
    s = cost_symbols(rename)
    d, h, g, k = s["d_model"], s["n_heads"], s["n_kv_heads"], s["head_dim"]
    b, t, n, layers, e = s["batch"], s["seq_len"], s["context_len"], s["n_layers"], s["bytes_per_element"]
    params = d * h * k + 2 * d * g * k + h * k * d
    per_token = 2 * layers * g * k * e
    alpha, gamma = s["alpha"], s["gamma"]
    expected_tokens = (1 - alpha ** (gamma + 1)) / (1 - alpha)
    return {
        "attention_params": params,
        "attention_params_bias": params + h * k + 2 * g * k + d,
        "kv_cache_bytes_per_token": per_token,
        "kv_cache_bytes": b * t * per_token,
        "prefill_flops": 2 * b * t * params + 4 * b * h * t * t * k,
        "prefill_flops_causal": 2 * b * t * params + 2 * b * h * t * (t + 1) * k,
        "decode_step_bytes": params * e + b * n * 2 * g * k * e,
        "min_step_time": s["bytes_moved"] / s["bandwidth_bytes_per_s"],
        "arithmetic_intensity": 2 * h / (g * e),
        # serving
        "mlp_params": 3 * d * s["d_ff"],
        "kv_cache_bytes_per_token_per_gpu": 2 * layers * (g / s["tp"]) * k * e,
        "quantised_kv_bytes_per_token": 2 * layers * g * (k * s["bits"] / 8 + (k / s["group_size"]) * s["scale_bytes"]),
        "mla_cache_bytes_per_token": layers * (s["kv_lora_rank"] + s["rope_head_dim"]) * e,
        "mla_gqa_equivalent_groups": (s["kv_lora_rank"] + s["rope_head_dim"]) / (2 * k),
        "ridge_point": s["peak_flops_per_s"] / s["bandwidth_bytes_per_s"],
        "weight_matmul_intensity": 2 * b / e,
        "compute_bound_batch": s["peak_flops_per_s"] * e / (2 * s["bandwidth_bytes_per_s"]),
        "speculative_expected_tokens": expected_tokens,
        "speculative_speedup": expected_tokens / (s["gamma"] * s["cost_ratio"] + 1),
        "sliding_window_span": layers * s["window"],
        "attention_scores_bytes": b * h * t * t * e,
    }


def cost_symbols(rename: dict[str, str] | None = None) -> dict[str, sympy.Symbol]:
    """The positive sympy symbols ``symbolic`` uses, keyed by parameter name."""
    import sympy  # deferred: sympy takes a noticeable time to import and most callers need only numbers

    names = (
        "d_model", "n_heads", "n_kv_heads", "head_dim", "batch", "seq_len", "context_len",
        "n_layers", "bytes_per_element", "bytes_moved", "bandwidth_bytes_per_s",
        # serving
        "d_ff", "tp", "bits", "group_size", "scale_bytes", "kv_lora_rank", "rope_head_dim",
        "peak_flops_per_s", "alpha", "gamma", "cost_ratio", "window",
    )
    rename = rename or {}
    unknown = sorted(set(rename) - set(names))
    if unknown:
        raise ValueError(f"rename names unknown parameters {unknown}; known: {list(names)}")
    return {name: sympy.Symbol(rename.get(name, name), positive=True) for name in names}
