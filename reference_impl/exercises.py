"""Reference functions for the extra code exercises.

KV-cache append, MHA -> GQA weights and repeat_kv; and three serving-era ones: causal attention by
online softmax (block by block, never the whole score matrix), one GQA decoding step over a paged
KV cache, and a decoding step with rotary position embeddings against cached post-rotation keys.

Plain tensor functions, `[in, out]` weight layout, no in-place changes to the inputs. Query head
`i` reads KV head `i // (num_heads // num_kv_heads)` throughout, as in `reference_impl.functional`.
"""

from __future__ import annotations

import math

import torch


def append_kv(cache: torch.Tensor, new: torch.Tensor, pos: int) -> torch.Tensor:
    """Write `new [b, g, t, k]` into `cache [b, g, n_max, k]` at positions `pos .. pos + t - 1`.

    Returns the updated cache (a new tensor, same shape as `cache`): this is what a KV cache does
    once per decoding step, with `t == 1` and `pos` the number of tokens already cached.
    """
    t = new.shape[2]
    if pos < 0 or pos + t > cache.shape[2]:
        raise ValueError(f"positions {pos}..{pos + t - 1} do not fit a cache of length {cache.shape[2]}")
    out = cache.clone()
    out[:, :, pos:pos + t] = new  # [b, g, t, k] into [b, g, n_max, k]
    return out


def mean_pool_kv_heads(w: torch.Tensor, num_heads: int, num_kv_heads: int) -> torch.Tensor:
    """Turn an MHA key (or value) projection `w [d, h*k]` into a GQA one `[d, g*k]` by mean-pooling.

    KV head `j` is the mean of the `h/g` consecutive original heads `j*r .. j*r + r - 1`
    (`r = h // g`): the starting point for uptraining an MHA checkpoint to GQA or MQA.
    """
    if num_heads % num_kv_heads != 0:
        raise ValueError(f"num_kv_heads={num_kv_heads} does not divide num_heads={num_heads}")
    d, width = w.shape
    k = width // num_heads
    r = num_heads // num_kv_heads
    grouped = w.reshape(d, num_kv_heads, r, k)  # [d, g, r, k]
    return grouped.mean(dim=2).reshape(d, num_kv_heads * k)  # [d, g*k]


