"""Causal self-attention with the weights passed in: the forms the code exercises are graded against.

Weights use the ``[in, out]`` layout (``y = x @ w``), as in the exercises. Query head ``i`` reads
KV head ``i // (num_heads // num_kv_heads)``: consecutive query heads share one KV head. dtype and
device follow the inputs; nothing here allocates on another device.
"""

from __future__ import annotations

import math

import torch


def _split_heads(t: torch.Tensor, n: int) -> torch.Tensor:
    """``[b, s, n*k] -> [b, n, s, k]``."""
    b, s, width = t.shape
    return t.view(b, s, n, width // n).transpose(1, 2)


def _softmax(scores: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Softmax in at least float32, as ``attention.py`` does (bf16/fp16 sums over many keys lose digits)."""
    weights = torch.softmax(scores, dim=-1, dtype=torch.promote_types(scores.dtype, torch.float32))
    return weights.to(dtype)


def gqa_forward(
    x: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    w_v: torch.Tensor,
    w_o: torch.Tensor,
    num_heads: int,
    num_kv_heads: int,
) -> torch.Tensor:
    """Causal grouped-query self-attention of ``x [b, s, d]`` -> ``[b, s, d_out]``.

    ``w_q [d, h*k]``, ``w_k, w_v [d, g*k]``, ``w_o [h*k, d_out]``; ``h = num_heads``,
    ``g = num_kv_heads`` (``g == h`` is MHA, ``g == 1`` is MQA). Scores are scaled by
    ``1/sqrt(k)``.
    """
    if num_heads % num_kv_heads != 0:
        raise ValueError(f"num_kv_heads={num_kv_heads} does not divide num_heads={num_heads}")
    b, s, _ = x.shape
    h, g = num_heads, num_kv_heads
    if w_q.shape[1] % h != 0 or w_k.shape[1] % g != 0:
        raise ValueError(
            f"w_q [{w_q.shape[0]}, {w_q.shape[1]}] and w_k [{w_k.shape[0]}, {w_k.shape[1]}] do not split "
            f"into {h} query heads and {g} KV heads"
        )
    q = _split_heads(x @ w_q, h)  # [b, h, s, k]
    k = _split_heads(x @ w_k, g)  # [b, g, s, k]
    v = _split_heads(x @ w_v, g)  # [b, g, s, k]
    head_dim = q.shape[-1]
    if k.shape[-1] != head_dim:
        raise ValueError(
            f"w_k gives head size {k.shape[-1]} per KV head but w_q gives {head_dim} per query head"
        )
    q = q.reshape(b, g, h // g, s, head_dim)  # [b, g, r, s, k]: query head i -> KV head i // r
    scores = torch.einsum("bgrtk,bgsk->bgrts", q, k) / math.sqrt(head_dim)
    causal = torch.ones(s, s, dtype=torch.bool, device=x.device).tril()
    scores = scores.masked_fill(~causal, float("-inf"))
    weights = _softmax(scores, v.dtype)
    out = torch.einsum("bgrts,bgsk->bgrtk", weights, v)  # [b, g, r, s, k]
    out = out.reshape(b, h, s, head_dim).transpose(1, 2).reshape(b, s, h * head_dim)
    return out @ w_o  # [b, s, d_out]


def mqa_forward(
    x: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    w_v: torch.Tensor,
    w_o: torch.Tensor,
    num_heads: int,
) -> torch.Tensor:
    """Causal multi-query self-attention: every query head shares the single K/V head.

    ``w_q [d, h*k]``, ``w_k, w_v [d, k]``, ``w_o [h*k, d_out]``.
    """
    return gqa_forward(x, w_q, w_k, w_v, w_o, num_heads, 1)


def gqa_decode(q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor) -> torch.Tensor:
    """One decoding step: ``q [b, h, k]`` attends to every cached position ``[b, g, n, k]`` -> ``[b, h, k]``.

    The new token is the last position, so it may see the whole cache: no mask.
    """
    b, h, head_dim = q.shape
    g = k_cache.shape[1]
    if h % g != 0:
        raise ValueError(f"the cache has {g} KV heads, which does not divide the {h} query heads")
    qg = q.reshape(b, g, h // g, head_dim)  # [b, g, r, k]
    scores = torch.einsum("bgrk,bgnk->bgrn", qg, k_cache) / math.sqrt(head_dim)
    weights = _softmax(scores, v_cache.dtype)
    out = torch.einsum("bgrn,bgnk->bgrk", weights, v_cache)  # [b, g, r, k]
    return out.reshape(b, h, head_dim)
