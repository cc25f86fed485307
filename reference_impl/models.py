"""Published attention shapes of real models, for questions and benchmarks that use real sizes.

Pure Python (no torch). Figures are copied from each model's published config or paper; the
source is named beside each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_impl.config import attention_kind


@dataclass(frozen=True)
class ModelConfig:
    """The attention-relevant shape of one published model."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    vocab: int | None = None

    @property
    def kind(self) -> str:
        """``"MHA"``, ``"MQA"`` or ``"GQA"``, from the head counts."""
        return attention_kind(self.n_heads, self.n_kv_heads)

    @property
    def group_size(self) -> int:
        """Query heads that share one KV head (``H / G``)."""
        return self.n_heads // self.n_kv_heads


MODELS: dict[str, ModelConfig] = {
    m.name: m
    for m in (
        # meta-llama/Meta-Llama-3-8B config.json: num_hidden_layers 32, hidden_size 4096,
        # num_attention_heads 32, num_key_value_heads 8, vocab_size 128256 (head_dim 4096/32).
        ModelConfig("Llama-3-8B", 32, 4096, 32, 8, 128, 128256),
        # meta-llama/Meta-Llama-3-70B config.json: 80 layers, hidden 8192, 64 heads, 8 KV heads,
        # vocab 128256.
        ModelConfig("Llama-3-70B", 80, 8192, 64, 8, 128, 128256),
        # meta-llama/Llama-2-7b-hf config.json: 32 layers, hidden 4096, 32 heads and 32 KV heads
        # (plain MHA), vocab 32000.
        ModelConfig("Llama-2-7B", 32, 4096, 32, 32, 128, 32000),
        # mistralai/Mistral-7B-v0.1 config.json and Jiang et al. 2023, Table 1: 32 layers,
        # dim 4096, 32 heads, 8 KV heads, head_dim 128, vocab 32000.
        ModelConfig("Mistral-7B", 32, 4096, 32, 8, 128, 32000),
        # tiiuae/falcon-7b config.json: n_layer 32, hidden_size 4544, n_head 71, multi_query true
        # (one KV head), head_dim 4544/71 = 64, vocab_size 65024.
        ModelConfig("Falcon-7B", 32, 4544, 71, 1, 64, 65024),
        # Chowdhery et al. 2022, "PaLM", Table 1 and section 2: 118 layers, d_model 18432,
        # 48 heads of size 256 (so H*D = 12288 != d_model), multi-query attention. The paper gives the vocabulary only as "256k", so vocab is left unset.
        ModelConfig("PaLM-540B", 118, 18432, 48, 1, 256, None),
    )
}


def get_model(name: str) -> ModelConfig:
    """The published config called ``name`` (exact key of ``MODELS``)."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None