def repeat_kv(kv: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Expand `kv [b, g, n, k]` to `[b, h, n, k]` so that head `i` is KV head `i // (h // g)`."""
    b, g, n, k = kv.shape
    if num_heads % g != 0:
        raise ValueError(f"the {g} KV heads do not divide num_heads={num_heads}")
    r = num_heads // g
    return kv[:, :, None].expand(b, g, r, n, k).reshape(b, num_heads, n, k)


def online_softmax_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, block_size: int, softmax_scale: float
) -> torch.Tensor:
    """Causal attention of `q, k, v [b, h, s, d]`, keys taken `block_size` at a time (FlashAttention's recurrence).

    For each key block the scores `[b, h, s, block]` are computed and masked (query `i` sees keys
    `0..i`); a running max `m`, running sum `l` and running output `acc` per query are rescaled by
    `exp(m_old - m_new)` whenever the max grows. The `[s, s]` matrix is never built. Returns
    `softmax(q k^T * softmax_scale + causal mask) v`, `[b, h, s, d]`, in `q`'s dtype.
    """
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    b, h, s, _ = q.shape
    qf, kf, vf = q.float(), k.float(), v.float()
    m = torch.full((b, h, s), float("-inf"), device=q.device)
    l = torch.zeros(b, h, s, device=q.device)
    acc = torch.zeros(b, h, s, v.shape[-1], device=q.device)
    q_pos = torch.arange(s, device=q.device)[:, None]
    for start in range(0, s, block_size):  # the first block holds key 0, which every query sees
        stop = min(start + block_size, s)
        scores = (qf @ kf[:, :, start:stop].transpose(-1, -2)) * softmax_scale  # [b, h, s, block]
        k_pos = torch.arange(start, stop, device=q.device)[None, :]
        scores = scores.masked_fill(k_pos > q_pos, float("-inf"))
        m_new = torch.maximum(m, scores.amax(dim=-1))
        p = torch.exp(scores - m_new[..., None])  # a fully masked row of this block gives 0
        alpha = torch.exp(m - m_new)  # rescales what was summed against the old max
        l = l * alpha + p.sum(dim=-1)
        acc = acc * alpha[..., None] + p @ vf[:, :, start:stop]
        m = m_new
    return (acc / l[..., None]).to(q.dtype)


def paged_gqa_decode(
    q: torch.Tensor, k_pages: torch.Tensor, v_pages: torch.Tensor, block_table: torch.Tensor, seq_lens: torch.Tensor
) -> torch.Tensor:
    """One GQA decoding step over a paged KV cache (the vLLM layout).

    `q [b, h, d]`: the new token's queries. `k_pages, v_pages [num_pages, page_size, g, d]`: the
    cache's physical pages. `block_table [b, max_blocks]` (integers): sequence `i`'s logical block
    `j` (positions `j*page_size .. (j+1)*page_size - 1`) lives in page `block_table[i, j]`.
    `seq_lens [b]`: how many positions of sequence `i` are valid; slots past it (the rest of the
    last block, and any later table entries) hold garbage. Scores are scaled by `1/sqrt(d)`.
    Returns `[b, h, d]`.
    """
    b, h, d = q.shape
    num_pages, page_size, g, _ = k_pages.shape
    max_blocks = block_table.shape[1]
    if h % g != 0:
        raise ValueError(f"the {g} KV heads do not divide the {h} query heads")
    if int(seq_lens.min()) < 1 or int(seq_lens.max()) > max_blocks * page_size:
        raise ValueError(f"sequence lengths must be in 1..{max_blocks * page_size}, got {seq_lens.tolist()}")
    if int(block_table.min()) < 0 or int(block_table.max()) >= num_pages:
        raise ValueError(f"block table entries must be page ids in 0..{num_pages - 1}")
    n = max_blocks * page_size
    keys = k_pages[block_table].reshape(b, n, g, d).transpose(1, 2)  # [b, g, n, d], logical order
    values = v_pages[block_table].reshape(b, n, g, d).transpose(1, 2)
    qg = q.reshape(b, g, h // g, d)  # query head i -> KV head i // (h/g)
    scores = torch.einsum("bgrd,bgnd->bgrn", qg.float(), keys.float()) / math.sqrt(d)
    valid = torch.arange(n, device=q.device)[None, :] < seq_lens.to(q.device)[:, None]  # [b, n]
    scores = scores.masked_fill(~valid[:, None, None, :], float("-inf"))
    out = torch.einsum("bgrn,bgnd->bgrd", torch.softmax(scores, dim=-1), values.float())
    return out.reshape(b, h, d).to(q.dtype)


def rope(x: torch.Tensor, positions: torch.Tensor, theta: float) -> torch.Tensor:
    """Rotary position embedding, the split-half (Llama / GPT-NeoX) convention.

    `x [..., d]` (d even) at integer `positions` broadcastable to `x.shape[:-1]`. Pair `(x[i],
    x[i + d/2])` is rotated by the angle `position * theta ** (-2i/d)`.
    """
    d = x.shape[-1]
    if d % 2 != 0:
        raise ValueError(f"rotary embeddings need an even size, got {d}")
    half = d // 2
    inv_freq = float(theta) ** (-torch.arange(half, dtype=torch.float64, device=x.device) * 2 / d)
    angle = positions.to(torch.float64)[..., None] * inv_freq  # [..., d/2]
    cos, sin = angle.cos(), angle.sin()
    x1, x2 = x[..., :half].double(), x[..., half:].double()
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1).to(x.dtype)


def rope_cached_decode(
    q: torch.Tensor, k_new: torch.Tensor, v_new: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor,
    theta: float,
) -> torch.Tensor:
    """One decoding step with rotary embeddings against a cache of post-rotation keys.

    `k_cache, v_cache [b, g, n, d]` hold positions `0..n-1`, keys already rotated at their own
    positions. The new token is at position `n`: its query `q [b, h, d]` and key `k_new [b, g, d]`
    arrive un-rotated and are rotated at `n`; the cached keys are used as they are (rotating them
    again would apply their rotation twice). Returns the new token's attention output `[b, h, d]`
    over the `n + 1` positions, scores scaled by `1/sqrt(d)`, query head `i` reading KV head
    `i // (h/g)`.
    """
    b, h, d = q.shape
    g, n = k_cache.shape[1], k_cache.shape[2]
    if h % g != 0:
        raise ValueError(f"the {g} KV heads do not divide the {h} query heads")
    position = torch.full((), n, device=q.device)
    keys = torch.cat([k_cache, rope(k_new, position, theta)[:, :, None]], dim=2)  # [b, g, n+1, d]
    values = torch.cat([v_cache, v_new[:, :, None]], dim=2)
    qg = rope(q, position, theta).reshape(b, g, h // g, d)
    scores = torch.einsum("bgrd,bgnd->bgrn", qg.float(), keys.float()) / math.sqrt(d)
    out = torch.einsum("bgrn,bgnd->bgrd", torch.softmax(scores, dim=-1), values.float())
    return out.reshape(b, h, d).to(q.dtype)
