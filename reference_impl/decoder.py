"""A small randomly initialised decoder built from ``GroupedQueryAttention``, for generation timing.

It exists to show what a KV cache buys in generation: ``generate(..., use_cache=False)``
recomputes the whole prefix for every new token, ``use_cache=True`` prefills once and then
feeds one token per step. No weights are downloaded; greedy decoding on random weights is
meaningless as text but exact as arithmetic, so both paths must produce the same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .config import AttentionConfig
from .kv_cache import KVCache
from .module import GroupedQueryAttention


@dataclass(frozen=True)
class DecoderConfig:
    """Shape of the toy decoder; ``max_len`` bounds prompt plus generated tokens."""

    vocab: int = 512
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 8
    n_kv_heads: int = 2
    max_len: int = 1024

    @property
    def attention(self) -> AttentionConfig:
        return AttentionConfig(self.d_model, self.n_heads, self.n_kv_heads)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm(x))``, then ``x + mlp(norm(x))``."""

    def __init__(self, config: DecoderConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.d_model)
        self.attn = GroupedQueryAttention(config.attention)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, 4 * config.d_model),
            nn.GELU(),
            nn.Linear(4 * config.d_model, config.d_model),
        )

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), cache)
        return x + self.mlp(self.norm2(x))


class TinyDecoder(nn.Module):
    """Token and learned position embeddings, ``n_layers`` blocks, a final norm and an LM head."""

    def __init__(self, config: DecoderConfig) -> None:
        super().__init__()
        self.config = config
        self.tok = nn.Embedding(config.vocab, config.d_model)
        self.pos = nn.Embedding(config.max_len, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab, bias=False)

    def new_caches(self, batch: int) -> list[KVCache]:
        """One empty cache per layer, ``max_len`` long, on the model's dtype and device."""
        return [block.attn.new_cache(batch, self.config.max_len) for block in self.blocks]

    def forward(self, tokens: torch.Tensor, caches: list[KVCache] | None = None) -> torch.Tensor:
        """``tokens [B, T] -> logits [B, T, vocab]``; with caches the tokens continue what they hold."""
        start = caches[0].length if caches else 0
        t = tokens.shape[1]
        if start + t > self.config.max_len:
            raise ValueError(f"{start + t} positions exceed max_len={self.config.max_len}")
        positions = torch.arange(start, start + t, device=tokens.device)
        x = self.tok(tokens) + self.pos(positions)  # [b, t, d]
        for i, block in enumerate(self.blocks):
            x = block(x, caches[i] if caches else None)
        return self.head(self.norm(x))

    @torch.no_grad()
    def generate(self, prompt: torch.Tensor, n_new: int, use_cache: bool) -> torch.Tensor:
        """Greedy continuation of ``prompt [B, T0]`` by ``n_new`` tokens -> ``[B, T0 + n_new]``."""
        tokens = prompt
        if not use_cache:
            for _ in range(n_new):
                logits = self(tokens)  # the whole prefix, every step
                tokens = torch.cat([tokens, logits[:, -1:].argmax(-1)], dim=1)
            return tokens
        caches = self.new_caches(prompt.shape[0])
        logits = self(prompt, caches)  # prefill
        for i in range(n_new):
            nxt = logits[:, -1:].argmax(-1)  # [b, 1]
            tokens = torch.cat([tokens, nxt], dim=1)
            if i + 1 < n_new:  # the last token needs no forward of its own
                logits = self(nxt, caches)  # one token against the cache
        return tokens
