"""Published attention shapes of real models, for questions and benchmarks that use real sizes.

Pure Python (no torch). Figures are copied from each model's published config or paper; the
source is named beside each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_impl import cost
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
    # Parameters in the published checkpoint, and (mixture of experts) those one token uses.
    n_params: int | None = None
    active_params: int | None = None
    # Positions a layer attends to (a rolling-buffer cache holds no more); None: the whole context.
    sliding_window: int | None = None
    # Multi-head latent attention: the cached latent's width d_c and the decoupled RoPE key's d_R.
    kv_latent_dim: int | None = None
    rope_dim: int | None = None

    @property
    def kind(self) -> str:
        """``"MHA"``, ``"MQA"``, ``"GQA"`` from the head counts, or ``"MLA"`` for a latent cache."""
        if self.kv_latent_dim is not None:
            return "MLA"
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
        # Parameter counts in this table are the checkpoints' tensor sizes summed (8,030,261,248 here).
        ModelConfig("Llama-3-8B", 32, 4096, 32, 8, 128, 128256, n_params=8_030_261_248),
        # meta-llama/Meta-Llama-3-70B config.json: 80 layers, hidden 8192, 64 heads, 8 KV heads,
        # vocab 128256.
        ModelConfig("Llama-3-70B", 80, 8192, 64, 8, 128, 128256, n_params=70_553_706_496),
        # meta-llama/Llama-2-7b-hf config.json: 32 layers, hidden 4096, 32 heads and 32 KV heads
        # (plain MHA), vocab 32000.
        ModelConfig("Llama-2-7B", 32, 4096, 32, 32, 128, 32000, n_params=6_738_415_616),
        # mistralai/Mistral-7B-v0.1 config.json and Jiang et al. 2023, Table 1: 32 layers,
        # dim 4096, 32 heads, 8 KV heads, head_dim 128, vocab 32000, sliding_window 4096 (the paper's
        # rolling buffer cache holds W = 4096 positions).
        ModelConfig("Mistral-7B", 32, 4096, 32, 8, 128, 32000, n_params=7_241_732_096, sliding_window=4096),
        # tiiuae/falcon-7b config.json: n_layer 32, hidden_size 4544, n_head 71, multi_query true
        # (one KV head), head_dim 4544/71 = 64, vocab_size 65024.
        ModelConfig("Falcon-7B", 32, 4544, 71, 1, 64, 65024, n_params=6_921_720_704),
        # Chowdhery et al. 2022, "PaLM", Table 1 and section 2: 118 layers, d_model 18432,
        # 48 heads of size 256 (so H*D = 12288 != d_model), multi-query attention. The paper gives the vocabulary only as "256k", so vocab is left unset.
        ModelConfig("PaLM-540B", 118, 18432, 48, 1, 256, None, n_params=540_350_000_000),
        # deepseek-ai/DeepSeek-V3 config.json and DeepSeek-AI 2024, "DeepSeek-V3 Technical Report": 61
        # layers, hidden 7168, 128 heads, v_head_dim 128 (queries and keys add a 64-wide RoPE part),
        # kv_lora_rank 512 (the cached latent d_c), qk_rope_head_dim 64 (d_R), vocab 129280; 671B
        # parameters of which 37B are activated per token (mixture of experts).
        ModelConfig(
            "DeepSeek-V3", 61, 7168, 128, 128, 128, 129280,
            n_params=671_000_000_000, active_params=37_000_000_000, kv_latent_dim=512, rope_dim=64,
        ),
    )
}


def get_model(name: str) -> ModelConfig:
    """The published config called ``name`` (exact key of ``MODELS``)."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None


def cache_bytes_per_token(model: ModelConfig, bytes_per_element: int = 2, n_kv_heads: int | None = None) -> int:
    """Bytes one token adds to ``model``'s cache over all layers: its latent for MLA, else K and V of
    ``n_kv_heads`` heads (the model's own G when not given; pass H for MHA, 1 for MQA)."""
    if n_kv_heads is None and model.kv_latent_dim is not None:
        assert model.rope_dim is not None
        return cost.mla_cache_bytes_per_token(model.n_layers, model.kv_latent_dim, model.rope_dim, bytes_per_element)
    g = model.n_kv_heads if n_kv_heads is None else n_kv_heads
    return cost.kv_cache_bytes_per_token(model.n_layers, g, model.head_dim, bytes_per_element)


def cache_bytes(
    model: ModelConfig,
    batch: int,
    context_len: int,
    bytes_per_element: int = 2,
    *,
    n_kv_heads: int | None = None,
    window: bool = True,
) -> int:
    """The whole cache for ``batch`` sequences of ``context_len`` tokens; with ``window`` (the default)
    a sliding-window model holds at most its window of positions per sequence."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    held = cost.cached_positions(context_len, model.sliding_window if window else None)
    return batch * held * cache_bytes_per_token(model, bytes_per_element, n_kv_heads)


def weight_bytes(model: ModelConfig, bytes_per_element: int = 2) -> int:
    """Bytes of the weights one decoding step reads: every parameter, or only the activated ones of a
    mixture of experts (true at batch 1; a larger batch may touch more experts)."""
    params = model.active_params or model.n_params
    if params is None:
        raise ValueError(f"{model.name} has no published parameter count in this table")
    return params * bytes_per_element


def decode_read_bytes(model: ModelConfig, batch: int, context_len: int, bytes_per_element: int = 2) -> int:
    """Bytes one decoding step of the whole model reads: the weights once plus the whole cache."""
    return weight_bytes(model, bytes_per_element) + cache_bytes(model, batch, context_len, bytes_per_element)
