"""Three causal attention cores over ``q [B, H, T, D]`` and ``k, v [B, G, S, D]`` that must agree.

Query position ``i`` of ``T`` is the token at absolute position ``S - T + i``, so it sees keys
``0 .. S - T + i``: the mask is aligned to the end of the cache (lower-right). ``T == S`` is a full
causal forward, ``T == 1`` is one decoding step (no mask needed), ``1 < T < S`` is a chunk
appended to a cache. Query head ``h`` uses KV head ``h // (H / G)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch.nn.attention.bias import causal_lower_right


def _check_shapes(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> tuple[int, int, int, int, int, int]:
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ValueError(
            f"expected q [B, H, T, D] and k, v [B, G, S, D]; got {tuple(q.shape)}, "
            f"{tuple(k.shape)}, {tuple(v.shape)}"
        )
    b, h, t, d = q.shape
    g, s = k.shape[1], k.shape[2]
    if k.shape != v.shape or k.shape[0] != b or k.shape[3] != d:
        raise ValueError(f"k {tuple(k.shape)} and v {tuple(v.shape)} do not match q {tuple(q.shape)}")
    if h % g != 0:
        raise ValueError(f"G={g} KV heads do not divide H={h} query heads")
    if t > s:
        raise ValueError(f"T={t} queries but only S={s} keys: the cache must include the new tokens")
    return b, h, t, d, g, s


def causal_mask(t: int, s: int, device: torch.device | str | None = None) -> torch.Tensor:
    """``[T, S]`` bool, True where query ``i`` may see key ``j``, i.e. ``j <= S - T + i``."""
    return torch.ones(t, s, dtype=torch.bool, device=device).tril(diagonal=s - t)


def attend_einsum(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The teaching version: group the query heads, ``[B, G, H/G, T, D]``, and never copy K/V."""
    b, h, t, d, g, s = _check_shapes(q, k, v)
    qg = q.view(b, g, h // g, t, d)  # [b, g, r, t, d]: query head h = g_index * r + r_index
    scores = torch.einsum("bgrtd,bgsd->bgrts", qg, k) * (1.0 / math.sqrt(d))  # [b, g, r, t, s]
    if t > 1:
        scores = scores.masked_fill(~causal_mask(t, s, q.device), float("-inf"))
    # softmax in at least float32: bf16 sums over thousands of keys lose too many digits
    weights = torch.softmax(scores, dim=-1, dtype=torch.promote_types(scores.dtype, torch.float32))
    weights = weights.to(v.dtype)
    out = torch.einsum("bgrts,bgsd->bgrtd", weights, v)  # [b, g, r, t, d]
    return out.reshape(b, h, t, d)


def attend_sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The fast version on ``scaled_dot_product_attention`` with the causal form each case needs.

    ``T == S``: ``is_causal=True`` (top-left and bottom-right alignment coincide). ``T == 1``: no
    mask (``is_causal=True`` would align top-left and let the token see key 0 only). ``T < S``:
    torch's lower-right ``CausalBias``, which dispatches to the flash kernel on CUDA where it
    can (an explicit boolean mask would rule flash out). ``enable_gqa`` lets the flash kernels
    (CUDA, and torch's CPU one) read the G KV heads directly instead of copying them to H.
    """
    _, h, t, _, g, s = _check_shapes(q, k, v)
    gqa = g != h
    if t == s:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
    if t == 1:
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=causal_lower_right(t, s), enable_gqa=gqa)


def attend_repeat(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The common baseline: copy K/V up to H heads (``repeat_interleave``), then plain attention.

    Correct, but it writes and re-reads H/G times the cache every step, which is exactly the
    traffic GQA was meant to save.
    """
    _, h, t, _, g, s = _check_shapes(q, k, v)
    k = k.repeat_interleave(h // g, dim=1)  # [b, h, s, d], a copy
    v = v.repeat_interleave(h // g, dim=1)
    if t == s:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    if t == 1:
        return F.scaled_dot_product_attention(q, k, v)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(t, s, q.device))


CORES = {"sdpa": attend_sdpa, "einsum": attend_einsum, "repeat": attend_repeat}
"""The cores by short name, for the benchmark and the module's ``core`` argument."""
