"""Grouped-query attention as an ``nn.Module``: MHA, MQA and GQA are one class with different G."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .attention import attend_sdpa
from .config import AttentionConfig
from .kv_cache import KVCache

Core = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


class GroupedQueryAttention(nn.Module):
    """Causal self-attention with ``n_heads`` query heads sharing ``n_kv_heads`` K/V heads.

    Separate ``wq [d -> H*D]``, ``wk, wv [d -> G*D]``, ``wo [H*D -> d]``, as ``nn.Linear`` (whose
    ``weight`` is ``[out, in]``: the functional forms take ``weight.T``). No positional encoding:
    that belongs to the model around it. ``core`` is one of ``reference_impl.attention``'s cores.
    """

    def __init__(self, config: AttentionConfig, core: Core = attend_sdpa) -> None:
        super().__init__()
        self.config = config
        self.core = core
        c = config
        assert c.head_dim is not None  # resolved by AttentionConfig
        self.wq = nn.Linear(c.d_model, c.n_heads * c.head_dim, bias=c.bias)
        self.wk = nn.Linear(c.d_model, c.n_kv_heads * c.head_dim, bias=c.bias)
        self.wv = nn.Linear(c.d_model, c.n_kv_heads * c.head_dim, bias=c.bias)
        self.wo = nn.Linear(c.n_heads * c.head_dim, c.d_model, bias=c.bias)

    def new_cache(
        self, batch: int, max_len: int, dtype: torch.dtype | None = None, device: torch.device | str | None = None
    ) -> KVCache:
        """An empty cache shaped for this layer, on the layer's dtype and device by default."""
        w = self.wk.weight
        assert self.config.head_dim is not None
        return KVCache(
            batch, self.config.n_kv_heads, max_len, self.config.head_dim,
            dtype=dtype or w.dtype, device=device or w.device,
        )

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """``x [B, T, d] -> [B, T, d]``.

        Without a cache: a full causal forward over the T tokens. With one: the T tokens follow the
        ``cache.length`` already there (a prefill when the cache is empty, a decoding step when
        T == 1, a chunk otherwise); their K/V are appended and they attend to the whole prefix.
        """
        b, t, _ = x.shape
        c = self.config
        d = c.head_dim
        assert d is not None
        q = self.wq(x).view(b, t, c.n_heads, d).transpose(1, 2)  # [b, h, t, d]
        k = self.wk(x).view(b, t, c.n_kv_heads, d).transpose(1, 2)  # [b, g, t, d]
        v = self.wv(x).view(b, t, c.n_kv_heads, d).transpose(1, 2)  # [b, g, t, d]
        if cache is not None:
            k, v = cache.update(k, v)  # [b, g, s, d], s = positions so far
        out = self.core(q, k, v)  # [b, h, t, d]
        return self.wo(out.transpose(1, 2).reshape(b, t, c.n_heads * d))
