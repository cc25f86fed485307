"""Reference functions for the extra code exercises: KV-cache append, MHA -> GQA weights, repeat_kv.

Plain tensor functions, `[in, out]` weight layout, no in-place changes to the inputs. Query head
`i` reads KV head `i // (num_heads // num_kv_heads)` throughout, as in `reference_impl.functional`.
"""

from __future__ import annotations

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
