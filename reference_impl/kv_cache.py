"""A preallocated key/value cache for one attention layer."""

from __future__ import annotations

import torch


class KVCache:
    """K and V buffers ``[B, G, S_max, D]`` filled left to right as tokens are decoded.

    Preallocating once avoids re-copying the whole cache on every step (what ``torch.cat`` does);
    ``update`` returns views of the filled part only, so attention never reads empty slots.

    For inference only: run decoding under ``torch.no_grad()`` (or ``torch.inference_mode()``).
    ``update`` writes into the buffers in place, which autograd cannot differentiate through (a
    backward pass through two steps fails, or silently uses overwritten values). New keys and values
    must have the cache's dtype and device; ``update`` says so clearly instead of casting silently.
    """

    def __init__(
        self,
        batch: int,
        n_kv_heads: int,
        max_len: int,
        head_dim: int,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        for name, value in (("batch", batch), ("n_kv_heads", n_kv_heads), ("max_len", max_len), ("head_dim", head_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        shape = (batch, n_kv_heads, max_len, head_dim)
        self.k = torch.zeros(shape, dtype=dtype, device=device)  # [b, g, s_max, d]
        self.v = torch.zeros(shape, dtype=dtype, device=device)  # [b, g, s_max, d]
        self.length = 0

    @property
    def max_len(self) -> int:
        return self.k.shape[2]

    @property
    def nbytes(self) -> int:
        """Bytes of both preallocated buffers (what the cache costs, filled or not)."""
        return self.k.nbytes + self.v.nbytes

    def update(self, k_new: torch.Tensor, v_new: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append ``[B, G, T, D]`` keys and values; return views ``[B, G, length, D]`` of the filled part."""
        b, g, _, d = self.k.shape
        if k_new.shape != v_new.shape or k_new.dim() != 4 or (k_new.shape[0], k_new.shape[1], k_new.shape[3]) != (b, g, d):
            raise ValueError(
                f"expected new keys and values [{b}, {g}, T, {d}], got {tuple(k_new.shape)} and {tuple(v_new.shape)}"
            )
        for name, new in (("keys", k_new), ("values", v_new)):
            if new.dtype != self.k.dtype:
                raise TypeError(
                    f"new {name} are {str(new.dtype).removeprefix('torch.')} but the cache holds "
                    f"{str(self.k.dtype).removeprefix('torch.')}: make the cache with dtype={new.dtype} "
                    f"or cast with .to({self.k.dtype})"
                )
            if new.device != self.k.device:
                raise ValueError(
                    f"new {name} are on {new.device} but the cache is on {self.k.device}: make the cache "
                    f"with device={str(new.device)!r} or move them with .to({str(self.k.device)!r})"
                )
        t = k_new.shape[2]
        end = self.length + t
        if end > self.max_len:
            raise ValueError(
                f"KV cache overflow: it holds max_len={self.max_len} positions, {self.length} are "
                f"filled, and {t} more were written; make the cache longer"
            )
        self.k[:, :, self.length:end] = k_new
        self.v[:, :, self.length:end] = v_new
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]

    def truncate(self, length: int) -> None:
        """Keep only the first ``length`` positions (the rest are overwritten by later updates)."""
        if not 0 <= length <= self.length:
            raise ValueError(f"cannot truncate a cache of {self.length} positions to {length}")
        self.length = length

    def reset(self) -> None:
        """Forget every position (the buffers are kept and overwritten later)."""
        self.truncate(0)
