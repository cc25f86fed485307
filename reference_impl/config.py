"""The shape of one attention layer, checked once so every other module can trust it."""

from __future__ import annotations

from dataclasses import dataclass


def attention_kind(n_heads: int, n_kv_heads: int) -> str:
    """``"MHA"`` (G = H), ``"MQA"`` (G = 1) or ``"GQA"`` (in between), from the head counts."""
    if n_kv_heads == n_heads:
        return "MHA"
    if n_kv_heads == 1:
        return "MQA"
    return "GQA"


@dataclass(frozen=True)
class AttentionConfig:
    """``n_heads`` query heads share ``n_kv_heads`` key/value heads of size ``head_dim``.

    ``n_kv_heads == n_heads`` is multi-head attention (MHA), ``n_kv_heads == 1`` is multi-query
    attention (MQA), anything between is grouped-query attention (GQA). ``head_dim`` defaults to
    ``d_model // n_heads``; after construction it is always an int.
    """

    d_model: int
    n_heads: int
    n_kv_heads: int
    head_dim: int | None = None
    bias: bool = False

    def __post_init__(self) -> None:
        for name in ("d_model", "n_heads", "n_kv_heads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.n_kv_heads > self.n_heads:
            raise ValueError(
                f"n_kv_heads={self.n_kv_heads} is more than n_heads={self.n_heads}; "
                "each KV head must serve at least one query head"
            )
        if self.n_heads % self.n_kv_heads != 0:
            raise ValueError(
                f"n_kv_heads={self.n_kv_heads} does not divide n_heads={self.n_heads}; "
                "every KV head must serve the same number of query heads"
            )
        if self.head_dim is None:
            if self.d_model % self.n_heads != 0:
                raise ValueError(
                    f"n_heads={self.n_heads} does not divide d_model={self.d_model}; "
                    "choose another head count or pass head_dim"
                )
            object.__setattr__(self, "head_dim", self.d_model // self.n_heads)
        elif (
            isinstance(self.head_dim, bool) or not isinstance(self.head_dim, int) or self.head_dim <= 0
        ):
            raise ValueError(f"head_dim must be a positive integer, got {self.head_dim!r}")

    @property
    def group_size(self) -> int:
        """Query heads per KV head, ``H / G``."""
        return self.n_heads // self.n_kv_heads

    @property
    def kind(self) -> str:
        """``"MHA"``, ``"MQA"`` or ``"GQA"``."""
        return attention_kind(self.n_heads, self.n_kv_heads)
